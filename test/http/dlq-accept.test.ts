import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerText, demoQuestion, readAsk } from '../../src/quiz/demo-model.js';
import type { ScriptFn } from '../../src/model/scripted-server.js';
import { useTestDatabase } from '../helpers/db.js';
import { callsOf } from '../quiz/pipeline/harness.js';
import { ADMIN_KEY, READ_KEY, startService, type Service } from '../pages/service.js';

const getDb = useTestDatabase();
let svc: Service;

beforeAll(async () => {
  svc = await startService(getDb().database, { keys: true });
});
afterAll(async () => {
  await svc?.stop();
});

/** The second question of every answer has an out-of-range key: with maxAttempts 1 the chunk dies. */
const secondBroken: ScriptFn = ({ body }) => {
  const ask = readAsk(body);
  const questions = Array.from({ length: ask.count }, (_, i) => ({
    ...demoQuestion(ask.topic, i + 1, ask.options),
    ...(i === 1 ? { correctAnswer: 7 } : {}),
  }));
  return { content: answerText(questions) };
};

async function deadChunk(topic: string): Promise<{ batchId: string; jobId: number }> {
  svc.pipeline.script(secondBroken);
  const batch = await svc.pipeline.submit({ topic, count: 2, maxAttempts: 1 });
  const failed = await svc.pipeline.waitFor(batch.id, ['failed']);
  const dead = failed.jobs.find((j) => j.state === 'dead');
  if (!dead) throw new Error('no dead job');
  return { batchId: batch.id, jobId: dead.id };
}

function accept(jobId: number, body: unknown, key = ADMIN_KEY): Promise<Response> {
  return fetch(`${svc.url}/v1/dlq/${jobId}/accept`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const fixed = (topic: string) => ({ ...demoQuestion(topic, 2, 4, 2), explanation: 'Fixed by a reviewer: statement C.' });

describe('POST /v1/dlq/:id/accept', () => {
  it('completes the dead chunk with the fixed question, records a human call, and the batch succeeds', async () => {
    const topic = 'Accepted by a reviewer';
    const { batchId, jobId } = await deadChunk(topic);
    const res = await accept(jobId, { questions: [fixed(topic)] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ id: jobId, action: 'accepted', state: 'succeeded' });

    const done = await svc.pipeline.waitFor(batchId, ['succeeded']);
    const questions = done.questions ?? [];
    expect(questions).toHaveLength(2);
    const human = questions.filter((q) => q.verified === 'human');
    expect(human).toHaveLength(1);
    expect(human[0]?.explanation).toBe('Fixed by a reviewer: statement C.');
    expect(human[0]?.quality?.verified).toBe('human');
    // The valid question the model wrote is kept as it was, not marked.
    expect(questions.find((q) => q.question.startsWith('Question 1 '))?.verified).toBeUndefined();

    const calls = await callsOf(getDb().database, jobId);
    const last = calls[calls.length - 1];
    expect(last?.kind).toBe('human');
    expect(last?.model).toBe('admin via bearer');
    expect(last?.counted).toBe(false);

    // Accepting again: the job is no longer dead.
    const again = await accept(jobId, { questions: [fixed(topic)] });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('conflict');
  });

  it('answers 422 with the validator issues and changes nothing when the fix does not validate', async () => {
    const topic = 'Rejected fix';
    const { batchId, jobId } = await deadChunk(topic);
    const before = await callsOf(getDb().database, jobId);
    const res = await accept(jobId, { questions: [{ ...fixed(topic), correctAnswer: 9, options: ['same', 'same', 'x', 'y'] }] });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; issues: Array<{ path: string; message: string }> } };
    expect(body.error.code).toBe('validation_failed');
    const paths = body.error.issues.map((i) => i.path);
    // Issue paths are in the chunk's positions: the edited question is position 1.
    expect(paths).toContain('questions[1].correctAnswer');
    expect(body.error.issues.some((i) => i.path.startsWith('questions[1].options'))).toBe(true);

    const entry = await fetch(`${svc.url}/v1/dlq/${jobId}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(entry.status).toBe(200);
    expect((await svc.pipeline.service.get(batchId))?.status).toBe('failed');
    expect(await callsOf(getDb().database, jobId)).toHaveLength(before.length);
  });

  it('refuses a read-only key (403) and a body that is not { questions } (422) without touching the job', async () => {
    const topic = 'Not an admin';
    const { batchId, jobId } = await deadChunk(topic);
    const res = await accept(jobId, { questions: [fixed(topic)] }, READ_KEY);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    const bad = await accept(jobId, { questions: [], extra: 1 });
    expect(bad.status).toBe(422);
    expect((await svc.pipeline.service.get(batchId))?.status).toBe('failed');
  });

  it('answers 404 for a job that does not exist', async () => {
    const res = await accept(987654321, { questions: [{}] });
    expect(res.status).toBe(404);
  });
});
