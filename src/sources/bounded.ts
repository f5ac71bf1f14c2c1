import { Worker } from 'node:worker_threads';
import { SOURCE_LIMITS, type ExtractOutcome, type SourceKind } from './types.js';

const WORKER_URL = new URL('./extract-worker.mjs', import.meta.url);

export interface ExtractBounds {
  timeoutMs?: number;
  heapMb?: number;
}

/**
 * Extracts in a worker thread with a heap limit and a deadline, so a hostile document (a zip bomb,
 * a PDF that loops) costs at most one terminated thread, never the process. Never throws.
 */
export function extractBounded(bytes: Uint8Array, kind: SourceKind, bounds: ExtractBounds = {}): Promise<ExtractOutcome> {
  const timeoutMs = bounds.timeoutMs ?? SOURCE_LIMITS.extractTimeoutMs;
  const heapMb = bounds.heapMb ?? SOURCE_LIMITS.extractHeapMb;
  return new Promise((resolve) => {
    let settled = false;
    const worker = new Worker(WORKER_URL, {
      workerData: { bytes, kind },
      resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 64 },
    });
    const finish = (outcome: ExtractOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish({ ok: false, failure: { reason: 'timeout', message: `extraction took longer than ${timeoutMs} ms and was stopped` } });
    }, timeoutMs);
    worker.once('message', (outcome: ExtractOutcome) => finish(outcome));
    worker.once('error', (err: Error & { code?: string }) => {
      const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      const message = memory ? `extraction needed more than ${heapMb} MB and was stopped` : `the document cannot be read (${err.message.slice(0, 200)})`;
      finish({ ok: false, failure: { reason: memory ? 'too_large' : 'corrupt', message } });
    });
    worker.once('exit', (code) => finish({ ok: false, failure: { reason: 'corrupt', message: `extraction stopped (exit ${code})` } }));
  });
}
