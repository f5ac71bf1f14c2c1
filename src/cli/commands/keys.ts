import { parseArgs } from 'node:util';
import { AccountInputError, createApiKey, KEY_CACHE_TTL_MS, listKeys, revokeKey, type ApiKeyRecord, type BudgetPeriod } from '../../accounts/index.js';
import { loadConfig } from '../../config.js';
import { migrateDatabase, openDatabase, type Database } from '../../db/client.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, intOption, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge keys <create|list|revoke ID> [options]

  create --tenant NAME [--admin] [--label TEXT] [--budget-usd N --per day|month]
         [--rate-limit-submit N] [--rate-limit-all N] [--json]
      makes a key for the tenant and prints it once (the database keeps only a hash);
      --json prints { "id", "tenant", "key", "admin" }. Rate limits override
      QUIZFORGE_RATE_LIMIT_SUBMIT / _ALL (requests per minute) for this key.
  list [--tenant NAME] [--json]   every key (no secrets), revoked ones marked
  revoke ID                        the key stops working on every API process within ${KEY_CACHE_TTL_MS / 1000} s

Works on the database directly (DATABASE_URL, or the PGlite data in QUIZFORGE_DATA_DIR),
applying pending migrations first, like 'quizforge migrate'. A service started without any key
turns auth on at its next start once a managed key exists. Tenants: 1-63 lowercase letters, digits, '-' or '_'.
Exit codes: 0 success, 1 failure (e.g. unknown key), 2 usage error.`;

function budgetOf(raw: string | undefined, per: string | undefined): { budgetUsd: number | null; budgetPeriod: BudgetPeriod | null } {
  if (per !== undefined && per !== 'day' && per !== 'month') throw new UsageError(`--per must be day or month; got '${per}'`);
  if (raw === undefined) {
    if (per !== undefined) throw new UsageError('--per needs --budget-usd');
    return { budgetUsd: null, budgetPeriod: null };
  }
  const n = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--budget-usd must be a number of dollars >= 0; got '${raw}'`);
  if (per === undefined) throw new UsageError('--budget-usd needs --per day|month');
  return { budgetUsd: n, budgetPeriod: per };
}

function describe(k: ApiKeyRecord): string {
  const parts = [k.id.padEnd(20), k.tenantId.padEnd(16), (k.admin ? 'admin' : 'api').padEnd(6), k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active'];
  if (k.budgetUsd !== null) parts.push(`budget=$${k.budgetUsd}/${k.budgetPeriod ?? '?'}`);
  if (k.rateLimitSubmit !== null) parts.push(`submit=${k.rateLimitSubmit}/min`);
  if (k.rateLimitAll !== null) parts.push(`all=${k.rateLimitAll}/min`);
  if (k.label !== null) parts.push(JSON.stringify(k.label));
  return parts.join(' ');
}

function toJson(k: ApiKeyRecord) {
  return {
    id: k.id,
    tenant: k.tenantId,
    admin: k.admin,
    label: k.label,
    budgetUsd: k.budgetUsd === null ? null : Number(k.budgetUsd),
    budgetPeriod: k.budgetPeriod,
    rateLimitSubmit: k.rateLimitSubmit,
    rateLimitAll: k.rateLimitAll,
    createdAt: k.createdAt.toISOString(),
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** Managed API keys: create (the secret shown once), list, revoke. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      tenant: { type: 'string' },
      admin: { type: 'boolean' },
      label: { type: 'string' },
      'budget-usd': { type: 'string' },
      per: { type: 'string' },
      'rate-limit-submit': { type: 'string' },
      'rate-limit-all': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0 || (sub !== 'revoke' && id !== undefined)) throw new UsageError(`unexpected arguments: ${[id, ...extra].filter(Boolean).join(' ')}`);
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(sub === undefined ? 'name a subcommand: create, list or revoke' : `unknown subcommand '${sub}'`);
  let input: Parameters<typeof createApiKey>[1] | null = null;
  if (sub === 'create') {
    if (values.tenant === undefined) throw new UsageError('keys create needs --tenant NAME');
    const rate = (flag: 'rate-limit-submit' | 'rate-limit-all') => (values[flag] === undefined ? null : intOption(`--${flag}`, values[flag], 1));
    input = {
      tenant: values.tenant,
      admin: values.admin === true,
      label: values.label ?? null,
      ...budgetOf(values['budget-usd'], values.per),
      rateLimitSubmit: rate('rate-limit-submit'),
      rateLimitAll: rate('rate-limit-all'),
    };
  }
  if (sub === 'revoke' && (id === undefined || id === '')) throw new UsageError('keys revoke needs a key ID (see keys list)');

  const config = loadConfig(io.env);
  const database = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, timeouts: config.dbTimeouts });
  try {
    // A first key may come before the first `serve`: the tables must exist (idempotent, locked).
    await migrateDatabase(database);
    if (input) return await create(database, input, values.json === true, io);
    if (sub === 'list') return await list(database, values.tenant ?? null, values.json === true, io);
    return await revoke(database, id ?? '', io);
  } finally {
    await database.close();
  }
}

async function create(database: Database, input: Parameters<typeof createApiKey>[1], json: boolean, io: CliIo): Promise<number> {
  let created;
  try {
    created = await createApiKey(database.db, input);
  } catch (err) {
    if (err instanceof AccountInputError) throw new UsageError(`--${err.message}`);
    throw err;
  }
  const { key, record } = created;
  if (json) {
    writeLine(io.stdout, JSON.stringify({ id: record.id, tenant: record.tenantId, key, admin: record.admin }));
  } else {
    writeLine(io.stdout, key);
    writeLine(io.stderr, `created ${record.id} for tenant ${record.tenantId}${record.admin ? ' (admin)' : ''}: the key above is shown only this once`);
  }
  return EXIT_OK;
}

async function list(database: Database, tenant: string | null, json: boolean, io: CliIo): Promise<number> {
  const keys = await listKeys(database.db, tenant);
  if (json) writeLine(io.stdout, JSON.stringify(keys.map(toJson), null, 2));
  else if (keys.length === 0) writeLine(io.stdout, 'no managed keys');
  else for (const k of keys) writeLine(io.stdout, describe(k));
  return EXIT_OK;
}

async function revoke(database: Database, id: string, io: CliIo): Promise<number> {
  const revoked = await revokeKey(database.db, id);
  if (!revoked) {
    writeLine(io.stderr, `quizforge keys: no key ${JSON.stringify(id)}`);
    return EXIT_FAILURE;
  }
  writeLine(io.stdout, `revoked ${revoked.id} (tenant ${revoked.tenantId}); API processes stop accepting it within ${KEY_CACHE_TTL_MS / 1000} s`);
  return EXIT_OK;
}
