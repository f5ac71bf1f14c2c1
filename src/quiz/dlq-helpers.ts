import type { Database } from '../db/client.js';
import { listTenantDead } from '../db/quiz/index.js';
import { decodeKeysetCursor, encodeKeysetCursor } from '../engine/cursor.js';
import type { Job } from '../engine/types.js';
import { BatchRequestSchema, type BatchRequest } from '../../schemas/batch-request.js';
import { jobKind } from './present.js';
import { ReplayRefusedError } from './errors.js';
import type { DlqItemView } from './views.js';

/** DLQ helpers of the batch service: a tenant's page, list items, and the validation budget of a replay. */

/** A tenant's DLQ page, with the engine's cursor codec (so a cursor moves between the two views unchanged). */
export async function tenantDeadPage(db: Database['db'], tenantId: string, cursor: string | null, limit: number): Promise<{ items: Job[]; nextCursor: string | null }> {
  const c = decodeKeysetCursor(cursor, 'number');
  const rows = await listTenantDead(db, { tenantId, cursor: c === null ? null : { finishedAt: c.at, id: c.id }, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map((r) => r.job), nextCursor: rows.length > limit && last ? encodeKeysetCursor(last.position.finishedAt, last.position.id) : null };
}

export function dlqItem(job: Job): DlqItemView {
  return {
    id: job.id,
    batchId: job.groupId,
    kind: jobKind(job.queue),
    reason: job.deadReason,
    attempts: 0,
    lastError: job.lastError ? { message: job.lastError.message } : null,
    diedAt: job.finishedAt ? job.finishedAt.toISOString() : null,
  };
}

function requestIn(payload: unknown): BatchRequest | null {
  if (payload === null || typeof payload !== 'object' || !('request' in payload)) return null;
  const parsed = BatchRequestSchema.safeParse(payload.request);
  return parsed.success ? parsed.data : null;
}

export function validationBudget(job: Job): number | null {
  return requestIn(job.payload)?.maxAttempts ?? null;
}

/**
 * A replay's `maxAttempts` is the validation budget of the chunk's next epoch (the model calls it
 * may spend on repairs), so it lands in the payload's request; the model request itself is unchanged.
 */
export function withValidationBudget(payload: unknown, maxAttempts: number): unknown {
  const request = requestIn(payload);
  if (request === null || payload === null || typeof payload !== 'object') {
    throw new ReplayRefusedError('maxAttempts', 'maxAttempts can only be overridden for quiz jobs');
  }
  return { ...payload, request: { ...request, maxAttempts } };
}
