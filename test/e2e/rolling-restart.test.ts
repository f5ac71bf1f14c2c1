import { EventSource } from 'eventsource';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/engine/index.js';
import type { EngineEvent } from '../../src/engine/types.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import { DEMO_BATCHES, demoScript } from '../../src/quiz/demo-scenarios.js';
import { useTestDatabase } from '../helpers/db.js';
import { spawnService, type ServiceProcess } from '../helpers/service.js';
import { sleep, waitUntil } from '../engine-faults/harness.js';

/**
 * A rolling restart of two API processes (`serve --no-workers`) while SSE clients follow
 * `/v1/events` through a "load balancer" (each client's fetch goes to a live process) and a
 * separate worker process makes events: every client reconnects with `Last-Event-ID` and ends
 * with exactly the journal, in order, nothing missed and nothing twice.
 */

const db = useTestDatabase();
const CLIENTS = 12;
const TYPES = [
  'batch.failed', 'batch.succeeded', 'job.blocked', 'job.dead', 'job.discarded', 'job.enqueued', 'job.lease_expired',
  'job.ready', 'job.released', 'job.replayed', 'job.retry_scheduled', 'job.started', 'job.succeeded', 'job.unblocked',
];

interface Client {
  es: EventSource;
  ids: number[];
  /** Last-Event-ID sent on each connect, and the last id received before it. */
  connects: Array<{ sent: string | null; lastSeen: number | null }>;
  opened: number;
}

const procs: ServiceProcess[] = [];
const clients: Client[] = [];

afterAll(async () => {
  for (const c of clients) c.es.close();
  for (const p of procs) if (p.alive()) p.proc.kill('SIGKILL');
});

describe('rolling restart of two API processes with SSE clients connected', () => {
  it('every client reconnects with Last-Event-ID and misses nothing', async () => {
    const { url, database } = db();
    const script = demoScript();
    const model = await startScriptedServer(async (req) => ({ ...(await script(req)), delayMs: 50 }));
    const env = { DATABASE_URL: url, OPENAI_BASE_URL: model.url, OPENAI_API_KEY: 'test-key', QUIZFORGE_MODEL_MODE: 'live' };
    const api = () => spawnService(['--no-workers', '--grace-ms', '2000'], env);
    const start = (p: ServiceProcess) => (procs.push(p), p);
    const endpoints: Array<string | null> = [start(await api()).url, start(await api()).url];
    const worker = start(await spawnService(['--concurrency', '2'], env));
    const engine = createEngine({ database });
    try {
      const live = (pref: number): string => {
        const url = endpoints[pref] ?? endpoints[1 - pref];
        if (!url) throw new Error('no API process is up');
        return url;
      };
      for (let i = 0; i < CLIENTS; i++) {
        const c: Client = { ids: [], connects: [], opened: 0, es: undefined as unknown as EventSource };
        c.es = new EventSource('http://balancer.invalid/v1/events', {
          fetch: (target, init) => {
            const headers = (init?.headers ?? {}) as Record<string, string>;
            c.connects.push({ sent: headers['Last-Event-ID'] ?? null, lastSeen: c.ids.at(-1) ?? null });
            return fetch(`${live(i % 2)}${new URL(String(target)).pathname}`, init);
          },
        });
        c.es.onopen = () => c.opened++;
        for (const t of TYPES) c.es.addEventListener(t, (m: MessageEvent<string>) => c.ids.push(Number(m.lastEventId)));
        clients.push(c);
      }
      await waitUntil(() => clients.every((c) => c.opened === 1), 20_000, () => 'clients did not connect');

      let submitting = true;
      const submitted: string[] = [];
      const submitter = (async () => {
        for (let i = 0; submitting; i++) {
          const res = await fetch(`${live(i % 2)}/v1/batches`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(DEMO_BATCHES.success.request),
          }).catch(() => null);
          if (res?.status === 202) submitted.push(((await res.json()) as { id: string }).id);
          await sleep(150);
        }
      })();

      // Roll: take each process out of the balancer, SIGTERM it, start its replacement.
      for (const slot of [0, 1]) {
        await sleep(1500);
        const old = procs.find((p) => p.url === endpoints[slot]);
        if (!old) throw new Error('lost a process');
        endpoints[slot] = null;
        old.proc.kill('SIGTERM');
        expect(await old.exited).toEqual({ code: 0, signal: null });
        endpoints[slot] = start(await api()).url;
      }
      await sleep(1500);
      submitting = false;
      await submitter;
      expect(submitted.length).toBeGreaterThan(10);

      const journal = async (): Promise<EngineEvent[]> => {
        const all: EngineEvent[] = [];
        for (;;) {
          const page = await engine.events.readAfter(all.at(-1)?.id ?? 0, { limit: 5000 });
          all.push(...page);
          if (page.length < 5000) return all;
        }
      };
      await waitUntil(
        async () => {
          const states = await Promise.all(
            submitted.map(async (id) => ((await (await fetch(`${live(0)}/v1/batches/${id}`)).json()) as { status: string }).status),
          );
          return states.every((s) => s === 'succeeded');
        },
        60_000,
        () => worker.log(),
      );
      const events = await journal();
      const lastId = events.at(-1)?.id ?? 0;
      await waitUntil(() => clients.every((c) => c.ids.at(-1) === lastId), 20_000, () =>
        `clients at ${clients.map((c) => c.ids.at(-1)).join(',')}, journal at ${lastId}`,
      );
      expect(events.filter((e) => !TYPES.includes(e.type))).toEqual([]);

      for (const c of clients) {
        const first = c.ids[0] ?? 0;
        // Everything from the first event it saw to the end of the journal, once each, in order.
        expect(c.ids).toEqual(events.filter((e) => e.id >= first).map((e) => e.id));
        // Both processes it used went away: it connected at least twice more, each time resuming.
        expect(c.connects.length).toBeGreaterThanOrEqual(2);
        expect(c.connects[0]?.sent).toBeNull();
        for (const r of c.connects.slice(1)) expect(r.sent).toBe(String(r.lastSeen));
      }
    } finally {
      await engine.close();
      await model.close();
    }
  }, 150_000);
});
