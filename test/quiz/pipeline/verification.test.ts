import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../helpers/db.js';
import { answerText, readAsk, readVerifyAsk, type DemoQuestion } from '../../../src/quiz/demo-model.js';
import { resolveQuizConfig } from '../../../src/quiz/config.js';
import type { BatchView } from '../../../src/quiz/views.js';
import { callsOf, startPipeline, type Pipeline } from './harness.js';

const getDb = useTestDatabase();
let p: Pipeline;

beforeAll(async () => {
  // The configuration module is the only reader of QUIZFORGE_VERIFY_MODEL; a judge of another family.
  p = await startPipeline(getDb().database, { quiz: { verifyModel: resolveQuizConfig({ QUIZFORGE_VERIFY_MODEL: 'judge-model' }).verifyModel } });
});
afterAll(async () => {
  if (p !== undefined) await p.stop();
});

const q = (question: string, options: string[], correctAnswer: number, explanation: string): DemoQuestion => ({ question, options, correctAnswer, explanation });

const ASTRONOMY: DemoQuestion[] = [
  q('Which planet is closest to the Sun?', ['Venus', 'Mercury', 'Earth', 'Mars'], 1, 'Mercury orbits closest to the Sun, at about 58 million km.'),
  // A wrong key: Titan is Saturn's largest moon, but Jupiter's Ganymede is the largest of all.
  q('What is the largest moon in the solar system?', ['Titan', 'Ganymede', 'Europa', 'Callisto'], 0, 'Titan is the largest moon of Saturn.'),
  q('Which planet has the shortest day?', ['Jupiter', 'Earth', 'Mars', 'Venus'], 0, 'Jupiter turns once in under ten hours.'),
];
/** The same questions with the second key corrected (Ganymede). */
const ASTRONOMY_FIXED: DemoQuestion[] = ASTRONOMY.map((x, i) => (i === 1 ? { ...x, correctAnswer: 1, explanation: 'Ganymede, a moon of Jupiter, is the largest.' } : x));

/** A model that always answers with `questions` (for first asks and repairs alike). */
function always(questions: readonly DemoQuestion[]) {
  return ({ body }: { body: Parameters<typeof readAsk>[0] }) => {
    const ask = readAsk(body);
    return { content: answerText(ask.repair ? ask.failing.map((i) => questions[i]) : questions.slice(0, ask.count)) };
  };
}

async function deadEntry(view: BatchView) {
  const dead = view.jobs.find((j) => j.state === 'dead');
  return p.service.dlqGet(dead?.id ?? -1);
}

async function chunkCalls(view: BatchView) {
  const chunk = view.jobs.find((j) => j.kind === 'chunk');
  return callsOf(getDb().database, chunk?.id ?? -1);
}

describe('key verification in the repair loop', () => {
  it('a dispute that survives the repair budget dead-letters the chunk with reason validation', async () => {
    p.truth.set('What is the largest moon in the solar system?', ['Ganymede']);
    p.script(always(ASTRONOMY));
    const batch = await p.submit({ topic: 'Moons and planets', count: 3, maxAttempts: 2, verify: 'best-effort' });
    const failed = await p.waitFor(batch.id, ['failed', 'succeeded']);
    expect(failed.status).toBe('failed');
    const calls = await chunkCalls(failed);
    expect(calls.map((c) => [c.kind, c.counted])).toEqual([['generate', true], ['verify', false], ['repair', true], ['verify', false]]);
    // The repair was asked for the disputed position only; the verifier is the configured judge.
    expect(JSON.stringify(calls[2]?.messages)).toMatch(/must be regenerated: questions\[1\]\./);
    expect(calls.filter((c) => c.kind === 'verify').map((c) => c.model)).toEqual(['judge-model', 'judge-model']);
    const sent = (p.server?.requests ?? []).map((r) => r.body as { model?: string; messages?: unknown }).filter((b) => readVerifyAsk(b as never) !== null);
    expect(sent.at(-1)?.model).toBe('judge-model');
    const entry = await deadEntry(failed);
    expect(entry?.reason).toBe('validation');
    expect(entry?.lastError?.message).toContain('answer_disputed');
    expect(entry?.lastError?.message).toContain('Ganymede');
    const metrics = await p.registry.metrics();
    expect(metrics).toMatch(/quizforge_verifications_total\{outcome="dispute"\} [1-9]/);
    expect(metrics).toMatch(/quizforge_verifications_total\{outcome="agree"\} [1-9]/);
    expect(metrics).toMatch(/quizforge_model_calls_total\{kind="verify",outcome="invalid"\} 2/);
    p.truth.clear();
  });

  it('a verifier that answers unusably twice leaves the questions unverified (best-effort)', async () => {
    p.script(always(ASTRONOMY_FIXED));
    p.verifier(() => ({ content: '{"answers": "I am not sure"}' }));
    const batch = await p.submit({ topic: 'Unsure verifier', count: 3, verify: 'best-effort' });
    const done = await p.waitFor(batch.id, ['failed', 'succeeded']);
    p.verifier(null);
    expect(done.status).toBe('succeeded');
    const calls = await chunkCalls(done);
    expect(calls.map((c) => c.kind)).toEqual(['generate', 'verify', 'verify']);
    expect(calls[1]?.issues).toMatchObject([{ code: 'verification_unusable' }, { code: 'verification_unusable' }, { code: 'verification_unusable' }]);
    expect(done.usage.modelCalls).toBe(3);
    expect(done.questions?.map((x) => x.quality?.verified)).toEqual([false, false, false]);
    expect(done.questions?.[0]?.quality?.flags.map((f) => f.code)).toContain('unverified');
    expect(done.quality).toMatchObject({ verified: 0, total: 3, byVerification: { unverified: 3 }, flags: { unverified: 3 }, verification: { calls: 2 } });
  });

  it('with verify "required" the same unusable verifier dead-letters the chunk with reason verification', async () => {
    p.script(always(ASTRONOMY_FIXED));
    // One usable answer, two that name no option: only the unanswerable questions are asked again.
    p.verifier(({ body }) => {
      const ask = readVerifyAsk(body);
      const answers = (ask?.items ?? []).map((it) => ({ question: it.question, option: it.stem.includes('closest') ? 'Mercury' : 'Pluto', reason: 'A guess.' }));
      return { content: JSON.stringify({ answers }) };
    });
    const batch = await p.submit({ topic: 'Strict verifier', count: 3, verify: 'required' });
    const failed = await p.waitFor(batch.id, ['failed', 'succeeded']);
    p.verifier(null);
    expect(failed.status).toBe('failed');
    const calls = await chunkCalls(failed);
    expect(calls.map((c) => c.kind)).toEqual(['generate', 'verify', 'verify']);
    expect(JSON.stringify(calls[2]?.messages)).not.toContain('closest');
    const entry = await deadEntry(failed);
    expect(entry?.reason).toBe('verification');
    expect(entry?.lastError?.message).toMatch(/questions\[1\], questions\[2\]/);
    // A replay asks the verifier again for just those two (fresh tries), and with a working one succeeds.
    await p.service.dlqReplay(entry?.id ?? -1);
    const done = await p.waitFor(batch.id, ['succeeded'], 15_000);
    const after = await chunkCalls(done);
    expect(after.map((c) => c.kind)).toEqual(['generate', 'verify', 'verify', 'verify']);
    expect(JSON.stringify(after[3]?.messages)).not.toContain('closest');
    expect(done.questions?.map((x) => x.quality?.verified)).toEqual([true, true, true]);
  });

  it('verify "off" makes no verification call', async () => {
    p.script(always(ASTRONOMY));
    const from = p.server?.requests.length ?? 0;
    const batch = await p.submit({ topic: 'No verification', count: 3, verify: 'off' });
    const done = await p.waitFor(batch.id, ['failed', 'succeeded']);
    expect(done.status).toBe('succeeded');
    expect((await chunkCalls(done)).map((c) => c.kind)).toEqual(['generate']);
    expect(done.questions?.map((x) => x.quality)).toEqual([{ verified: null, flags: [] }, { verified: null, flags: [] }, { verified: null, flags: [] }]);
    expect((p.server?.requests ?? []).slice(from).filter((r) => readVerifyAsk(r.body as never) !== null)).toEqual([]);
  });

  it('a verification call that fails with a 503 is retried by the engine without generating again', async () => {
    const good = ASTRONOMY_FIXED;
    p.script(always(good));
    let failures = 0;
    p.verifier(({ body }) => {
      if (failures++ === 0) return { status: 503, error: { message: 'overloaded' } };
      const ask = readVerifyAsk(body);
      const key = new Map(good.map((g) => [g.question, g.options[g.correctAnswer]]));
      return { content: JSON.stringify({ answers: (ask?.items ?? []).map((it) => ({ question: it.question, option: key.get(it.stem) ?? null, reason: 'Known.' })) }) };
    });
    const batch = await p.submit({ topic: 'Flaky verifier', count: 3, verify: 'required' });
    const done = await p.waitFor(batch.id, ['failed', 'succeeded']);
    p.verifier(null);
    expect(done.status).toBe('succeeded');
    const calls = await chunkCalls(done);
    expect(calls.map((c) => c.kind)).toEqual(['generate', 'verify', 'verify']);
    expect(calls[1]?.error).toMatchObject({ kind: 'server_error' });
    expect(calls[2]?.issues).toEqual([]);
    expect(done.questions?.every((x) => x.quality?.verified === true)).toBe(true);
    expect(done.quality).toMatchObject({ verified: 3, total: 3, repairs: 0, verification: { calls: 2 } });
  });

  it('a flaw warning that stayed is a flag on its question, counted in the batch summary', async () => {
    const cued = q(
      'Why does the sky look blue on a clear day?',
      ['Air molecules scatter short blue wavelengths of sunlight far more than red ones', 'Oceans reflect', 'Ice crystals', 'Ozone glows'],
      0,
      'Rayleigh scattering is much stronger for short wavelengths.',
    );
    const good = [ASTRONOMY[0], cued, ASTRONOMY[2]].filter((x): x is DemoQuestion => x !== undefined);
    p.script(always(good));
    const batch = await p.submit({ topic: 'Cued keys', count: 3, verify: 'best-effort' });
    const done = await p.waitFor(batch.id, ['failed', 'succeeded']);
    expect(done.status).toBe('succeeded');
    const sky = done.questions?.find((x) => x.question.includes('sky'));
    expect(sky?.quality?.verified).toBe(true);
    expect(sky?.quality?.flags).toContainEqual(expect.objectContaining({ code: 'longest_key', severity: 'warning' }));
    expect(done.quality?.flags).toMatchObject({ longest_key: 1 });
    expect(done.questions?.filter((x) => (x.quality?.flags.length ?? 0) > 0)).toHaveLength(1);
  });
});
