import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A document stored once (by content hash): its extracted text, split into sections. */
export const sources = pgTable(
  'sources',
  {
    id: text('id').primaryKey(),
    /** The tenant that uploaded it; the same document uploaded by two tenants is two rows. */
    tenantId: text('tenant_id').notNull().default('default'),
    title: text('title').notNull(),
    kind: text('kind').notNull(),
    /** sha256 of the uploaded bytes (of the UTF-8 text for JSON uploads). */
    contentHash: text('content_hash').notNull(),
    chars: integer('chars').notNull(),
    /** `[{ id, title, text, chars, page? }]` in document order. */
    sections: jsonb('sections').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('sources_tenant_content_hash_uq').on(t.tenantId, t.contentHash), index('sources_created_idx').on(t.createdAt, t.id)],
);
