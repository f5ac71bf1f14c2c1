import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { resolveTelemetryConfig } from '../../src/telemetry/config.js';
import { startTracing } from '../../src/telemetry/setup.js';
import { tracer } from '../../src/telemetry/spans.js';

describe('telemetry configuration', () => {
  it('reads the standard OTEL_* variables: generic endpoint + /v1/traces, signal endpoint as is, off switches', () => {
    expect(resolveTelemetryConfig({})).toEqual({ tracesUrl: null, serviceName: 'quizforge' });
    expect(resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(
      resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/otlp/traces' }).tracesUrl,
    ).toBe('https://b/otlp/traces');
    expect(resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_SDK_DISABLED: 'true' }).tracesUrl).toBeNull();
    expect(resolveTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_TRACES_EXPORTER: 'none' }).tracesUrl).toBeNull();
    expect(resolveTelemetryConfig({ OTEL_SERVICE_NAME: 'quiz-api' }).serviceName).toBe('quiz-api');
  });

  it('names a bad endpoint as a configuration error', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(ConfigError);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it('off without an endpoint: no SDK is started and spans are the API’s non-recording no-ops', async () => {
    const tracing = await startTracing(resolveTelemetryConfig({}));
    expect(tracing.enabled).toBe(false);
    const span = tracer().startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
  });
});
