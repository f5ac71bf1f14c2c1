import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/db.js';
import { createEngine } from '../../src/engine/index.js';
import { DEFAULT_QUIZ_CONFIG } from '../../src/quiz/config.js';
import { createQuizService } from '../../src/quiz/service.js';
import { BatchRequestSchema } from '../../schemas/batch-request.js';

const getDb = useTestDatabase();

describe('batch reads shared by concurrent pollers', () => {
  it('never answer a read begun after a write with the state before it', async () => {
    const database = getDb().database;
    const engine = createEngine({ database });
    const service = createQuizService({ engine, database, config: DEFAULT_QUIZ_CONFIG });
    for (let round = 0; round < 30; round++) {
      const { batch } = await service.submit(BatchRequestSchema.parse({ topic: `Poll ${round}`, count: 2 }));
      let polling = true;
      let reads = 0;
      // Twenty pollers keep reads of the batch in flight the whole time.
      const pollers = Array.from({ length: 20 }, async () => {
        while (polling) {
          await service.get(batch.id);
          reads++;
        }
      });
      await new Promise((r) => setTimeout(r, 20));
      // The write: the batch's jobs cancelled in one commit (the engine's own, nothing read after it).
      expect((await engine.cancelGroup(batch.id)).length).toBeGreaterThan(0);
      // Reads that start right after the commit, while reads begun before it are still in flight.
      const after = await Promise.all(Array.from({ length: 5 }, () => service.get(batch.id)));
      expect(after.map((b) => b?.status)).toEqual(Array(5).fill('cancelled'));
      polling = false;
      await Promise.all(pollers);
      expect(reads).toBeGreaterThan(20);
    }
  });

  it('shares one view between reads that waited together, and keeps tenants apart', async () => {
    const database = getDb().database;
    const engine = createEngine({ database });
    const service = createQuizService({ engine, database, config: DEFAULT_QUIZ_CONFIG });
    const { batch } = await service.submit(BatchRequestSchema.parse({ topic: 'Shared', count: 2 }), {}, { tenant: 'acme', all: false });
    const views = await Promise.all(Array.from({ length: 10 }, () => service.get(batch.id, { tenant: 'acme', all: false })));
    // The first read ran alone; the nine that arrived while it ran shared the next one.
    expect(new Set(views).size).toBe(2);
    expect(views.every((v) => v?.id === batch.id)).toBe(true);
    // Another tenant's concurrent reads are keyed apart and see nothing.
    const [mine, theirs] = await Promise.all([service.get(batch.id, { tenant: 'acme', all: false }), service.get(batch.id, { tenant: 'other', all: false })]);
    expect(mine?.id).toBe(batch.id);
    expect(theirs).toBeNull();
  });
});
