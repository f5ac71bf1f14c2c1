import { spawnWorkers, type WorkerChild } from './children.js';
import { localServerCpuMs, profiling } from './profile.js';
import { percentile, sleep } from './stats.js';
import { nowMs, type BenchClient, type BenchPayload, type SystemName } from './system.js';

function payloads(n: number, from = 0): BenchPayload[] {
  return Array.from({ length: n }, (_, i) => ({ seq: from + i, t0: 0 }));
}

/** Bulk-enqueues `n` no-op jobs with the system's bulk API; returns jobs/s. */
export async function measureEnqueue(client: BenchClient, n: number): Promise<number> {
  const jobs = payloads(n);
  const started = nowMs();
  await client.enqueueBulk(jobs);
  return (n / (nowMs() - started)) * 1000;
}

/** Queues `n` jobs without timing them (the drain phases' setup). */
export async function preload(client: BenchClient, n: number): Promise<void> {
  const chunk = 5000;
  for (let i = 0; i < n; i += chunk) await client.enqueueBulk(payloads(Math.min(chunk, n - i), i));
}

export interface DrainFigure {
  /** From the first handler start to the moment the database shows no job left: the figure reported. */
  jobsPerSec: number;
  /** From `go` (worker start included), for reference. */
  jobsPerSecFromGo: number;
}

/**
 * Starts `procs` worker processes on `n` queued jobs and times the drain. Children are forked and
 * loaded before the clock starts; the clock stops when the database shows every job completed.
 */
export async function measureDrain(
  system: SystemName,
  url: string,
  client: BenchClient,
  n: number,
  procs: number,
): Promise<DrainFigure> {
  const queued = await client.remaining();
  if (queued !== n) throw new Error(`${system}: expected ${n} queued jobs before the drain, found ${queued}`);
  const children = await spawnWorkers(system, url, 'drain', procs);
  try {
    const serverCpu0 = profiling() ? localServerCpuMs() : null;
    const goAt = nowMs();
    for (const c of children) c.send({ type: 'go' });
    const deadline = goAt + Math.max(120_000, n * 10);
    const handled = () => children.reduce((sum, c) => sum + c.handled, 0);
    while (handled() < n) {
      for (const c of children) c.assertHealthy();
      if (nowMs() > deadline) throw new Error(`${system}: drain timed out after ${handled()} of ${n} handler calls`);
      await sleep(20);
    }
    // Every handler ran; completions may still be in flight (batched). Watch the database closely.
    const allHandledAt = nowMs();
    while ((await client.remaining()) > 0) {
      if (nowMs() > deadline) throw new Error(`${system}: jobs still not completed at the deadline`);
      await sleep(2);
    }
    const endAt = nowMs();
    if (serverCpu0 !== null) {
      const used = (localServerCpuMs() ?? serverCpu0) - serverCpu0;
      process.stderr.write(
        `[profile] ${system} ${procs} proc: PostgreSQL processes used ${used} ms CPU in ${Math.round(endAt - goAt)} ms; ` +
          `last completion seen ${Math.round(endAt - allHandledAt)} ms after the last handler call was reported\n`,
      );
    }
    const firstAt = Math.min(...children.map((c) => c.firstAt ?? goAt));
    return { jobsPerSec: (n / (endAt - firstAt)) * 1000, jobsPerSecFromGo: (n / (endAt - goAt)) * 1000 };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

export interface LatencyFigure {
  p50: number;
  p99: number;
  max: number;
  samples: number[];
}

async function waitForLatency(child: WorkerChild, seq: number, timeoutMs: number): Promise<void> {
  const deadline = nowMs() + timeoutMs;
  while (!child.latencies.has(seq)) {
    child.assertHealthy();
    if (nowMs() > deadline) throw new Error(`job ${seq} did not start within ${timeoutMs} ms`);
    await sleep(1);
  }
}

/**
 * Enqueue → handler start into an idle worker process: one job at a time, the next only after the
 * previous one started and a pause of `gapMs`. The first `warmup` jobs are not counted.
 */
export async function measureLatency(
  system: SystemName,
  url: string,
  client: BenchClient,
  count: number,
  warmup: number,
  gapMs: number,
): Promise<LatencyFigure> {
  const [child] = await spawnWorkers(system, url, 'latency', 1);
  if (!child) throw new Error('no latency worker');
  try {
    child.send({ type: 'go' });
    await child.waitFor('started');
    await sleep(500);
    for (let seq = 0; seq < warmup + count; seq++) {
      await client.enqueueOne({ seq, t0: nowMs() });
      await waitForLatency(child, seq, 10_000);
      await sleep(gapMs);
    }
    const samples: number[] = [];
    for (let seq = warmup; seq < warmup + count; seq++) samples.push(child.latencies.get(seq) ?? Number.NaN);
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), max: Math.max(...samples), samples };
  } finally {
    await child.stop();
  }
}
