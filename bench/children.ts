import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isChildMessage, type ChildMessage, type ParentMessage } from './protocol.js';
import type { SystemName } from './system.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./child-worker.ts', import.meta.url));

/** A forked worker process and what it has reported so far. */
export class WorkerChild {
  handled = 0;
  firstAt: number | null = null;
  readonly latencies = new Map<number, number>();
  private readonly proc: ChildProcess;
  private readonly waiters: Array<{ type: ChildMessage['type']; resolve: () => void; reject: (err: Error) => void }> =
    [];
  private failure: Error | null = null;

  constructor(system: SystemName, url: string, mode: 'drain' | 'latency') {
    this.proc = fork(CHILD_SCRIPT, [], {
      // BENCH_CPU_PROF=<dir>: V8 CPU profiles of the worker processes, for finding JavaScript hot spots.
      execArgv: ['--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
      env: { ...process.env, BENCH_SYSTEM: system, BENCH_URL: url, BENCH_MODE: mode, NODE_ENV: 'production' },
      // Children never write to our stdout: it carries only the JSON figures.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.proc.stdout?.pipe(process.stderr);
    this.proc.stderr?.pipe(process.stderr);
    this.proc.on('message', (msg: unknown) => {
      if (isChildMessage(msg)) this.receive(msg);
    });
    this.proc.on('exit', (code, signal) => {
      if (code !== 0) this.fail(new Error(`${system} worker exited with ${code ?? signal ?? 'unknown'}`));
    });
  }

  private receive(msg: ChildMessage): void {
    if (msg.type === 'progress' || msg.type === 'stopped') this.handled = Math.max(this.handled, msg.handled);
    if (msg.type === 'progress' && msg.firstAt !== null) this.firstAt ??= msg.firstAt;
    if (msg.type === 'latency') this.latencies.set(msg.seq, msg.ms);
    if (msg.type === 'error') this.fail(new Error(msg.message));
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (w && w.type === msg.type) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** Resolves on the next message of `type`; rejects if the child fails first or `timeoutMs` passes. */
  waitFor(type: ChildMessage['type'], timeoutMs = 30_000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker child: no '${type}' within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      });
    });
  }

  send(msg: ParentMessage): void {
    this.proc.send(msg);
  }

  assertHealthy(): void {
    if (this.failure) throw this.failure;
  }

  /** Asks the child to stop its worker and waits for it to exit (killing it if it hangs). */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    if (this.proc.connected) this.send({ type: 'stop' });
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}

/** Forks `count` children and waits until each has loaded its system and is ready for `go`. */
export async function spawnWorkers(
  system: SystemName,
  url: string,
  mode: 'drain' | 'latency',
  count: number,
): Promise<WorkerChild[]> {
  const children = Array.from({ length: count }, () => new WorkerChild(system, url, mode));
  try {
    await Promise.all(children.map((c) => c.waitFor('ready', 60_000)));
  } catch (err) {
    for (const c of children) c.kill();
    throw err;
  }
  return children;
}
