/**
 * One benchmark worker process: `node --import tsx bench/child-worker.ts` with BENCH_SYSTEM,
 * BENCH_URL and BENCH_MODE (drain | latency) in the environment, forked with an IPC channel.
 * It starts its system's worker on `go`, reports progress (and per-job latency), stops on `stop`.
 */
import { installProfiler, profileReport, profiling, startProfileWindow } from './profile.js';
import { isParentMessage, type ChildMessage } from './protocol.js';
import { isSystemName, loadSystem, nowMs, type BenchPayload, type BenchWorker } from './system.js';

function send(msg: ChildMessage): void {
  process.send?.(msg);
}

async function main(): Promise<void> {
  const name = process.env.BENCH_SYSTEM ?? '';
  const url = process.env.BENCH_URL ?? '';
  const latencyMode = process.env.BENCH_MODE === 'latency';
  if (!isSystemName(name) || !url || !process.send) {
    throw new Error('child-worker: needs BENCH_SYSTEM, BENCH_URL and an IPC channel');
  }
  const profile = profiling();
  if (profile) installProfiler();
  const system = await loadSystem(name);
  let handled = 0;
  let firstAt: number | null = null;
  const onJob = (payload: BenchPayload) => {
    const at = nowMs();
    handled++;
    firstAt ??= at;
    if (latencyMode) send({ type: 'latency', seq: payload.seq, ms: at - payload.t0 });
  };
  let worker: BenchWorker | null = null;
  const progress = setInterval(() => send({ type: 'progress', handled, firstAt }), 10);

  process.on('message', (msg: unknown) => {
    if (!isParentMessage(msg)) return;
    if (msg.type === 'go') {
      if (profile) startProfileWindow();
      system
        .startWorker(url, onJob)
        .then((w) => {
          worker = w;
          send({ type: 'started' });
        })
        .catch(fail);
    } else {
      clearInterval(progress);
      send({ type: 'progress', handled, firstAt });
      if (profile) process.stderr.write(`${profileReport(`${name} pid ${process.pid}, ${handled} jobs`)}\n`);
      const stopping = worker ? worker.stop() : Promise.resolve();
      stopping
        .then(() => {
          send({ type: 'stopped', handled });
          process.disconnect();
          // Some libraries keep timers alive after stop; the measurement is over.
          setTimeout(() => process.exit(0), 200).unref();
        })
        .catch(fail);
    }
  });
  send({ type: 'ready' });
}

function fail(err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`child-worker: ${message}\n`);
  send({ type: 'error', message });
  setTimeout(() => process.exit(1), 100);
}

main().catch(fail);
