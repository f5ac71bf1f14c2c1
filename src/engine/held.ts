import type { ClaimedJob, ParentResult } from './types.js';
import type { Candidate } from './wake.js';

/** A job a worker holds under its lease: queued locally, running, or having its outcome written. */
export interface Held {
  job: ClaimedJob;
  /** The job's place in the dispatch order, as numbers (see runsBefore). */
  rank: Candidate;
  parents: ParentResult[];
  phase: 'queued' | 'running' | 'finishing';
  /** Created on first use of ctx.signal (an AbortController per job is measurable at 10k jobs/s). */
  controller: AbortController | null;
  /** Why the job must stop, if it must; applied when the signal is created later. */
  abortReason: Error | null;
  lost: boolean;
}

/** The job's abort signal, created on first use (most handlers never look at it). */
export function signalOf(h: Held): AbortSignal {
  if (!h.controller) {
    h.controller = new AbortController();
    if (h.abortReason) h.controller.abort(h.abortReason);
  }
  return h.controller.signal;
}

/** Aborts the job's signal now, or as soon as it is created. */
export function abortJob(h: Held, reason: Error): void {
  h.abortReason ??= reason;
  h.controller?.abort(reason);
}
