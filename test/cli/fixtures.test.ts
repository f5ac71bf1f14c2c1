import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/commands/fixtures.js';
import { cassetteKey, normaliseRequest, writeCassette } from '../../src/model/cassettes.js';
import type { Cassette } from '../../src/model/cassettes.js';

function sink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function runCli(argv: string[], deps: Parameters<typeof run>[2]) {
  const out = sink();
  const err = sink();
  const code = await run(argv, { stdout: out.stream, stderr: err.stream }, deps);
  return { code, stdout: out.text(), stderr: err.text() };
}

function cassette(topic: string, meta: Record<string, unknown>, recordedAt: string): Cassette {
  const request = normaliseRequest(
    'POST',
    'http://127.0.0.1/v1/chat/completions',
    JSON.stringify({ model: 'm', messages: [{ role: 'user', content: topic }] }),
  );
  return {
    version: 1,
    key: cassetteKey(request),
    recordedAt,
    request,
    response: { status: 200, headers: { 'content-type': 'application/json' }, body: { choices: [] } },
    meta: { topic, ...meta },
  };
}

const CURRENT = { system: 's1', generate: 'g1', repair: 'r1', schema: 'x1' };
let dir: string;
let tides: Cassette;
let volcanoes: Cassette;

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'quizforge-fixtures-cli-'));
  tides = cassette(
    'tides',
    { count: 5, options: 4, difficulty: 'easy', kind: 'generate', attempt: 1, versions: { system: 's1', generate: 'g1', schema: 'x1' } },
    '2025-01-01T00:00:00.000Z',
  );
  volcanoes = cassette(
    'volcanoes',
    { count: 3, options: 4, difficulty: 'hard', kind: 'repair', attempt: 2, versions: { ...CURRENT } },
    '2025-01-02T00:00:00.000Z',
  );
  await writeCassette(dir, tides);
  await writeCassette(dir, volcanoes);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('quizforge fixtures list', () => {
  it('prints one row per cassette with its meta fields', async () => {
    const { code, stdout, stderr } = await runCli(['list'], { fixturesDir: dir });
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^KEY\s+TOPIC\s+COUNT\s+OPTIONS\s+DIFFICULTY\s+KIND\s+ATTEMPT\s+RECORDED AT$/);
    expect(lines[1]).toMatch(new RegExp(`^${tides.key}\\s+tides\\s+5\\s+4\\s+easy\\s+generate\\s+1\\s+2025-01-01`));
    expect(lines[2]).toMatch(new RegExp(`^${volcanoes.key}\\s+volcanoes\\s+3\\s+4\\s+hard\\s+repair\\s+2\\s+2025-01-02`));
  });

  it('--json prints an array with the full meta', async () => {
    const { code, stdout } = await runCli(['list', '--json'], { fixturesDir: dir });
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ key: string; meta: { topic: string } }>;
    expect(rows.map((r) => r.key)).toEqual([tides.key, volcanoes.key]);
    expect(rows[1]?.meta).toMatchObject({ topic: 'volcanoes', versions: CURRENT });
  });

  it('reports unreadable cassettes on stderr', async () => {
    await writeFile(path.join(dir, `${'a'.repeat(20)}.json`), '{ broken');
    const { code, stderr } = await runCli(['list'], { fixturesDir: dir });
    expect(code).toBe(0);
    expect(stderr).toContain(`${'a'.repeat(20)}.json`);
    expect(stderr).toContain('not JSON');
  });
});

describe('quizforge fixtures check', () => {
  it('exits 0 when every recorded version matches', async () => {
    await rm(path.join(dir, `${tides.key}.json`));
    const { code, stdout } = await runCli(['check'], { fixturesDir: dir, currentVersions: () => CURRENT });
    expect(code).toBe(0);
    expect(stdout).toContain('1 current, 0 stale, 0 invalid');
  });

  it('ignores pieces an exchange never used', async () => {
    // tides has no `repair` version: it is a generate call, so a repair prompt change cannot stale it.
    const { code } = await runCli(['check'], {
      fixturesDir: dir,
      currentVersions: () => ({ ...CURRENT, repair: 'r2' }),
    });
    expect(code).toBe(1); // volcanoes used repair r1
  });

  it('exits 1 naming what changed, unversioned and unreadable cassettes', async () => {
    const unversioned = cassette('rivers', { kind: 'generate' }, '2025-01-03T00:00:00.000Z');
    await writeCassette(dir, unversioned);
    await writeFile(path.join(dir, `${'b'.repeat(20)}.json`), '{"version": 1}');
    const { code, stdout } = await runCli(['check'], {
      fixturesDir: dir,
      currentVersions: () => ({ ...CURRENT, generate: 'g2' }),
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`stale\\s+${tides.key}\\s+generate: g1 -> g2`));
    expect(stdout).toMatch(new RegExp(`stale\\s+${volcanoes.key}\\s+generate: g1 -> g2`));
    expect(stdout).toMatch(new RegExp(`stale\\s+${unversioned.key}\\s+no meta.versions recorded`));
    expect(stdout).toContain(`invalid  ${'b'.repeat(20)}.json`);
    expect(stdout).toContain('0 current, 3 stale, 1 invalid');
  });

  it('--json gives a machine-readable report including removed pieces', async () => {
    const { system: _dropped, ...withoutSystem } = CURRENT;
    const { code, stdout } = await runCli(['check', '--json'], { fixturesDir: dir, currentVersions: () => withoutSystem });
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { stale: Array<{ changes: unknown[] }> };
    expect(report.stale).toHaveLength(2);
    expect(report.stale[0]?.changes).toEqual([{ name: 'system', recorded: 's1', current: null }]);
  });

  it('an empty directory is all good', async () => {
    const empty = path.join(dir, 'nothing-here');
    const { code, stdout } = await runCli(['check'], { fixturesDir: empty, currentVersions: () => CURRENT });
    expect(code).toBe(0);
    expect(stdout).toContain('0 cassette(s)');
  });
});

describe('quizforge fixtures usage', () => {
  it.each([[[]], [['bogus']], [['list', '--nope']], [['list', 'extra']]])('%j is a usage error', async (argv) => {
    const { code, stderr } = await runCli(argv, { fixturesDir: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('--help');
  });

  it.each([[['--help'], 'fixtures <list|check>'], [['list', '--help'], 'fixtures list'], [['check', '-h'], 'fixtures check']])(
    '%j prints help',
    async (argv, expected) => {
      const { code, stdout } = await runCli(argv, { fixturesDir: dir });
      expect(code).toBe(0);
      expect(stdout).toContain(expected);
    },
  );

  it('--dir overrides the injected directory', async () => {
    const { stdout } = await runCli(['list', '--dir', path.join(dir, 'none')], { fixturesDir: dir });
    expect(stdout).toContain('no cassettes in');
  });
});
