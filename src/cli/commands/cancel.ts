import { parseArgs } from 'node:util';
import { apiOptionsFromEnv, apiRequest } from '../api-client.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge cancel ID [--json]

Cancels a batch on a running service: its waiting and queued jobs are cancelled, running ones
are aborted (the in-flight model call too). Cancelling again is harmless; a batch that already
succeeded cannot be cancelled (exit 1).

Talks to QUIZFORGE_URL (default http://127.0.0.1:3000) with QUIZFORGE_API_KEY.
Exit codes: 0 cancelled, 1 failure (unknown batch, already succeeded, unreachable), 2 usage error.`;

/** `quizforge cancel ID`: POST /v1/batches/:id/cancel. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [id, ...extra] = positionals;
  if (!id) throw new UsageError('cancel needs a batch ID');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const res = await apiRequest(apiOptionsFromEnv(io.env), 'POST', `/v1/batches/${encodeURIComponent(id)}/cancel`);
  if (!res.ok) {
    writeLine(io.stderr, res.message);
    return EXIT_FAILURE;
  }
  if (values.json) writeLine(io.stdout, JSON.stringify(res.body, null, 2));
  else {
    const jobs = (res.body as { jobs?: unknown[] } | null)?.jobs?.length ?? 0;
    writeLine(io.stdout, `batch ${id} cancelled (${jobs} jobs)`);
  }
  return EXIT_OK;
}
