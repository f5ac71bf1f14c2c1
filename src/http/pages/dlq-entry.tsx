import type { Child } from 'hono/jsx';
import type { ChatMessageView, ReviewQuestionView } from '../../quiz/views.js';
import { AcceptForm, issuesByField, type ReviewIssues } from './dlq-accept.js';
import type { DlqEntryView, TranscriptAttemptView } from './deps.js';
import { formatSegments, markTree, toSegments, type MarkNode } from './highlight.js';
import { costText, usageText } from './usage-text.js';
import { Layout, errorText, formatTime } from './layout.js';

/**
 * One dead job with its full transcript. Everything the model wrote is hostile: it only ever
 * reaches the page as JSX text children, which hono/jsx escapes; nothing here uses raw HTML.
 */
export function DlqEntryPage(props: {
  entry: DlqEntryView;
  canAct: boolean;
  canLogOut: boolean;
  error?: string;
  /** After a refused accept: the validator's issues on the reviewer's edits, and the edits. */
  reviewIssues?: ReviewIssues;
  edited?: ReviewQuestionView[];
}) {
  const { entry } = props;
  const review = entry.review;
  return (
    <Layout title={`Dead job #${entry.id}`} nav="dlq" canLogOut={props.canLogOut} scripts={['dlq.js']}>
      <h1>{`Dead job #${entry.id}`}</h1>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
      <section class="card">
        <dl class="tiles">
          <div>
            <dt>Kind</dt>
            <dd>{entry.kind}</dd>
          </div>
          <div>
            <dt>Reason</dt>
            <dd id="reason">{entry.reason ?? ''}</dd>
          </div>
          <div>
            <dt>Attempts</dt>
            <dd>{entry.attempts.length}</dd>
          </div>
          <div>
            <dt>Batch</dt>
            <dd>{entry.batchId ? <a href={`/v1/batches/${encodeURIComponent(entry.batchId)}`}>{entry.batchId.slice(0, 8)}</a> : '—'}</dd>
          </div>
        </dl>
        <p>{`Died ${formatTime(entry.diedAt)}: ${errorText(entry.lastError)}`}</p>
        <p class="muted" id="job-usage">
          {usageText(entry.usage)}
        </p>
        {props.canAct ? (
          <div class="actions">
            <form method="post" action={`/dlq/${entry.id}/replay`}>
              <button type="submit" id="replay">
                Replay
              </button>
            </form>
            <form method="post" action={`/dlq/${entry.id}/discard`} data-confirm={`Discard job #${entry.id} for good?`}>
              <button type="submit" id="discard" class="danger">
                Discard
              </button>
            </form>
          </div>
        ) : (
          <p class="muted">Replay and discard need an admin key.</p>
        )}
      </section>
      {props.canAct && review ? (
        <AcceptForm
          jobId={entry.id}
          review={review}
          issues={props.reviewIssues ?? issuesByField(review.issues)}
          {...(props.edited ? { edited: props.edited } : {})}
        />
      ) : null}
      {entry.attempts.map((a) => (
        <Attempt attempt={a} />
      ))}
    </Layout>
  );
}

function Attempt({ attempt }: { attempt: TranscriptAttemptView }) {
  const n = attempt.n;
  const raw = attempt.rawOutput ?? '';
  const { marks, located } = markTree(raw, attempt.issues.map((i) => i.path));
  const anchors = anchorsFor(n, marks);
  const { usage, error } = attempt;
  return (
    <section class="card attempt" id={`attempt-${n}`} data-attempt={String(n)}>
      <h2>{`Attempt ${n}: ${attempt.kind}`}</h2>
      <p class="attempt-meta">
        <span>{`model: ${attempt.model ?? '—'}`}</span>
        <span>{`prompt ${attempt.promptVersion}`}</span>
        <span>{`finish: ${attempt.finishReason ?? '—'}`}</span>
        <span>{`tokens: ${usage.promptTokens} prompt${usage.cachedTokens > 0 ? ` (${usage.cachedTokens} cached)` : ''} + ${usage.completionTokens} completion${usage.reasoningTokens > 0 ? ` (${usage.reasoningTokens} reasoning)` : ''}`}</span>
        <span class="cost">{costText(usage.costUsd)}</span>
        <span>{`${attempt.latencyMs} ms`}</span>
        {attempt.epoch > 0 ? <span>{`after replay ${attempt.epoch}`}</span> : null}
        <span>{formatTime(attempt.createdAt)}</span>
      </p>
      {error ? (
        <p class="error">{`${error.kind}${error.status === undefined ? '' : ` (HTTP ${error.status})`}: ${error.message}`}</p>
      ) : null}
      <details>
        <summary>{`Prompt (${attempt.messages.length} messages)`}</summary>
        {attempt.messages.map((m) => (
          <Message message={m} />
        ))}
      </details>
      <h3>{`Issues (${attempt.issues.length})`}</h3>
      {attempt.issues.length === 0 ? (
        <p class="muted">None recorded.</p>
      ) : (
        <ol class="issues">
          {attempt.issues.map((issue, idx) => {
            const label = <code>{formatSegments(toSegments(issue.path))}</code>;
            const anchor = anchors.get(idx);
            return (
              <li data-issue={String(idx)}>
                {located[idx] && anchor ? <a href={`#${anchor}`}>{label}</a> : label} <code>{issue.code}</code> {issue.message}
              </li>
            );
          })}
        </ol>
      )}
      <h3>Raw model output</h3>
      {attempt.rawOutput === null ? (
        <p class="muted">No output (the call failed before the model answered).</p>
      ) : (
        <pre class="raw" data-raw-output="">
          {renderMarked(raw, 0, raw.length, marks, n, attempt)}
        </pre>
      )}
      {attempt.normalisations.length > 0 ? (
        <details>
          <summary>{`Normalisations (${attempt.normalisations.length})`}</summary>
          <pre>{JSON.stringify(attempt.normalisations, null, 2)}</pre>
        </details>
      ) : null}
    </section>
  );
}

function Message({ message }: { message: ChatMessageView }) {
  return (
    <div class="message">
      <h4>{message.role}</h4>
      <pre>{message.content}</pre>
    </div>
  );
}

function markId(attemptN: number, node: MarkNode): string {
  const first = node.issues[0];
  return first === undefined ? `a${attemptN}-q${node.question?.index ?? 0}` : `a${attemptN}-i${first}`;
}

/** Every issue links to the mark that holds it (several issues may share one). */
function anchorsFor(attemptN: number, marks: MarkNode[]): Map<number, string> {
  const out = new Map<number, string>();
  const walk = (nodes: MarkNode[]) => {
    for (const node of nodes) {
      // Deeper marks come later in the walk, so each issue ends up linked to its most exact mark.
      for (const i of node.issues) out.set(i, markId(attemptN, node));
      walk(node.children);
    }
  };
  walk(marks);
  return out;
}

/** Slices the raw text around the marks; each slice is a plain string child, so it is escaped. */
function renderMarked(text: string, from: number, to: number, nodes: MarkNode[], attemptN: number, attempt: TranscriptAttemptView): Child[] {
  const out: Child[] = [];
  let at = from;
  for (const node of nodes) {
    if (node.start > at) out.push(text.slice(at, node.start));
    const describe = (i: number) => `${attempt.issues[i]?.code ?? ''}: ${attempt.issues[i]?.message ?? ''}`;
    const title = node.issues.length > 0 ? node.issues.map(describe).join('\n') : `questions[${node.question?.index ?? ''}]: ${node.question?.issues.length ?? 0} issue(s)`;
    out.push(
      <mark
        id={markId(attemptN, node)}
        class={node.question ? 'question' : undefined}
        title={title}
        data-issues={node.issues.join(' ')}
        data-question={node.question ? String(node.question.index) : undefined}
      >
        {renderMarked(text, node.start, node.end, node.children, attemptN, attempt)}
      </mark>,
    );
    at = node.end;
  }
  if (to > at) out.push(text.slice(at, to));
  return out;
}
