import { SpanStatusCode, trace, type Attributes, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** quizforge's own span attributes, beside the OpenTelemetry semantic conventions. */
export const QF_ATTR = {
  batchId: 'quizforge.batch.id',
  jobId: 'quizforge.job.id',
  jobQueue: 'quizforge.job.queue',
  /** The engine's attempt of the job (1 on the first run). */
  jobAttempt: 'quizforge.job.attempt',
  /** The model call's number within the job's repair budget (1 = the first generate). */
  attempt: 'quizforge.attempt',
  /** `generate` or `repair`. */
  callKind: 'quizforge.call.kind',
  /** The output mode the call used (`json_schema`, `tools`, `json_object`, `text`…). */
  outputMode: 'quizforge.output.mode',
  /** Validation issues still open when the job ended (0 on success). */
  issues: 'quizforge.issues',
  /** Why a job failed (`provider`, `exhausted`, `refusal`…), when it did. */
  failure: 'quizforge.failure',
} as const;

/**
 * The process's tracer. Until `startTracing` registers an SDK this is the API's no-op tracer, so
 * instrumented code costs next to nothing with tracing off.
 */
export function tracer(): Tracer {
  return trace.getTracer('quizforge');
}

/**
 * Runs `fn` in a new active span (children nest under it), marks the span failed with the
 * exception when `fn` throws, and always ends it.
 */
export async function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, options, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      failSpan(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Records a failure on a span: ERROR status, the exception, and `error.type`. */
export function failSpan(span: Span, err: unknown, type?: string): void {
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  span.setAttribute('error.type', type ?? error.name);
}

/** Attributes without the undefined values (the API drops them anyway; this keeps types honest). */
export function defined(attrs: Record<string, string | number | boolean | string[] | undefined | null>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) out[k] = v;
  return out;
}
