import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/validate.js';
import { outputText, validQuestion, validQuestions } from '../quiz/validate/factory.js';

interface Captured {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function invoke(argv: string[], stdin: string | Buffer[] = ''): Promise<Captured> {
  const out = sink();
  const err = sink();
  const input = typeof stdin === 'string' ? Readable.from([Buffer.from(stdin)]) : Readable.from(stdin);
  const code = await run(argv, { stdin: input, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}

function json(text: string): unknown {
  return JSON.parse(text) as unknown;
}

describe('quizforge validate', () => {
  it('exit 0 and {"questions"} for a valid output on stdin, normalised, options in order', async () => {
    const questions = validQuestions(2);
    questions[1] = { ...validQuestion(1), correctAnswer: 'B', question: `  ${String(validQuestion(1).question)}` };
    const r = await invoke(['--count', '2', '--options', '4'], `\`\`\`json\n${outputText(questions)}\n\`\`\``);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(json(r.stdout)).toEqual({ questions: [validQuestion(0), { ...validQuestion(1), correctAnswer: 1 }] });
  });

  it('exit 1 and {"issues"} for an invalid output', async () => {
    const r = await invoke(['-n', '3', '-k', '4', '-'], outputText(validQuestions(2)));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(json(r.stdout)).toEqual({ issues: [{ path: 'questions', code: 'question_count', message: 'must contain exactly 3 questions; got 2' }] });
  });

  it('exit 1 for text that is not JSON at all', async () => {
    const r = await invoke(['--count=1', '--options=4'], 'I cannot help with that.');
    expect(r.code).toBe(1);
    expect(json(r.stdout)).toMatchObject({ issues: [{ path: '$', code: 'json_parse' }] });
  });

  it('reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-validate-'));
    const file = join(dir, 'out.json');
    writeFileSync(file, outputText(validQuestions(3, 5)));
    const r = await invoke(['--count', '3', '--options', '5', file]);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toEqual({ questions: validQuestions(3, 5) });
  });

  it('--type true_false checks the labels of --language and the truth balance of the set', async () => {
    const statement = (i: number, correctAnswer: number, options = ['True', 'False']) => ({
      type: 'true_false',
      question: `Statement ${i} about the scripted world is written here.`,
      options,
      correctAnswer,
      explanation: 'Because.',
    });
    const balanced = JSON.stringify({ questions: [0, 1, 0, 1].map((a, i) => statement(i, a)) });
    expect((await invoke(['--count', '4', '--type', 'true_false'], [Buffer.from(balanced)])).code).toBe(0);
    const allTrue = JSON.stringify({ questions: [0, 0, 0, 0].map((a, i) => statement(i, a)) });
    const r = await invoke(['--count', '4', '--type', 'true_false'], [Buffer.from(allTrue)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('truth_balance');
    const german = JSON.stringify({ questions: [statement(0, 0, ['Wahr', 'Falsch'])] });
    expect((await invoke(['--count', '1', '--type', 'true_false', '--language', 'de'], [Buffer.from(german)])).code).toBe(0);
    expect((await invoke(['--count', '1', '--type', 'true_false'], [Buffer.from(german)])).stdout).toContain('true_false_labels');
    expect((await invoke(['--count', '1', '--options', '4', '--type', 'essay'])).code).toBe(2);
  });

  it('--source DOC checks the evidence of every question against the document', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-validate-'));
    const doc = join(dir, 'notes.md');
    writeFileSync(doc, '# Rivers\n\nA river delta forms where a river deposits sediment at its mouth.\n\n# Lakes\n\nMost lakes are fed by rivers.');
    const question = (quote: string, sectionId: string) =>
      JSON.stringify({ questions: [{ ...validQuestion(0), evidence: { quote, sectionId } }] });
    const ok = await invoke(['--count', '1', '--options', '4', '--source', doc], [Buffer.from(question('a river deposits sediment at its mouth', 's1'))]);
    expect(ok.code).toBe(0);
    expect(json(ok.stdout)).toMatchObject({ questions: [{ evidence: { quote: 'a river deposits sediment at its mouth', sectionId: 's1' } }] });
    const moved = await invoke(['--count', '1', '--options', '4', '--source', doc], [Buffer.from(question('Most lakes are fed by rivers.', 's1'))]);
    expect(json(moved.stdout)).toMatchObject({ questions: [{ evidence: { sectionId: 's2' } }] });
    const missing = await invoke(['--count', '1', '--options', '4', '--source', doc], [Buffer.from(question('Rivers always flow north to the sea.', 's1'))]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('evidence_not_found');
    expect((await invoke(['--count', '1', '--options', '4', '--source', join(dir, 'nope.md')])).code).toBe(2);
  });

  it('decodes multi-byte characters split across stdin chunks', async () => {
    const questions = validQuestions(1);
    questions[0] = { ...validQuestion(0), explanation: 'Ångström — 漢字 é' };
    const bytes = Buffer.from(outputText(questions));
    const cut = bytes.indexOf(Buffer.from('漢')) + 1;
    const r = await invoke(['--count', '1', '--options', '4'], [bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toEqual({ questions });
  });

  describe('--json and --strict', () => {
    const flawed = (patch: Record<string, unknown>) => {
      const questions = validQuestions(2);
      questions[1] = { ...validQuestion(1), ...patch };
      return outputText(questions);
    };
    const warned = flawed({ options: ['Lyon', 'Paris', 'Paris, Texas', 'Nice'], correctAnswer: 1 });

    it('a warning alone: exit 0, questions, empty issues and the warning with its severity', async () => {
      const r = await invoke(['-n', '2', '-k', '4', '--json'], warned);
      expect(r.code).toBe(0);
      const body = json(r.stdout) as { questions: unknown[]; issues: unknown[]; warnings: unknown[] };
      expect(Object.keys(body)).toEqual(['questions', 'issues', 'warnings']);
      expect(body.questions).toHaveLength(2);
      expect(body.issues).toEqual([]);
      expect(body.warnings).toEqual([{ path: 'questions[1].options[2]', code: 'option_contained', severity: 'warning', message: expect.stringContaining('options[1]') }]);
    });

    it('--strict: the same warning fails (exit 1), in --json and in the plain report', async () => {
      const j = await invoke(['-n', '2', '-k', '4', '--json', '--strict'], warned);
      expect(j.code).toBe(1);
      expect((json(j.stdout) as { warnings: unknown[] }).warnings).toHaveLength(1);
      const plain = await invoke(['-n', '2', '-k', '4', '--strict'], warned);
      expect(plain.code).toBe(1);
      expect(json(plain.stdout)).toEqual({ issues: [expect.objectContaining({ path: 'questions[1].options[2]', code: 'option_contained' })] });
      expect((await invoke(['-n', '2', '-k', '4'], warned)).code).toBe(0);
    });

    it('an error flaw: exit 1, no questions, the issue with severity "error"', async () => {
      const r = await invoke(['-n', '2', '-k', '4', '--json'], flawed({ question: 'Which of these is not a mineral sample?' }));
      expect(r.code).toBe(1);
      expect(json(r.stdout)).toEqual({
        issues: [{ path: 'questions[1].question', code: 'negative_stem_unemphasised', severity: 'error', message: expect.any(String) }],
        warnings: [],
      });
    });
  });

  it('--help prints usage and exits 0', async () => {
    const r = await invoke(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: quizforge validate --count N --options K [--type T] [--language L] [--source DOC] [--json] [--strict] [FILE|-]');
  });

  it.each([
    ['no flags', []],
    ['missing --options', ['--count', '3']],
    ['missing --count', ['--options', '4']],
    ['count 0', ['--count', '0', '--options', '4']],
    ['count 51', ['--count', '51', '--options', '4']],
    ['count not a number', ['--count', 'five', '--options', '4']],
    ['count decimal', ['--count', '2.5', '--options', '4']],
    ['options 7', ['--count', '3', '--options', '7']],
    ['unknown flag', ['--count', '3', '--options', '4', '--verbose']],
    ['two files', ['--count', '3', '--options', '4', 'a.json', 'b.json']],
    ['missing file', ['--count', '3', '--options', '4', '/nonexistent/quizforge/out.json']],
    ['a directory', ['--count', '3', '--options', '4', tmpdir()]],
  ])('exit 2 with a message on stderr: %s', async (_label, argv) => {
    const r = await invoke(argv, outputText(validQuestions(3)));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^quizforge validate: \S/);
  });

  it('exit 2 when stdin fails mid-read', async () => {
    const stdin = new PassThrough();
    const out = sink();
    const err = sink();
    const pending = run(['--count', '1', '--options', '4'], { stdin, stdout: out.stream, stderr: err.stream });
    stdin.write('{"questions": [');
    stdin.destroy(new Error('EIO: broken pipe'));
    expect(await pending).toBe(2);
    expect(err.text()).toContain('EIO');
  });

  it('never throws, whatever the arguments and input', async () => {
    const flag = fc.oneof(
      fc.constantFrom('--count', '--options', '-n', '-k', '--help', '-', '--', '--count=3', '--options=4', '-n3'),
      fc.integer({ min: -5, max: 60 }).map(String),
      fc.string({ maxLength: 12 }).map((s) => (s.startsWith('-') ? s : `/nonexistent/${s}`)),
    );
    const input = fc.oneof(fc.string({ maxLength: 300 }), fc.jsonValue().map((v) => JSON.stringify({ questions: v }) ?? ''));
    await fc.assert(
      fc.asyncProperty(fc.array(flag, { maxLength: 6 }), input, async (argv, stdin) => {
        const r = await invoke(argv, stdin);
        expect([0, 1, 2]).toContain(r.code);
        if (r.code === 2) {
          expect(r.stdout).toBe('');
          expect(r.stderr.length).toBeGreaterThan(0);
        } else if (!argv.includes('--help') && !argv.includes('-h')) {
          const body = json(r.stdout);
          expect(Object.keys(body as object)).toEqual([r.code === 0 ? 'questions' : 'issues']);
        }
      }),
      { numRuns: 200 },
    );
  });
});
