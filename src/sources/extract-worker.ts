import { parentPort, workerData } from 'node:worker_threads';
import { extractDocument } from './extract.js';
import type { SourceKind } from './types.js';

/** Runs one extraction inside a worker thread with its own heap limit; posts the outcome back. */
const data = workerData as { bytes: Uint8Array; kind: SourceKind };
const outcome = await extractDocument(data.bytes, data.kind);
parentPort?.postMessage(outcome);
