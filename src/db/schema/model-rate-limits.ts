import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const tz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * One provider+model's shared pacing (GCRA): the theoretical arrival time of the next request and of
 * the next token. Every worker process reserves its slot here, so limits hold across hosts, and a
 * 429 seen by one worker pushes both times forward for all of them.
 */
export const modelRateLimits = pgTable('model_rate_limits', {
  key: text('key').primaryKey(),
  requestTat: tz('request_tat').notNull().defaultNow(),
  tokenTat: tz('token_tat').notNull().defaultNow(),
  updatedAt: tz('updated_at').notNull().defaultNow(),
});
