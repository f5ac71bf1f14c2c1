import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { resolveFixturesDir } from '../../model/config.js';
import { loadCassettes } from '../../model/cassettes.js';
import type { Cassette, CassetteProblem } from '../../model/cassettes.js';

type Io = { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
export type FixturesDeps = {
  fixturesDir?: string;
  /** The pipeline's current prompt/schema hashes (name → hash); injected by the CLI dispatcher. */
  currentVersions?: () => Record<string, string>;
};

const EXIT_OK = 0;
const EXIT_STALE = 1;
const EXIT_USAGE = 2;

const USAGE = `Usage: quizforge fixtures <list|check> [--dir DIR] [--json]

  list    every recorded model cassette: key, topic, count, options, difficulty, kind, attempt, recorded at
  check   cassettes recorded with other prompt/schema versions than the current ones, and unreadable cassettes

Cassettes live in --dir, else QUIZFORGE_FIXTURES_DIR, else the repository's fixtures/.
Exit codes: 0 all good, 1 stale or unreadable cassettes (check), 2 usage error.`;

const LIST_USAGE = `Usage: quizforge fixtures list [--dir DIR] [--json]

Prints one line per cassette (key, topic, count, options, difficulty, kind, attempt, recorded at),
or with --json an array of { key, file, recordedAt, meta }. Unreadable cassettes are reported on stderr.`;

const CHECK_USAGE = `Usage: quizforge fixtures check [--dir DIR] [--json]

Compares each cassette's meta.versions (name → hash) with the current prompt and schema hashes.
A cassette is stale when a recorded hash differs, names a piece that no longer exists, or has no versions.
Exit codes: 0 every cassette is current, 1 any is stale or unreadable, 2 usage error.`;

const DISPLAY_FIELDS = ['topic', 'count', 'options', 'difficulty', 'kind', 'attempt'] as const;

const VersionsSchema = z.record(z.string(), z.string());
const MetaWithVersions = z.looseObject({ versions: VersionsSchema });

export type VersionChange = { name: string; recorded: string | null; current: string | null };
export type CheckReport = {
  current: string[];
  stale: Array<{ key: string; file: string; reason: string; changes: VersionChange[] }>;
  invalid: CassetteProblem[];
};

/** Operator view of recorded fixtures: what exists, and which no longer match today's prompts. */
export async function run(argv: string[], io: Io, deps: FixturesDeps = {}): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        dir: { type: 'string' },
      },
    });
  } catch (err) {
    return usageError(io, err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  const [sub, ...extra] = positionals;
  if ((sub === undefined && values.help) || sub === 'help') {
    write(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (sub === undefined) return usageError(io, 'missing subcommand: list or check');
  if (sub !== 'list' && sub !== 'check') return usageError(io, `unknown subcommand '${sub}'`);
  if (values.help) {
    write(io.stdout, sub === 'list' ? LIST_USAGE : CHECK_USAGE);
    return EXIT_OK;
  }
  if (extra.length > 0) return usageError(io, `unexpected arguments: ${extra.join(' ')}`);
  const dir = values.dir ?? deps.fixturesDir ?? resolveFixturesDir();
  const loaded = await loadCassettes(dir);
  if (sub === 'list') return list(io, dir, loaded.cassettes, loaded.problems, values.json === true);
  if (!deps.currentVersions) {
    throw new Error('fixtures check needs the current prompt versions; run it through the quizforge CLI');
  }
  const report = checkCassettes(loaded.cassettes, loaded.problems, deps.currentVersions());
  printCheck(io, dir, report, values.json === true);
  return report.stale.length + report.invalid.length === 0 ? EXIT_OK : EXIT_STALE;
}

function list(io: Io, dir: string, cassettes: Cassette[], problems: CassetteProblem[], json: boolean): number {
  const sorted = [...cassettes].sort((a, b) => a.recordedAt.localeCompare(b.recordedAt) || a.key.localeCompare(b.key));
  if (json) {
    const rows = sorted.map((c) => ({ key: c.key, file: `${c.key}.json`, recordedAt: c.recordedAt, meta: c.meta }));
    write(io.stdout, JSON.stringify(rows, null, 2));
  } else if (sorted.length === 0) {
    write(io.stdout, `no cassettes in ${dir}`);
  } else {
    const header = ['KEY', ...DISPLAY_FIELDS.map((f) => f.toUpperCase()), 'RECORDED AT'];
    const rows = sorted.map((c) => [c.key, ...DISPLAY_FIELDS.map((f) => metaField(c.meta, f)), c.recordedAt]);
    write(io.stdout, table([header, ...rows]));
  }
  for (const p of problems) write(io.stderr, `invalid ${path.join(dir, p.file)}: ${p.reason}`);
  return EXIT_OK;
}

/** Pure comparison, exported so the rules can be tested without files. */
export function checkCassettes(
  cassettes: readonly Cassette[],
  invalid: readonly CassetteProblem[],
  currentVersions: Record<string, string>,
): CheckReport {
  const report: CheckReport = { current: [], stale: [], invalid: [...invalid] };
  for (const c of [...cassettes].sort((a, b) => a.key.localeCompare(b.key))) {
    const meta = MetaWithVersions.safeParse(c.meta);
    const file = `${c.key}.json`;
    if (!meta.success) {
      report.stale.push({ key: c.key, file, reason: 'no meta.versions recorded', changes: [] });
      continue;
    }
    const changes = compareVersions(meta.data.versions, currentVersions);
    if (changes.length === 0) report.current.push(c.key);
    else report.stale.push({ key: c.key, file, reason: 'versions differ', changes });
  }
  return report;
}

/** Names only the current side knows are ignored: that exchange never used them. */
function compareVersions(recorded: Record<string, string>, current: Record<string, string>): VersionChange[] {
  const changes: VersionChange[] = [];
  for (const name of Object.keys(recorded).sort()) {
    const now = current[name];
    const then = recorded[name] ?? null;
    if (now === undefined) changes.push({ name, recorded: then, current: null });
    else if (now !== then) changes.push({ name, recorded: then, current: now });
  }
  return changes;
}

function printCheck(io: Io, dir: string, report: CheckReport, json: boolean): void {
  if (json) {
    write(io.stdout, JSON.stringify(report, null, 2));
    return;
  }
  for (const s of report.stale) {
    const detail =
      s.changes.length === 0
        ? s.reason
        : s.changes.map((ch) => `${ch.name}: ${ch.recorded ?? '(none)'} -> ${ch.current ?? '(gone)'}`).join('; ');
    write(io.stdout, `stale    ${s.key}  ${detail}`);
  }
  for (const p of report.invalid) write(io.stdout, `invalid  ${p.file}  ${p.reason}`);
  const total = report.current.length + report.stale.length + report.invalid.length;
  write(
    io.stdout,
    `${total} cassette(s) in ${dir}: ${report.current.length} current, ${report.stale.length} stale, ${report.invalid.length} invalid`,
  );
  if (report.stale.length > 0) write(io.stdout, 're-record stale ones with QUIZFORGE_MODEL_MODE=record');
}

function metaField(meta: unknown, name: string): string {
  if (meta === null || typeof meta !== 'object' || !(name in meta)) return '-';
  const value: unknown = (meta as Record<string, unknown>)[name];
  if (value === undefined || value === null) return '-';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

function usageError(io: Io, message: string): number {
  write(io.stderr, `quizforge fixtures: ${message}\nRun 'quizforge fixtures --help'.`);
  return EXIT_USAGE;
}

function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
