import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptedServer, type ScriptedServer } from '../../src/model/scripted-server.js';
import { useTestDatabase } from '../helpers/db.js';
import { spawnService, type ServiceProcess } from '../helpers/service.js';
import { goodModel } from '../pages/service.js';

/** OTLP/JSON as the collector receives it (only the fields the test reads). */
type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; arrayValue?: { values: AnyValue[] } };
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: AnyValue }>;
  links?: Array<{ spanId: string }>;
};
type ExportRequest = {
  resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: AnyValue }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
};

const getDb = useTestDatabase();
let receiver: Server;
let receiverUrl: string;
const received: Array<{ path: string; contentType: string; body: ExportRequest }> = [];
let model: ScriptedServer;
let svc: ServiceProcess | undefined;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', body: JSON.parse(text) as ExportRequest });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  model = await startScriptedServer(goodModel);
});
afterAll(async () => {
  if (svc?.alive()) svc.proc.kill('SIGKILL');
  await model?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((r) => receiver.close(() => r()));
});

const value = (v: AnyValue | undefined): unknown =>
  v === undefined ? undefined : (v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.arrayValue?.values.map(value))));
const attrs = (list: Array<{ key: string; value: AnyValue }>) => Object.fromEntries(list.map((a) => [a.key, value(a.value)]));

describe('traces exported over OTLP/HTTP by `quizforge serve`', () => {
  it('sends the submit, job and model-call spans to OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces', async () => {
    svc = await spawnService([], {
      DATABASE_URL: getDb().url,
      OPENAI_BASE_URL: model.url,
      OPENAI_API_KEY: 'sk-test',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
      OTEL_SERVICE_NAME: 'quizforge-otlp-test',
    });
    const res = await fetch(`${svc.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ topic: 'Ocean currents', count: 2 }) });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    for (let status = ''; status !== 'succeeded'; await new Promise((r) => setTimeout(r, 100))) {
      status = ((await (await fetch(`${svc.url}/v1/batches/${id}`)).json()) as { status: string }).status;
      expect(['queued', 'running', 'succeeded'], svc.log()).toContain(status);
    }
    // SIGTERM: the runtime's close flushes the batch span processor before the process exits.
    svc.proc.kill('SIGTERM');
    expect((await svc.exited).code, svc.log()).toBe(0);

    expect(received.length).toBeGreaterThan(0);
    expect(received.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json'))).toBe(true);
    const resources = received.flatMap((r) => r.body.resourceSpans);
    expect(attrs(resources[0]?.resource.attributes ?? [])['service.name']).toBe('quizforge-otlp-test');
    const spans = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    const submit = spans.find((s) => s.name === 'POST /v1/batches');
    const chunk = spans.find((s) => s.name === 'process quiz.chunk');
    const call = spans.find((s) => s.name === 'chat gpt-4o-mini');
    expect(submit && attrs(submit.attributes)).toMatchObject({ 'quizforge.batch.id': id, 'http.response.status_code': 202 });
    expect(chunk && attrs(chunk.attributes)).toMatchObject({ 'quizforge.batch.id': id, 'quizforge.issues': 0 });
    expect(chunk?.links?.map((l) => l.spanId)).toEqual([submit?.spanId]);
    expect(call?.parentSpanId).toBe(chunk?.spanId);
    expect(call && attrs(call.attributes)).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.finish_reasons': ['stop'],
      'quizforge.call.kind': 'generate',
      'quizforge.attempt': 1,
    });
  });
});
