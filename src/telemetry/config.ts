import { z } from 'zod';

/** Where traces go; `null` endpoint = tracing off (no SDK loaded, the API's no-op tracer). */
export interface TelemetryConfig {
  /** Full OTLP/HTTP traces URL (`…/v1/traces`), or null when no exporter is configured. */
  tracesUrl: string | null;
  serviceName: string;
}

/** A misconfigured OTEL_* variable, named in the message. */
export class TelemetryConfigError extends Error {
  override readonly name = 'TelemetryConfigError';
}

const optionalUrl = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()))
  .pipe(z.url({ protocol: /^https?$/ }).optional());

const EnvSchema = z.object({
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().trim().optional(),
  OTEL_SDK_DISABLED: z.string().trim().optional(),
  OTEL_TRACES_EXPORTER: z.string().trim().optional(),
});

/**
 * The standard OpenTelemetry variables, read the way the SDKs read them: a signal-specific
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is used as is; the generic `OTEL_EXPORTER_OTLP_ENDPOINT` gets
 * `/v1/traces` appended. `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turn tracing off.
 * (The exporter itself still honours `OTEL_EXPORTER_OTLP_HEADERS`, `…_TIMEOUT`, `…_COMPRESSION`.)
 */
export function resolveTelemetryConfig(env: NodeJS.ProcessEnv = process.env): TelemetryConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const msg = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TelemetryConfigError(`invalid telemetry configuration: ${msg}`);
  }
  const e = parsed.data;
  const serviceName = e.OTEL_SERVICE_NAME && e.OTEL_SERVICE_NAME !== '' ? e.OTEL_SERVICE_NAME : 'quizforge';
  const off = e.OTEL_SDK_DISABLED?.toLowerCase() === 'true' || e.OTEL_TRACES_EXPORTER?.toLowerCase() === 'none';
  const tracesUrl = off
    ? null
    : (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (e.OTEL_EXPORTER_OTLP_ENDPOINT ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : null));
  return { tracesUrl, serviceName };
}
