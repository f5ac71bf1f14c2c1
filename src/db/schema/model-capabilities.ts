import { primaryKey, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * What each (base URL, model) was found to accept, shared by every worker: the output mode that
 * works, learnt from a 400 on a better one. Rows expire so a provider that gains a feature is retried.
 */
export const modelCapabilities = pgTable(
  'model_capabilities',
  {
    baseUrl: text('base_url').notNull(),
    model: text('model').notNull(),
    outputMode: text('output_mode').notNull(),
    /** The provider message that made us step down to `output_mode`. */
    reason: text('reason').notNull(),
    recordedAt: tz('recorded_at').notNull().defaultNow(),
    expiresAt: tz('expires_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.baseUrl, t.model] })],
);
