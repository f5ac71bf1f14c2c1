import type { ClaimedJob, EngineLogger, Job, JobError } from './types.js';

/** Everything a worker reports; listeners get typed payloads (graphile-worker's WorkerEventMap idea). */
export interface WorkerEventMap {
  'worker:started': { workerId: string };
  'worker:stopped': { workerId: string; released: number };
  'job:started': { job: ClaimedJob };
  'job:succeeded': { job: Job; durationMs: number };
  'job:failed': { job: Job; error: JobError; retryAt: Date };
  'job:dead': { job: Job; error: JobError | null; reason: string };
  /** A fenced write or heartbeat found the lease gone: another worker (or the reaper) owns the job. */
  'job:lease_lost': { job: ClaimedJob; during: 'heartbeat' | 'complete' | 'fail' };
  'job:released': { job: Job };
  /** The job was cancelled in the database while held: its signal is aborted, its writes fenced out. */
  'job:cancelled': { job: ClaimedJob };
  'reaper:reaped': { requeued: Job[]; dead: Job[] };
  /** Errors the worker survived (database outages, hook failures); it keeps running. */
  error: { error: unknown; context: string; jobId?: number };
}

export type WorkerEventName = keyof WorkerEventMap;

/** A small typed emitter; a throwing listener is logged, never allowed to break the worker. */
export class WorkerEvents {
  private readonly listeners = new Map<WorkerEventName, Set<(payload: never) => void>>();

  constructor(private readonly log: EngineLogger) {}

  on<K extends WorkerEventName>(event: K, fn: (payload: WorkerEventMap[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const entry = fn as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  has(event: WorkerEventName): boolean {
    return (this.listeners.get(event)?.size ?? 0) > 0;
  }

  emit<K extends WorkerEventName>(event: K, payload: WorkerEventMap[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as (p: WorkerEventMap[K]) => void)(payload);
      } catch (err) {
        this.log.error({ err, event }, 'worker event listener threw');
      }
    }
  }
}
