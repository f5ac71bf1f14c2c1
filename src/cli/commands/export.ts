import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXPORT_FORMATS } from '../../../schemas/export.js';
import { apiDownload, apiOptionsFromEnv } from '../api-client.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge export ID --format F [-o FILE]

  --format F    one of ${EXPORT_FORMATS.join(', ')}
  -o FILE       write the file there (default: standard output)

Exports a succeeded batch from a running service (QUIZFORGE_URL, default http://127.0.0.1:3000,
with QUIZFORGE_API_KEY). Exit codes: 0 success, 1 failure (e.g. batch not succeeded), 2 usage error.`;

/** Downloads one export over the HTTP API, so it works against any deployment. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: { help: { type: 'boolean', short: 'h' }, format: { type: 'string', short: 'f' }, output: { type: 'string', short: 'o' } },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [id, ...extra] = positionals;
  if (!id) throw new UsageError('export needs a batch ID');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  const format = values.format;
  if (!format || !(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of: ${EXPORT_FORMATS.join(', ')}`);
  }
  const res = await apiDownload(apiOptionsFromEnv(io.env), `/v1/batches/${encodeURIComponent(id)}/export?format=${format}`);
  if (!res.ok) {
    writeLine(io.stderr, `quizforge export: ${res.message}`);
    return EXIT_FAILURE;
  }
  if (values.output === undefined) {
    io.stdout.write(res.bytes);
    return EXIT_OK;
  }
  await writeFile(values.output, res.bytes);
  writeLine(io.stderr, `wrote ${values.output} (${res.bytes.length} bytes, ${res.headers.get('content-type') ?? 'unknown type'})`);
  return EXIT_OK;
}
