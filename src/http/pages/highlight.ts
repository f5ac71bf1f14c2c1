
/**
 * Locating issues inside a model's raw output, so the DLQ view can mark the exact text an issue
 * talks about. Pure text positions only: the output itself is never interpreted as markup.
 */

export type PathSegment = string | number;

/** Issue paths arrive as text (`questions[2].options`) or as segments (`['questions', 2, 'options']`). */
export type IssuePathInput = string | readonly PathSegment[];

export interface Span {
  start: number;
  end: number;
}

/** A marked region of the raw output, with the issues (by index) that point at it. */
export interface MarkNode extends Span {
  /** Issues whose path ends exactly at this value. */
  issues: number[];
  /** Set when this value is a whole question: its index, and every issue inside it. */
  question: { index: number; issues: number[] } | null;
  children: MarkNode[];
}

/** `questions[2].options[1]`, `questions.2.options` and `['questions', 2]` all become `['questions', 2, 'options', …]`. */
export function toSegments(path: IssuePathInput): PathSegment[] {
  const raw: ReadonlyArray<string | number> =
    typeof path === 'string' ? path.split(/[.[\]]+/).filter((p) => p !== '' && p !== '(answer)') : path;
  return raw.map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
}

/** Human form of a path, matching the pipeline's `questions[2].options`. */
export function formatSegments(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out === '' ? '(answer)' : out;
}

/** Deep enough for our answer shape (four levels) with room for odd wrappers; deeper text is not indexed. */
const MAX_DEPTH = 32;

/**
 * Records the text span of every JSON value in the first bracketed value of `text`, keyed by its
 * path. Tolerant: a truncated or broken answer still yields spans for what was read, and values
 * left open run to the end of the text (that is where a truncated answer stops).
 */
export function jsonSpans(text: string): Map<string, Span> {
  // Like the pipeline's extractor, skip bracketed prose ("[Quiz]") before the real answer.
  let best = new Map<string, Span>();
  const starts = /[[{]/g;
  for (let tries = 0; tries < MAX_CANDIDATES; tries += 1) {
    const m = starts.exec(text);
    if (!m) break;
    const { spans, complete, stop } = spansFrom(text, m.index);
    if (complete && spans.size > 1) return spans;
    if (spans.size > best.size) best = spans;
    // Brackets inside text this try already read belong to it, not to a new candidate.
    starts.lastIndex = Math.max(starts.lastIndex, stop);
  }
  return best;
}

/** Bracketed starts tried before settling for the best partial read. */
const MAX_CANDIDATES = 8;

function spansFrom(text: string, first: number): { spans: Map<string, Span>; complete: boolean; stop: number } {
  const spans = new Map<string, Span>();
  const open: Array<{ key: string; start: number }> = [];
  let i = first;

  const ws = () => {
    while (i < text.length && /\s/.test(text[i] ?? '')) i += 1;
  };
  const str = (): string | null => {
    if (text[i] !== '"') return null;
    const from = i;
    i += 1;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) return null;
    i += 1;
    try {
      return JSON.parse(text.slice(from, i)) as string;
    } catch {
      return text.slice(from + 1, i - 1);
    }
  };
  const value = (path: PathSegment[]): boolean => {
    ws();
    if (i >= text.length || path.length > MAX_DEPTH) return false;
    const key = JSON.stringify(path);
    const start = i;
    open.push({ key, start });
    const ch = text[i];
    let ok: boolean;
    if (ch === '{') ok = object(path);
    else if (ch === '[') ok = array(path);
    else if (ch === '"') ok = str() !== null;
    else {
      const m = /^(?:-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      ok = m !== null;
      if (m) i += m[0].length;
    }
    if (!ok) return false;
    open.pop();
    spans.set(key, { start, end: i });
    return true;
  };
  const object = (path: PathSegment[]): boolean => {
    i += 1;
    ws();
    if (text[i] === '}') return (i += 1), true;
    for (;;) {
      ws();
      const k = str();
      if (k === null) return false;
      ws();
      if (text[i] !== ':') return false;
      i += 1;
      if (!value([...path, k])) return false;
      ws();
      if (text[i] === ',') i += 1;
      else if (text[i] === '}') return (i += 1), true;
      else return false;
    }
  };
  const array = (path: PathSegment[]): boolean => {
    i += 1;
    ws();
    if (text[i] === ']') return (i += 1), true;
    for (let n = 0; ; n += 1) {
      if (!value([...path, n])) return false;
      ws();
      if (text[i] === ',') i += 1;
      else if (text[i] === ']') return (i += 1), true;
      else return false;
    }
  };

  const complete = value([]);
  if (!complete) for (const o of open) if (!spans.has(o.key)) spans.set(o.key, { start: o.start, end: text.length });
  return { spans, complete, stop: i };
}

/** The span of the deepest prefix of `segments` present in the output, or null (answer-level issue). */
export function locate(spans: Map<string, Span>, segments: readonly PathSegment[]): Span | null {
  for (const full of candidatePaths(segments)) {
    for (let n = full.length; n > 0; n -= 1) {
      const hit = spans.get(JSON.stringify(full.slice(0, n)));
      if (hit) return hit;
    }
  }
  return null;
}

/** Issues may be reported relative to the question list (`[2].options`) or to the answer (`questions[2]…`). */
function candidatePaths(segments: readonly PathSegment[]): PathSegment[][] {
  if (segments.length === 0) return [];
  return typeof segments[0] === 'number' ? [['questions', ...segments], [...segments]] : [[...segments]];
}

/** The span of the whole question an issue is about, or null when it is not about one question. */
export function locateQuestion(spans: Map<string, Span>, segments: readonly PathSegment[]): { index: number; span: Span } | null {
  for (const full of candidatePaths(segments)) {
    const at = full[0] === 'questions' ? 1 : 0;
    const index = full[at];
    if (typeof index !== 'number') continue;
    const span = spans.get(JSON.stringify(full.slice(0, at + 1)));
    if (span) return { index, span };
  }
  return null;
}

/**
 * Builds the nested marks for the given issue paths. Spans of JSON values never partially overlap,
 * so they always form a tree; issues landing on the same value share one mark.
 */
export function markTree(text: string, paths: readonly IssuePathInput[]): { marks: MarkNode[]; located: boolean[] } {
  const spans = jsonSpans(text);
  const byKey = new Map<string, MarkNode>();
  const located: boolean[] = [];
  const nodeAt = (span: Span) => {
    const key = `${span.start}:${span.end}`;
    const node = byKey.get(key) ?? { ...span, issues: [], question: null, children: [] };
    byKey.set(key, node);
    return node;
  };
  paths.forEach((p, idx) => {
    const segments = toSegments(p);
    const span = locate(spans, segments);
    located.push(span !== null);
    if (!span) return;
    nodeAt(span).issues.push(idx);
    // Also mark the whole question, so a reader sees which of the answer's questions is at fault.
    const q = locateQuestion(spans, segments);
    if (q) {
      const node = nodeAt(q.span);
      node.question ??= { index: q.index, issues: [] };
      node.question.issues.push(idx);
    }
  });
  const sorted = [...byKey.values()].sort((a, b) => a.start - b.start || b.end - a.end);
  const roots: MarkNode[] = [];
  const stack: MarkNode[] = [];
  for (const node of sorted) {
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= node.start) stack.pop();
    const parent = stack[stack.length - 1];
    (parent ? parent.children : roots).push(node);
    stack.push(node);
  }
  return { marks: roots, located };
}
