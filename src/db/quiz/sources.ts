import { sql } from 'drizzle-orm';
import type { Executor } from '../client.js';
import { queryOne, queryRows, toDate, toInt, toJson, toStr } from '../rows.js';
import { ownedBy, type Owner } from './batches.js';
import { storableJson, storableText } from './text.js';

export interface SourceSectionRecord {
  id: string;
  title: string;
  text: string;
  chars: number;
  page?: number;
}

export interface SourceRecord {
  id: string;
  tenantId: string;
  title: string;
  kind: string;
  contentHash: string;
  chars: number;
  sections: SourceSectionRecord[];
  createdAt: Date;
}

function toSection(value: unknown, i: number): SourceSectionRecord {
  if (value === null || typeof value !== 'object') throw new Error(`database boundary: sources.sections[${i}] is not an object`);
  const v = value as Record<string, unknown>;
  const page = v.page === undefined || v.page === null ? undefined : toInt(v.page, `sources.sections[${i}].page`);
  return {
    id: toStr(v.id, `sources.sections[${i}].id`),
    title: toStr(v.title, `sources.sections[${i}].title`),
    text: toStr(v.text, `sources.sections[${i}].text`),
    chars: toInt(v.chars, `sources.sections[${i}].chars`),
    ...(page === undefined ? {} : { page }),
  };
}

function toSource(row: Record<string, unknown>): SourceRecord {
  const sections = toJson(row.sections);
  if (!Array.isArray(sections)) throw new Error('database boundary: sources.sections is not an array');
  return {
    id: toStr(row.id, 'sources.id'),
    tenantId: toStr(row.tenant_id, 'sources.tenant_id'),
    title: toStr(row.title, 'sources.title'),
    kind: toStr(row.kind, 'sources.kind'),
    contentHash: toStr(row.content_hash, 'sources.content_hash'),
    chars: toInt(row.chars, 'sources.chars'),
    sections: sections.map(toSection),
    createdAt: toDate(row.created_at, 'sources.created_at'),
  };
}

const COLUMNS = sql`id, tenant_id, title, kind, content_hash, chars, sections, created_at`;

/**
 * Stores a source once per tenant and content hash: the same bytes uploaded twice give back the
 * first row (`created: false`), also when two uploads race.
 */
export async function insertSource(ex: Executor, s: Omit<SourceRecord, 'createdAt'>): Promise<{ created: boolean; source: SourceRecord }> {
  const inserted = await queryOne(
    ex,
    sql`insert into sources (id, tenant_id, title, kind, content_hash, chars, sections)
        values (${s.id}, ${s.tenantId}, ${storableText(s.title)}, ${s.kind}, ${s.contentHash}, ${s.chars}, ${JSON.stringify(storableJson(s.sections))}::jsonb)
        on conflict (tenant_id, content_hash) do nothing
        returning ${COLUMNS}`,
  );
  if (inserted) return { created: true, source: toSource(inserted) };
  const existing = await queryOne(ex, sql`select ${COLUMNS} from sources where tenant_id = ${s.tenantId} and content_hash = ${s.contentHash}`);
  if (!existing) throw new Error('database boundary: a source conflicted on its hash but cannot be read back');
  return { created: false, source: toSource(existing) };
}

/** One source, or null (also when `owner` did not upload it). */
export async function getSource(ex: Executor, id: string, owner: Owner = null): Promise<SourceRecord | null> {
  const row = await queryOne(ex, sql`select ${COLUMNS} from sources where id = ${id} ${ownedBy(sql`tenant_id`, owner)}`);
  return row ? toSource(row) : null;
}

/** The newest sources `owner` can see first. */
export async function listSources(ex: Executor, limit: number, owner: Owner = null): Promise<SourceRecord[]> {
  const rows = await queryRows(ex, sql`select ${COLUMNS} from sources where true ${ownedBy(sql`tenant_id`, owner)} order by created_at desc, id desc limit ${limit}`);
  return rows.map(toSource);
}
