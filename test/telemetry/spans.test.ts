import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing, type Tracing } from '../../src/telemetry/setup.js';
import type { ScriptFn } from '../../src/model/scripted-server.js';
import { useTestDatabase } from '../helpers/db.js';
import { goodModel, hostileModel, startService, type Service } from '../pages/service.js';

const getDb = useTestDatabase();
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let svc: Service;

beforeAll(async () => {
  tracing = await startTracing({ tracesUrl: null, serviceName: 'quizforge-test' }, { exporter, simple: true });
  svc = await startService(getDb().database);
});
afterAll(async () => {
  await svc?.stop();
  await tracing?.shutdown();
});

async function submit(body: unknown): Promise<{ status: number; id: string }> {
  const res = await fetch(`${svc.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { id?: string };
  return { status: res.status, id: json.id ?? '' };
}

const spansOf = (batchId: string) => {
  const all = exporter.getFinishedSpans();
  const submitSpan = all.find((s) => s.name === 'POST /v1/batches' && s.attributes['quizforge.batch.id'] === batchId);
  const jobs = all.filter((s) => s.name.startsWith('process ') && s.attributes['quizforge.batch.id'] === batchId);
  const calls = (job: ReadableSpan) => all.filter((s) => s.parentSpanContext?.spanId === job.spanContext().spanId && s.name.startsWith('chat '));
  return { submitSpan, jobs, calls };
};

describe('traces (in-memory exporter)', () => {
  it('a batch: the submit span, one span per job linked to it, one child span per model call with GenAI attributes', async () => {
    svc.pipeline.script(goodModel);
    const { status, id } = await submit({ topic: 'The water cycle', count: 3, verify: 'off' });
    expect(status).toBe(202);
    await svc.pipeline.waitFor(id, ['succeeded']);
    const { submitSpan, jobs, calls } = spansOf(id);

    expect(submitSpan?.kind).toBe(SpanKind.SERVER);
    expect(submitSpan?.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/v1/batches', 'http.response.status_code': 202 });

    const chunk = jobs.find((s) => s.name === 'process quiz.chunk');
    const assemble = jobs.find((s) => s.name === 'process quiz.assemble');
    expect(chunk?.kind).toBe(SpanKind.CONSUMER);
    expect(chunk?.attributes).toMatchObject({ 'quizforge.job.queue': 'quiz.chunk', 'quizforge.job.attempt': 1, 'quizforge.issues': 0 });
    expect(typeof chunk?.attributes['quizforge.job.id']).toBe('number');
    expect(assemble).toBeDefined();
    // Each job's span links back to the request that enqueued it (the worker runs in another trace).
    for (const job of jobs) expect(job.links.map((l) => l.context.spanId)).toEqual([submitSpan?.spanContext().spanId]);

    const [call, ...more] = chunk ? calls(chunk) : [];
    expect(more).toEqual([]);
    expect(call?.kind).toBe(SpanKind.CLIENT);
    expect(call?.name).toBe('chat scripted-model');
    expect(call?.spanContext().traceId).toBe(chunk?.spanContext().traceId);
    expect(call?.status.code).toBe(SpanStatusCode.UNSET);
    expect(call?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai_compatible',
      'gen_ai.request.model': 'scripted-model',
      'gen_ai.response.finish_reasons': ['stop'],
      'server.address': '127.0.0.1',
      'quizforge.attempt': 1,
      'quizforge.call.kind': 'generate',
      'quizforge.output.mode': 'json_schema',
    });
    expect(call?.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(call?.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('a repair is a second call span (attempt 2, kind repair) under the same job span', async () => {
    let calls = 0;
    const firstBad: ScriptFn = (req) => (++calls === 1 ? hostileModel(req) : goodModel(req));
    svc.pipeline.script(firstBad);
    const { id } = await submit({ topic: 'Plate tectonics', count: 2, verify: 'off' });
    await svc.pipeline.waitFor(id, ['succeeded']);
    const { jobs, calls: callsOf } = spansOf(id);
    const chunk = jobs.find((s) => s.name === 'process quiz.chunk');
    const spans = chunk ? callsOf(chunk) : [];
    expect(spans.map((s) => [s.attributes['quizforge.attempt'], s.attributes['quizforge.call.kind']])).toEqual([
      [1, 'generate'],
      [2, 'repair'],
    ]);
  });

  it('a refused call fails the call span and the job span, which names the failure', async () => {
    svc.pipeline.script(() => ({ refusal: 'I cannot help with that request.' }));
    const { id } = await submit({ topic: 'Volcanoes', count: 2 });
    await svc.pipeline.waitFor(id, ['failed']);
    const { jobs, calls } = spansOf(id);
    const chunk = jobs.find((s) => s.name === 'process quiz.chunk');
    expect(chunk?.status.code).toBe(SpanStatusCode.ERROR);
    expect(chunk?.attributes['quizforge.failure']).toBe('refusal');
    expect(chunk?.events.map((e) => e.name)).toContain('exception');
    expect(chunk ? calls(chunk).map((s) => s.attributes['quizforge.refusal']) : []).toEqual([true]);
  });

  it('a refused submit (422) is traced without an error status', async () => {
    const { status } = await submit({ topic: 'Tides', count: 0 });
    expect(status).toBe(422);
    const span = exporter.getFinishedSpans().findLast((s) => s.name === 'POST /v1/batches');
    expect(span?.attributes['http.response.status_code']).toBe(422);
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });
});
