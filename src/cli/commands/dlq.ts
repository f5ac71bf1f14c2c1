import { parseArgs } from 'node:util';
import { apiOptionsFromEnv, apiRequest } from '../api-client.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, intOption, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge dlq <list|show ID|replay ID|discard ID> [options]

  list [--limit N] [--cursor C] [--json]   dead jobs, newest first
  show ID                                  one dead job with its full model transcript (JSON)
  replay ID [--max-attempts N]             give the job fresh attempts (admin key)
  discard ID                               drop the job for good (admin key)

Talks to QUIZFORGE_URL (default http://127.0.0.1:3000) with QUIZFORGE_API_KEY.
Exit codes: 0 success, 1 failure (e.g. not found), 2 usage error.`;

interface DlqItem {
  id: number;
  batchId: string | null;
  kind: string;
  reason: string | null;
  attempts: number;
  diedAt: string | null;
  lastError: { message?: string } | null;
}

/** The operator's DLQ tools, over the HTTP API so they work against any deployment. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean' },
      'max-attempts': { type: 'string' },
    },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [sub, id, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const api = apiOptionsFromEnv(io.env);
  const needId = () => {
    if (!id || !/^\d+$/.test(id)) throw new UsageError(`dlq ${sub} needs a numeric job ID`);
    return id;
  };
  switch (sub) {
    case 'list': {
      const q = new URLSearchParams();
      if (values.limit) q.set('limit', values.limit);
      if (values.cursor) q.set('cursor', values.cursor);
      const res = await apiRequest(api, 'GET', `/v1/dlq${q.size ? `?${q}` : ''}`);
      if (!res.ok) return fail(io, res.message);
      if (values.json) {
        writeLine(io.stdout, JSON.stringify(res.body, null, 2));
        return EXIT_OK;
      }
      const { items, nextCursor } = res.body as { items: DlqItem[]; nextCursor: string | null };
      if (items.length === 0) writeLine(io.stdout, 'the dead-letter queue is empty');
      for (const it of items) {
        writeLine(
          io.stdout,
          `${String(it.id).padEnd(8)} ${it.kind.padEnd(10)} ${(it.reason ?? '').padEnd(12)} attempts=${it.attempts} batch=${it.batchId ?? '-'} ${it.diedAt ?? ''}\n         ${it.lastError?.message ?? ''}`,
        );
      }
      if (nextCursor) writeLine(io.stdout, `more: quizforge dlq list --cursor ${nextCursor}`);
      return EXIT_OK;
    }
    case 'show': {
      const res = await apiRequest(api, 'GET', `/v1/dlq/${needId()}`);
      if (!res.ok) return fail(io, res.message);
      writeLine(io.stdout, JSON.stringify(res.body, null, 2));
      return EXIT_OK;
    }
    case 'replay': {
      const jobId = needId();
      const body: Record<string, unknown> = {};
      if (values['max-attempts']) {
        body.maxAttempts = intOption('--max-attempts', values['max-attempts']);
      }
      const res = await apiRequest(api, 'POST', `/v1/dlq/${jobId}/replay`, body);
      if (!res.ok) return fail(io, res.message);
      writeLine(io.stdout, `job ${jobId} replayed`);
      return EXIT_OK;
    }
    case 'discard': {
      const jobId = needId();
      const res = await apiRequest(api, 'POST', `/v1/dlq/${jobId}/discard`);
      if (!res.ok) return fail(io, res.message);
      writeLine(io.stdout, `job ${jobId} discarded`);
      return EXIT_OK;
    }
    case undefined:
      throw new UsageError('missing subcommand: list, show, replay or discard');
    default:
      throw new UsageError(`unknown subcommand '${sub}'`);
  }
}

function fail(io: CliIo, message: string): number {
  writeLine(io.stderr, message);
  return EXIT_FAILURE;
}
