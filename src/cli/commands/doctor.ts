import { parseArgs } from 'node:util';
import { parseEnvKey } from '../../accounts/index.js';
import { ConfigError, loadConfig } from '../../config.js';
import { openDatabase, type Database } from '../../db/client.js';
import { readDoctorFacts } from '../../db/doctor.js';
import { checkDatabase } from '../../db/health.js';
import { createModelClient } from '../../model/client.js';
import { ModelConfigError, resolveModelConfig, type ModelConfig } from '../../model/config.js';
import { DEFAULT_BASE_URL } from '../../model/client.js';
import { checkEndpoint } from '../../model/endpoint-check.js';
import { probeOutputMode } from '../../model/probe.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, writeLine, type CliIo } from '../io.js';
import { checkSseThroughProxy } from '../sse-check.js';

const USAGE = `Usage: quizforge doctor [--probe] [--sse-wait <seconds>]

Follows a request from the client's side to the model and says where it stops: configuration,
database (reachable, migrated, clock skew), workers (live leases or recent activity), and the model
endpoint (DNS → TCP → TLS → HTTP auth). --probe also spends a few small calls to find which output
mode works. With QUIZFORGE_PUBLIC_URL set it opens the event stream through that address (every
proxy on the way) and expects the headers at once and a keep-alive comment within --sse-wait
seconds (default 20; the service sends one every 15 s), which catches buffering proxies.
One line per check with the fix to try. Exit 0 when all pass, 1 otherwise, 2 on bad usage.`;

type Check = { name: string; ok: boolean; detail: string; fix?: string; skipped?: boolean };

const DEFAULT_SSE_WAIT_S = 20;

const MAX_SKEW_MS = 2_000;
const WORKER_RECENT_MS = 5 * 60_000;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { help: { type: 'boolean', short: 'h' }, probe: { type: 'boolean' }, 'sse-wait': { type: 'string' } },
    strict: true,
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const sseWaitS = values['sse-wait'] === undefined ? DEFAULT_SSE_WAIT_S : Number(values['sse-wait']);
  if (!Number.isFinite(sseWaitS) || sseWaitS <= 0 || sseWaitS > 600) {
    writeLine(io.stderr, `--sse-wait must be a number of seconds in (0, 600]; got ${JSON.stringify(values['sse-wait'])}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const checks: Check[] = [];
  const report = (c: Check): void => {
    checks.push(c);
    writeLine(io.stdout, `${c.skipped ? 'skip' : c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(16)} ${c.detail}${c.ok || !c.fix ? '' : `\n     fix: ${c.fix}`}`);
  };
  let model: ModelConfig | null = null;
  let app: ReturnType<typeof loadConfig> | null = null;
  try {
    app = loadConfig(io.env);
    model = resolveModelConfig(io.env);
    report({ name: 'config', ok: true, detail: `model ${model.model} (${model.mode}) at ${model.baseURL ?? DEFAULT_BASE_URL}` });
  } catch (err) {
    if (!(err instanceof ConfigError || err instanceof ModelConfigError)) throw err;
    report({ name: 'config', ok: false, detail: err.message, fix: 'correct the variable named above' });
  }
  if (app) await databaseChecks(app, report);
  if (model) await modelChecks(model, values.probe === true, report);
  if (app) await sseChecks(app, sseWaitS * 1000, report);
  return checks.every((c) => c.ok) ? EXIT_OK : EXIT_FAILURE;
}

async function databaseChecks(app: ReturnType<typeof loadConfig>, report: (c: Check) => void): Promise<void> {
  let database: Database | null = null;
  try {
    database = await openDatabase({ url: app.databaseUrl, dataDir: app.dataDir, poolSize: 1, onError: () => undefined });
    const health = await checkDatabase(database, { timeoutMs: 5_000 });
    if (!health.reachable) {
      report({ name: 'database', ok: false, detail: 'no answer to select 1', fix: 'check DATABASE_URL, that PostgreSQL runs and accepts this host' });
      return;
    }
    report({ name: 'database', ok: true, detail: database.kind === 'pg' ? 'PostgreSQL reachable' : `PGlite at ${app.dataDir}` });
    const m = health.migrations;
    report(
      m !== null && m.pending.length === 0
        ? { name: 'migrations', ok: true, detail: `${m.applied}/${m.expected} applied` }
        : { name: 'migrations', ok: false, detail: m ? `pending: ${m.pending.join(', ')}` : 'status unreadable', fix: 'run `quizforge migrate`' },
    );
    if (m === null || m.pending.length > 0) return;
    const before = Date.now();
    const facts = await readDoctorFacts(database.db);
    const skew = facts.dbNow.getTime() - (before + Date.now()) / 2;
    report({
      name: 'clock skew',
      ok: Math.abs(skew) <= MAX_SKEW_MS,
      detail: `database clock ${skew >= 0 ? '+' : ''}${Math.round(skew)} ms from this host`,
      fix: 'leases and retries use the database clock; sync both hosts with NTP',
    });
    const ago = facts.lastWorkerActivity === null ? null : facts.dbNow.getTime() - facts.lastWorkerActivity.getTime();
    const alive = facts.leasedJobs > 0 || (ago !== null && ago <= WORKER_RECENT_MS);
    report({
      name: 'workers',
      ok: alive,
      detail:
        facts.leasedJobs > 0
          ? `${facts.leasedJobs} job(s) under a live lease`
          : ago === null
            ? 'no worker has claimed a job yet'
            : `last worker activity ${Math.round(ago / 1000)} s ago`,
      fix: 'start `quizforge worker` (or `quizforge serve` without --no-workers) against this database',
    });
  } catch (err) {
    report({ name: 'database', ok: false, detail: err instanceof Error ? err.message : String(err), fix: 'check DATABASE_URL' });
  } finally {
    await database?.close().catch(() => undefined);
  }
}

async function modelChecks(config: ModelConfig, probe: boolean, report: (c: Check) => void): Promise<void> {
  if (config.mode === 'replay') {
    report({ name: 'model', ok: true, detail: `replay from ${config.fixturesDir} (no endpoint to reach)` });
    return;
  }
  const base = config.baseURL ?? DEFAULT_BASE_URL;
  const steps = await checkEndpoint(base, config.apiKey);
  for (const s of steps) report({ name: `model ${s.name}`, ok: s.ok, detail: s.detail, ...(s.fix ? { fix: s.fix } : {}) });
  if (!probe || steps.some((s) => !s.ok)) return;
  const found = await probeOutputMode(createModelClient(config), config.model);
  report({
    name: 'model output',
    ok: found.mode !== null,
    detail: `${found.tried.map((t) => `${t.mode}: ${t.result}`).join('; ')}${found.mode ? ` → use ${found.mode}` : ''}`,
    fix: 'no output mode gave JSON: check the model name, or set QUIZFORGE_OUTPUT_MODE',
  });
}

async function sseChecks(app: ReturnType<typeof loadConfig>, waitMs: number, report: (c: Check) => void): Promise<void> {
  if (!app.publicUrl) {
    report({ name: 'sse', ok: true, skipped: true, detail: 'QUIZFORGE_PUBLIC_URL not set: set it to the address clients use to check the event stream through your proxies' });
    return;
  }
  const entry = app.apiKeys[0] ?? app.adminKeys[0];
  // A `tenant:key` entry sends its key; the tenant only names whose data it sees.
  const apiKey = entry === undefined ? undefined : parseEnvKey(entry).key;
  const steps = await checkSseThroughProxy({ publicUrl: app.publicUrl, apiKey, keepAliveWaitMs: waitMs });
  for (const s of steps) report({ name: s.name, ok: s.ok, detail: s.detail, ...(s.fix ? { fix: s.fix } : {}) });
}
