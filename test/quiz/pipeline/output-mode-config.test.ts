import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { providerScript } from '../../../src/model/scripted-providers.js';
import { answerText, demoQuestion, readAsk } from '../../../src/quiz/demo-model.js';
import { startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let n = 0;
const answer = ({ body }: { body: Parameters<typeof readAsk>[0] }): string => {
  const ask = readAsk(body);
  return answerText(Array.from({ length: ask.count }, () => demoQuestion(ask.topic, ++n, ask.options, 1)));
};

describe('a configured mode', () => {
  let q: Pipeline;
  beforeAll(async () => {
    q = await startPipeline(getDb().database, { model: { outputMode: 'json_object', outputModeOverrides: { 'model-tools_only': 'tools' } } });
  });
  afterAll(async () => {
    if (q !== undefined) await q.stop();
  });

  it('is used from the first call, per model override first, and never stepped down', async () => {
    q.script(providerScript('tools_only', answer));
    const ok = await q.submit({ topic: 'Configured tools', count: 2, model: 'model-tools_only' });
    expect((await q.waitFor(ok.id, ['succeeded', 'failed'])).status).toBe('succeeded');
    const failing = await q.submit({ topic: 'Configured json_object', count: 2, model: 'model-other' });
    const failed = await q.waitFor(failing.id, ['succeeded', 'failed']);
    expect(failed.status).toBe('failed');
    const chunk = failed.jobs.find((j) => j.kind === 'chunk');
    expect((await q.service.dlqGet(chunk?.id ?? -1))?.reason).toBe('provider');
    const sent = (q.server?.requests ?? []).map((r) => (r.body as { response_format?: { type: string }; tools?: unknown }));
    expect(sent[0]?.tools).toBeDefined();
    expect(sent.slice(1).every((b) => b.response_format?.type === 'json_object')).toBe(true);
  });
});
