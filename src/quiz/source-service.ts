import { createHash } from 'node:crypto';
import { DEFAULT_TENANT, OPERATOR_SCOPE, ownerFilter, type TenantScope } from '../accounts/index.js';
import type { Executor } from '../db/client.js';
import { getSource, insertSource, listSources, type SourceRecord } from '../db/quiz/index.js';
import { extractBounded, type ExtractBounds } from '../sources/bounded.js';
import { detectKind } from '../sources/detect.js';
import { sectionize } from '../sources/section.js';
import { SOURCE_LIMITS, type ExtractedText, type SourceKind } from '../sources/types.js';
import { SourceRejectedError } from './errors.js';

/** A source as the API shows it: the sections without their text. */
export interface SourceView {
  id: string;
  title: string;
  kind: string;
  chars: number;
  sections: Array<{ id: string; title: string; chars: number; page?: number }>;
  createdAt: string;
}

/** Sources belong to the tenant that stored them (`scope.tenant`); another tenant's id reads as unknown. */
export interface SourceService {
  /** Plain text or Markdown sent as JSON. */
  addText(input: { title?: string | undefined; text: string }, scope?: TenantScope): Promise<{ created: boolean; source: SourceView }>;
  /** An uploaded file of any supported kind. */
  addFile(
    input: { bytes: Uint8Array; mediaType: string | null; fileName: string | null; title?: string | undefined },
    scope?: TenantScope,
  ): Promise<{ created: boolean; source: SourceView }>;
  get(id: string, scope?: TenantScope): Promise<SourceView | null>;
  /** The stored record, section texts included, for the pipeline. */
  record(id: string, scope?: TenantScope): Promise<SourceRecord | null>;
  list(limit: number, scope?: TenantScope): Promise<SourceView[]>;
}

export function toSourceView(s: SourceRecord): SourceView {
  return {
    id: s.id,
    title: s.title,
    kind: s.kind,
    chars: s.chars,
    sections: s.sections.map((x) => ({ id: x.id, title: x.title, chars: x.chars, ...(x.page === undefined ? {} : { page: x.page }) })),
    createdAt: s.createdAt.toISOString(),
  };
}

function hashOf(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A title from the client, else the document's own, else its first line, else the file name. */
function titleFor(given: string | undefined, extracted: ExtractedText, fileName: string | null): string {
  const firstLine = extracted.pages.join('\n').split('\n').map((l) => l.replace(/^#+\s*/, '').trim()).find((l) => l !== '');
  const title = given?.trim() || extracted.title || firstLine || fileName || 'Untitled source';
  return title.slice(0, SOURCE_LIMITS.maxTitleChars);
}

/**
 * A source's id comes from its content hash, so the same document gets the same id on every
 * database: a recorded demo request (which names its sections) replays after `sources add`.
 * Another tenant's copy of the same document is its own row, so its id also hashes the tenant.
 */
export function sourceIdFor(contentHash: string, tenant: string = DEFAULT_TENANT): string {
  if (tenant === DEFAULT_TENANT) return `src_${contentHash.slice(0, 24)}`;
  return `src_${createHash('sha256').update(`${tenant}\0${contentHash}`).digest('hex').slice(0, 24)}`;
}

export function createSourceService(db: Executor, bounds: ExtractBounds = {}): SourceService {
  const store = async (extracted: ExtractedText, contentHash: string, title: string, tenantId: string) => {
    const sections = sectionize(extracted, title);
    if (sections.length === 0) throw new SourceRejectedError('empty', 'the document contains no text');
    const chars = sections.reduce((n, s) => n + s.chars, 0);
    const { created, source } = await insertSource(db, { id: sourceIdFor(contentHash, tenantId), tenantId, title, kind: extracted.kind, contentHash, chars, sections });
    return { created, source: toSourceView(source) };
  };

  return {
    async addText({ title, text }, scope = OPERATOR_SCOPE) {
      if (text.trim() === '') throw new SourceRejectedError('empty', 'text is empty');
      if (text.length > SOURCE_LIMITS.maxTextChars) {
        throw new SourceRejectedError('too_large', `text has ${text.length} characters; at most ${SOURCE_LIMITS.maxTextChars} are accepted`);
      }
      const extracted: ExtractedText = { kind: 'markdown', pages: [text.replace(/\r\n?/g, '\n')], paged: false, title: null };
      return store(extracted, hashOf(text), titleFor(title, extracted, null), scope.tenant);
    },

    async addFile({ bytes, mediaType, fileName, title }, scope = OPERATOR_SCOPE) {
      if (bytes.length > SOURCE_LIMITS.maxFileBytes) {
        throw new SourceRejectedError('too_large', `the file is larger than ${SOURCE_LIMITS.maxFileBytes} bytes`);
      }
      const kind: SourceKind | null = detectKind(bytes, mediaType, fileName);
      if (kind === null) {
        throw new SourceRejectedError('unsupported', `unsupported file type ${JSON.stringify(mediaType ?? fileName ?? 'unknown')}; send PDF, DOCX, HTML, Markdown or plain text`);
      }
      const outcome = await extractBounded(bytes, kind, bounds);
      if (!outcome.ok) throw new SourceRejectedError(outcome.failure.reason, outcome.failure.message);
      return store(outcome.value, hashOf(bytes), titleFor(title, outcome.value, fileName), scope.tenant);
    },

    async get(id, scope = OPERATOR_SCOPE) {
      const s = await getSource(db, id, ownerFilter(scope));
      return s ? toSourceView(s) : null;
    },

    record: (id, scope = OPERATOR_SCOPE) => getSource(db, id, ownerFilter(scope)),

    async list(limit, scope = OPERATOR_SCOPE) {
      return (await listSources(db, limit, ownerFilter(scope))).map(toSourceView);
    },
  };
}
