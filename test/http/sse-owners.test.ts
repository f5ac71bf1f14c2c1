import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchRequestSchema } from '../../schemas/batch-request.js';
import { EventHub, type HubSubscriber } from '../../src/http/sse-hub.js';
import { GroupOwners } from '../../src/http/sse-owners.js';
import type { FramePage } from '../../src/http/sse-frame.js';
import { createLogger } from '../../src/log.js';
import { useTestDatabase } from '../helpers/db.js';
import { startQuizStack, type QuizStack } from './harness.js';

/** The hub's tenant filter when the owner lookup fails: nothing is skipped, the next wake delivers. */
const db = useTestDatabase();
let stack: QuizStack;

beforeAll(async () => {
  stack = await startQuizStack(db().database, { worker: false });
});
afterAll(async () => {
  await stack?.stop();
});

const submit = async (tenant: string, topic: string) =>
  (await stack.service.submit(BatchRequestSchema.parse({ topic, count: 2, verify: 'off' }), {}, { tenant, all: false })).batch.id;

describe('EventHub with tenant subscribers', () => {
  it('a failed owner lookup leaves the head in place; the next wake delivers exactly the tenant events, once', async () => {
    let failing = false;
    let failures = 0;
    const owners = new GroupOwners(async (ids) => {
      if (failing) {
        failures++;
        throw new Error('connection lost');
      }
      return stack.service.batchOwners(ids);
    });
    const hub = new EventHub(stack.engine.events, { logger: createLogger({ level: 'silent' }), pollMs: 60_000, owners });
    const got: number[] = [];
    const groups = new Set<string | null>();
    const sub: HubSubscriber = {
      groupId: null,
      owner: 'acme',
      deliver: (page: FramePage) => {
        for (const f of page.frames) {
          got.push(f.id);
          groups.add(f.groupId);
        }
      },
      stop: () => undefined,
    };
    try {
      await hub.attach(sub);
      failing = true;
      const mine = await submit('acme', 'Acme rockets');
      const theirs = await submit('globex', 'Globex volcanoes');
      hub.wake();
      await expect.poll(() => failures, { timeout: 2000 }).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual([]);
      failing = false;
      hub.wake();
      const expected = (await stack.engine.events.readAfter(0, { groupId: mine, limit: 100 })).map((e) => e.id);
      await expect.poll(() => got.length, { timeout: 2000 }).toBe(expected.length);
      expect(got).toEqual(expected);
      expect([...groups]).toEqual([mine]);
      expect(groups.has(theirs)).toBe(false);
    } finally {
      await hub.close();
    }
  });
});
