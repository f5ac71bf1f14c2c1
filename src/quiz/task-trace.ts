import { ROOT_CONTEXT, SpanKind, context, propagation, trace, type Link } from '@opentelemetry/api';
import { PermanentError, RetryAfterError } from '../engine/errors.js';
import type { TaskDefinition } from '../engine/types.js';
import { QF_ATTR, defined, inSpan } from '../telemetry/spans.js';

/**
 * The active trace context as a W3C `traceparent`, to carry in a job's payload: the job's span
 * links back to the request that enqueued it. Empty without a tracing SDK (nothing is stored).
 */
export function traceCarrier(): { traceparent?: string } {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? { traceparent: carrier.traceparent } : {};
}

function linkFrom(payload: unknown): Link[] {
  if (payload === null || typeof payload !== 'object' || !('traceparent' in payload) || typeof payload.traceparent !== 'string') return [];
  const ctx = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, { traceparent: payload.traceparent }));
  return ctx && trace.isSpanContextValid(ctx) ? [{ context: ctx }] : [];
}

function batchIdIn(payload: unknown): string | undefined {
  return payload !== null && typeof payload === 'object' && 'batchId' in payload && typeof payload.batchId === 'string' ? payload.batchId : undefined;
}

/** Open validation issues a failure carries (the repair budget ran out with them), if any. */
function issuesIn(err: unknown): number | undefined {
  if (!(err instanceof PermanentError)) return undefined;
  const d = err.details;
  return d !== null && typeof d === 'object' && 'issues' in d && Array.isArray(d.issues) ? d.issues.length : undefined;
}

/**
 * Each run of a job as one `process {queue}` span, the parent of its model calls, linked to the
 * batch submit that enqueued it. A retried job has one span per attempt.
 */
export function tracedTask(queue: string, def: TaskDefinition): TaskDefinition {
  return {
    ...def,
    handler: (job, ctx) =>
      inSpan(
        `process ${queue}`,
        {
          kind: SpanKind.CONSUMER,
          links: linkFrom(job.payload),
          attributes: defined({
            [QF_ATTR.jobId]: job.id,
            [QF_ATTR.jobQueue]: queue,
            [QF_ATTR.jobAttempt]: job.attempt,
            [QF_ATTR.batchId]: batchIdIn(job.payload) ?? job.groupId,
          }),
        },
        async (span) => {
          try {
            const out = await def.handler(job, ctx);
            span.setAttribute(QF_ATTR.issues, 0);
            return out;
          } catch (err) {
            span.setAttributes(
              defined({
                [QF_ATTR.issues]: issuesIn(err),
                [QF_ATTR.failure]: err instanceof PermanentError ? err.reason : err instanceof RetryAfterError ? 'retry_after' : 'transient',
              }),
            );
            throw err;
          }
        },
      ),
  };
}
