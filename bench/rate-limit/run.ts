/**
 * `npm run bench:rate-limit`: 4 worker processes × concurrency 8 share one provider limit through
 * PostgreSQL, against a scripted server that allows R requests in any 60 s and answers 429 (with
 * Retry-After) beyond it. Prints the most requests the server saw in any 60 s window and the share
 * of calls that got a 429. Env: BENCH_RPM (default 120), BENCH_SECONDS (default 75),
 * BENCH_PROCESSES (4), BENCH_CONCURRENCY (8).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { migrateDatabase, openDatabase } from '../../src/db/client.js';
import { startScriptedServer } from '../../src/model/scripted-server.js';
import { dropDatabase, freshDatabase } from '../db.js';

const R = Number(process.env.BENCH_RPM ?? 120);
const seconds = Number(process.env.BENCH_SECONDS ?? 75);
const processes = Number(process.env.BENCH_PROCESSES ?? 4);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WINDOW_MS = 60_000;
const log = (msg: string) => process.stderr.write(`[bench:rate-limit] ${msg}\n`);

const accepted: number[] = [];
const arrivals: number[] = [];
const server = await startScriptedServer(() => {
  const now = Date.now();
  arrivals.push(now);
  while (accepted.length > 0 && accepted[0]! <= now - WINDOW_MS) accepted.shift();
  if (accepted.length >= R) {
    const retryMs = accepted[0]! + WINDOW_MS - now;
    return { status: 429, error: { message: 'Rate limit reached for requests', type: 'requests' }, headers: { 'retry-after-ms': String(retryMs) } };
  }
  accepted.push(now);
  return { content: '{"ok":true}', usage: { promptTokens: 3, completionTokens: 3 } };
});

const dbName = 'qf_bench_rate_limit';
const url = await freshDatabase(dbName);
const database = await openDatabase({ url });
await migrateDatabase(database);
await database.close();

const child = fileURLToPath(new URL('./child.ts', import.meta.url));
log(`R=${R}/min, ${processes} processes × concurrency ${concurrency}, ${seconds}s`);
const results = await Promise.all(
  Array.from({ length: processes }, () =>
    new Promise<{ ok: number; limited: number; other: number }>((resolve, reject) => {
      const proc = spawn(process.execPath, ['--import', 'tsx', child, url, server.url, String(R), String(concurrency), String(seconds)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
      proc.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { ok: number; limited: number; other: number }) : reject(new Error(`child exited ${code}`))));
    }),
  ),
);
await server.close();
await dropDatabase(dbName);

// The most requests that arrived in any 60 s window (sliding, anchored at each arrival).
let maxInWindow = 0;
for (let i = 0, j = 0; i < arrivals.length; i += 1) {
  while (arrivals[i]! - arrivals[j]! >= WINDOW_MS) j += 1;
  maxInWindow = Math.max(maxInWindow, i - j + 1);
}
const total = results.reduce((n, r) => n + r.ok + r.limited + r.other, 0);
const limited = results.reduce((n, r) => n + r.limited, 0);
const figures = {
  rpm: R,
  seconds,
  processes,
  concurrency,
  calls: total,
  max_requests_in_any_60s: maxInWindow,
  max_ratio_to_R: Math.round((maxInWindow / R) * 1000) / 1000,
  share_429: total === 0 ? 0 : Math.round((limited / total) * 10_000) / 10_000,
  other_errors: results.reduce((n, r) => n + r.other, 0),
};
process.stdout.write(`${JSON.stringify(figures)}\n`);
log(`max in any 60 s ${maxInWindow} (≤ ${R * 1.05} wanted), 429 share ${(figures.share_429 * 100).toFixed(2)}% (< 5% wanted)`);
process.exitCode = maxInWindow <= R * 1.05 && figures.share_429 < 0.05 ? 0 : 1;
