import { context, propagation, trace } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import type { TelemetryConfig } from './config.js';

/** A started (or deliberately absent) tracing SDK; `shutdown` flushes what is still queued. */
export interface Tracing {
  enabled: boolean;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

export interface StartTracingOptions {
  /** Export here instead of OTLP/HTTP (tests: the SDK's InMemorySpanExporter). */
  exporter?: SpanExporter;
  /** Export each span as it ends instead of in batches (tests). */
  simple?: boolean;
  /** Reported as `service.version`. */
  version?: string;
}

/**
 * Starts the OpenTelemetry SDK once per process when an endpoint (or an exporter) is given, and
 * registers it globally, so spans made through `@opentelemetry/api` anywhere are exported.
 * Without one nothing is loaded: the API's no-op tracer stays in place and a span costs a few
 * property reads. The SDK is imported lazily for the same reason.
 */
export async function startTracing(config: TelemetryConfig, opts: StartTracingOptions = {}): Promise<Tracing> {
  if (config.tracesUrl === null && !opts.exporter) return OFF;
  const [{ NodeTracerProvider, BatchSpanProcessor, SimpleSpanProcessor }, { resourceFromAttributes }, semconv] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  let exporter = opts.exporter;
  if (!exporter) {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    exporter = new OTLPTraceExporter({ url: config.tracesUrl ?? undefined });
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [semconv.ATTR_SERVICE_NAME]: config.serviceName,
      ...(opts.version ? { [semconv.ATTR_SERVICE_VERSION]: opts.version } : {}),
    }),
    spanProcessors: [opts.simple ? new SimpleSpanProcessor(exporter) : new BatchSpanProcessor(exporter)],
  });
  provider.register();
  return {
    enabled: true,
    async shutdown() {
      await provider.shutdown();
      // Back to the no-op API, so a later start in the same process (tests) registers afresh.
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}
