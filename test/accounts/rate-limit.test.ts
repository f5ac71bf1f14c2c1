import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { ApiRateLimiter, blockSize } from '../../src/accounts/index.js';
import { queryRows } from '../../src/db/rows.js';
import { useTestDatabase } from '../helpers/db.js';

/** The limiter against real PostgreSQL: blocks of hits per process, a spent window remembered. */
const db = useTestDatabase();
const counted = async (tenant: string, bucket = 'all') =>
  (await queryRows(db().database.db, sql`select hits from api_rate_windows where tenant_id = ${tenant} and bucket = ${bucket}`))[0]?.hits ?? 0;
// A window far longer than the test, so no boundary falls inside it.
const limiter = (limits: { submit: number | null; all: number | null }) => new ApiRateLimiter(db().database.db, limits, { windowMs: 3_600_000 });

describe('ApiRateLimiter', () => {
  it('blocks are 1 % of the limit (at least one hit)', () => {
    expect([1, 99, 100, 250, 1_000_000].map(blockSize)).toEqual([1, 1, 1, 2, 10_000]);
  });

  it('spends a reserved block locally: one upsert per block, exact counts and remaining figures', async () => {
    const rl = limiter({ submit: null, all: 1000 });
    const first = await rl.check('blocks', { submit: false });
    expect(first).toMatchObject({ allowed: true, limit: 1000, remaining: 999, bucket: 'all' });
    expect(await counted('blocks')).toBe(10);
    for (let i = 0; i < 9; i++) await rl.check('blocks', { submit: false });
    expect(await counted('blocks')).toBe(10);
    expect(await rl.check('blocks', { submit: false })).toMatchObject({ allowed: true, remaining: 989 });
    expect(await counted('blocks')).toBe(20);
  });

  it('processes share the window; near the limit each takes what is left, and a spent window costs no query', async () => {
    const one = limiter({ submit: null, all: 250 });
    const two = limiter({ submit: null, all: 250 });
    let allowed = 0;
    for (let i = 0; i < 300; i++) if ((await (i % 2 === 0 ? one : two).check('shared', { submit: false }))?.allowed) allowed++;
    expect(allowed).toBe(250);
    const after = await counted('shared');
    expect(after).toBeGreaterThanOrEqual(250);
    for (let i = 0; i < 20; i++) expect((await one.check('shared', { submit: false }))?.allowed).toBe(false);
    expect(await counted('shared')).toBe(after);
  });

  it('a submit counts against both buckets in one statement; the tightest bucket decides', async () => {
    const rl = limiter({ submit: 1, all: 100 });
    expect(await rl.check('both', { submit: true })).toMatchObject({ allowed: true, bucket: 'submit', remaining: 0 });
    expect(await counted('both', 'submit')).toBe(1);
    expect(await counted('both', 'all')).toBe(1);
    expect(await rl.check('both', { submit: true })).toMatchObject({ allowed: false, bucket: 'submit', limit: 1 });
    // The refused submit still counted as a request (all: 3 of 100 now).
    expect(await rl.check('both', { submit: false })).toMatchObject({ allowed: true, bucket: 'all', remaining: 97 });
    expect(await limiter({ submit: null, all: null }).check('free', { submit: true })).toBeNull();
  });
});
