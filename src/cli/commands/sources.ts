import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parseArgs } from 'node:util';
import { apiOptionsFromEnv, apiRequest } from '../api-client.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge sources add FILE [--title TEXT]
       quizforge sources list
       quizforge sources show ID

add   uploads a PDF, DOCX, HTML, Markdown or text file (up to 20 MiB) and prints the source with
      its sections; the same file twice gives the same source. Quiz on it with
      'quizforge submit --source ID --count N'.

Talks to QUIZFORGE_URL (default http://127.0.0.1:3000) with QUIZFORGE_API_KEY.
Exit codes: 0 ok, 1 refused or failed, 2 usage error.`;

const MEDIA_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.md': 'text/markdown',
  '.markdown': 'text/markdown',
  '.txt': 'text/plain',
};

/** `quizforge sources`: thin over `POST/GET /v1/sources`. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, title: { type: 'string' } },
  });
  const [action, arg] = positionals;
  if (values.help || action === undefined) {
    writeLine(values.help ? io.stdout : io.stderr, USAGE);
    return values.help ? EXIT_OK : EXIT_USAGE;
  }
  const api = apiOptionsFromEnv(io.env);
  let res;
  if (action === 'add') {
    if (arg === undefined) throw new UsageError('sources add needs a FILE');
    let bytes: Buffer;
    try {
      bytes = await readFile(arg);
    } catch (err) {
      throw new UsageError(`cannot read ${arg}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(bytes)], { type: MEDIA_TYPES[extname(arg).toLowerCase()] ?? 'application/octet-stream' }), basename(arg));
    if (values.title) form.append('title', values.title);
    res = await apiRequest(api, 'POST', '/v1/sources', form);
  } else if (action === 'list') {
    res = await apiRequest(api, 'GET', '/v1/sources');
  } else if (action === 'show') {
    if (arg === undefined) throw new UsageError('sources show needs an ID');
    res = await apiRequest(api, 'GET', `/v1/sources/${encodeURIComponent(arg)}`);
  } else {
    throw new UsageError(`unknown sources action ${JSON.stringify(action)}; use add, list or show`);
  }
  if (!res.ok) {
    writeLine(io.stderr, res.message);
    return EXIT_FAILURE;
  }
  writeLine(io.stdout, JSON.stringify(res.body, null, 2));
  return EXIT_OK;
}
