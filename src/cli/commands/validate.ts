import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { extractBounded } from '../../sources/bounded.js';
import { detectKind } from '../../sources/detect.js';
import { sectionize } from '../../sources/section.js';
import type { Section } from '../../sources/types.js';
import { parseArgs } from 'node:util';
import { QUESTION_TYPES, QUIZ_LIMITS, trueFalseLabels, type AnyQuestion, type QuestionType } from '../../../schemas/index.js';
import { validateQuizOutput, type ExpectedShape, type ValidationResult } from '../../quiz/validate/index.js';

/** The streams this command touches; `CliIo` from the dispatcher fits. */
export interface ValidateIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const EXIT_VALID = 0;
const EXIT_INVALID = 1;
const EXIT_USAGE = 2;

/** Far above anything the validator accepts; only keeps a runaway pipe from exhausting memory. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

export const USAGE = `Usage: quizforge validate --count N --options K [--type T] [--language L] [--source DOC] [--json] [--strict] [FILE|-]

Validates one raw model output exactly as the pipeline does (parse, normalise, validate).
Reads FILE, or standard input when FILE is '-' or absent.

Options:
  -n, --count N     number of questions expected (${QUIZ_LIMITS.minCount}-${QUIZ_LIMITS.maxCount})
  -k, --options K   number of options per question (${QUIZ_LIMITS.minOptions}-${QUIZ_LIMITS.maxOptions}); not needed for true_false
  -t, --type T      question type: ${QUESTION_TYPES.join(', ')} (default single)
  -l, --language L  request language, for the true/false labels (default en)
  -s, --source DOC  the document the quiz was written from (PDF, DOCX, HTML, Markdown, text):
                    every question must then carry evidence found in it
      --json        print {"questions"?, "issues", "warnings"}, every entry with path, code,
                    severity ("error" | "warning") and message
      --strict      item-writing-flaw warnings fail too (exit 1), like request quality "strict"
  -h, --help        show this help

Prints {"questions": [...]} (normalised, options in their original order) and exits 0 when the
output is valid; prints {"issues": [{"path", "code", "message"}, ...]} and exits 1 when it is not.
Warnings (item-writing flaws such as a conspicuously long key) never fail without --strict.
Exit code 2: usage error or unreadable input.`;

class UsageProblem extends Error {}

function intFlag(value: string | undefined, flag: string, min: number, max: number): number {
  if (value === undefined) throw new UsageProblem(`--${flag} is required`);
  const n = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageProblem(`--${flag} must be an integer ${min}-${max}; got ${JSON.stringify(value)}`);
  return n;
}

function parse(argv: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        count: { type: 'string', short: 'n' },
        options: { type: 'string', short: 'k' },
        type: { type: 'string', short: 't' },
        language: { type: 'string', short: 'l' },
        source: { type: 'string', short: 's' },
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        strict: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageProblem(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { help: true as const };
  if (positionals.length > 1) throw new UsageProblem(`expected at most one FILE; got ${positionals.length}`);
  const type = typeFlag(values.type);
  const count = intFlag(values.count, 'count', QUIZ_LIMITS.minCount, QUIZ_LIMITS.maxCount);
  const options = type === 'true_false' ? 2 : intFlag(values.options, 'options', type === 'multiple' ? 3 : QUIZ_LIMITS.minOptions, QUIZ_LIMITS.maxOptions);
  return {
    help: false as const,
    expect: expectation(type, count, options, values.language ?? 'en'),
    document: values.source,
    source: positionals[0] ?? '-',
    json: values.json === true,
    strict: values.strict === true,
  };
}

function typeFlag(value: string | undefined): QuestionType {
  if (value === undefined) return 'single';
  const type = QUESTION_TYPES.find((t) => t === value);
  if (type === undefined) throw new UsageProblem(`--type must be one of ${QUESTION_TYPES.join(', ')}; got ${JSON.stringify(value)}`);
  return type;
}

/** What the pipeline checks over a whole set (a complete draft), including the true/false balance. */
function expectation(type: QuestionType, count: number, options: number, language: string): ExpectedShape {
  if (type === 'single') return { count, options };
  return { count, options, type, labels: trueFalseLabels(language), truthBalance: true };
}

/** Reads a whole stream as UTF-8, decoding once at the end so multi-byte characters split across chunks survive. */
async function readAll(stream: NodeJS.ReadableStream, label: string): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += buffer.length;
    if (total > MAX_INPUT_BYTES) throw new UsageProblem(`${label} is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(source: string, stdin: NodeJS.ReadableStream): Promise<string> {
  if (source === '-') return readAll(stdin, 'standard input');
  const stream = createReadStream(source);
  try {
    return await readAll(stream, source);
  } catch (err) {
    if (err instanceof UsageProblem) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new UsageProblem(`cannot read ${source}: ${reason}`);
  } finally {
    stream.destroy();
  }
}

/** The sections of `--source DOC`, split exactly as `POST /v1/sources` would. */
async function documentSections(file: string): Promise<Section[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new UsageProblem(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const kind = detectKind(bytes, null, file);
  if (kind === null) throw new UsageProblem(`--source ${file}: unsupported file type`);
  const outcome = await extractBounded(new Uint8Array(bytes), kind);
  if (!outcome.ok) throw new UsageProblem(`--source ${file}: ${outcome.failure.reason}: ${outcome.failure.message}`);
  return sectionize(outcome.value, basename(file));
}

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write(text, () => resolve());
    } catch {
      resolve();
    }
  });
}

/** `--json`: everything found, each entry with its severity; `questions` only when none has an error. */
function jsonReport(result: ValidationResult<AnyQuestion>): Record<string, unknown> {
  const issues = result.ok ? [] : result.issues.map(({ path, code, message }) => ({ path, code, severity: 'error', message }));
  const warnings = result.warnings.map(({ path, code, severity, message }) => ({ path, code, severity, message }));
  return { ...(result.ok ? { questions: result.questions } : {}), issues, warnings };
}

/** The plain report: questions, or issues (with `--strict`, a warning is an issue). */
function plainReport(result: ValidationResult<AnyQuestion>, strict: boolean): Record<string, unknown> {
  const promoted = strict ? result.warnings.map(({ path, code, message }) => ({ path, code, message })) : [];
  if (result.ok && promoted.length === 0) return { questions: result.questions };
  return { issues: [...(result.ok ? [] : result.issues), ...promoted] };
}

/**
 * `quizforge validate`: the pipeline's gate, runnable on a saved model output, so a failure seen in
 * production can be reproduced and a prompt change tried without a database or an API key.
 * Never throws: every outcome is an exit code.
 */
export async function run(argv: string[], io: ValidateIo): Promise<number> {
  try {
    const args = parse(argv);
    if (args.help) {
      await write(io.stdout, `${USAGE}\n`);
      return EXIT_VALID;
    }
    const raw = await readInput(args.source, io.stdin);
    const sections = args.document === undefined ? undefined : await documentSections(args.document);
    const result = validateQuizOutput(raw, sections === undefined ? args.expect : { ...args.expect, sections });
    const failed = !result.ok || (args.strict && result.warnings.length > 0);
    await write(io.stdout, `${JSON.stringify(args.json ? jsonReport(result) : plainReport(result, args.strict), null, 2)}\n`);
    return failed ? EXIT_INVALID : EXIT_VALID;
  } catch (err) {
    const message = err instanceof UsageProblem ? `${err.message}\n\n${USAGE}` : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
    await write(io.stderr, `quizforge validate: ${message}\n`);
    return EXIT_USAGE;
  }
}
