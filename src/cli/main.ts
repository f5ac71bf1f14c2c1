import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, processIo, writeLine, type CliIo } from './io.js';

type Command = (argv: string[], io: CliIo) => Promise<number>;

/** Commands load lazily, so `quizforge validate` never opens a database or the SDK. */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  serve: { summary: 'run the API, pages and (unless --no-workers) workers', load: async () => (await import('./commands/serve.js')).run },
  worker: { summary: 'run job workers in this process', load: async () => (await import('./commands/worker.js')).run },
  migrate: { summary: 'apply database migrations', load: async () => (await import('./commands/migrate.js')).run },
  submit: { summary: 'submit a quiz batch to a running service', load: async () => (await import('./commands/submit.js')).run },
  export: { summary: 'download a succeeded batch as GIFT, Moodle XML, QTI, CSV, Aiken, Markdown or JSON', load: async () => (await import('./commands/export.js')).run },
  cancel: { summary: 'cancel a batch on a running service', load: async () => (await import('./commands/cancel.js')).run },
  sources: { summary: 'add a document to quiz on, list or show sources', load: async () => (await import('./commands/sources.js')).run },
  keys: { summary: 'create, list or revoke managed API keys (one tenant each)', load: async () => (await import('./commands/keys.js')).run },
  dlq: { summary: 'list, show, replay or discard dead jobs', load: async () => (await import('./commands/dlq.js')).run },
  validate: {
    summary: 'validate one raw model output like the pipeline does',
    load: async () => {
      const m = await import('./commands/validate.js');
      return (argv, io) => m.run(argv, io);
    },
  },
  doctor: { summary: 'check config, database, workers and the model endpoint', load: async () => (await import('./commands/doctor.js')).run },
  fixtures: {
    summary: 'list recorded model fixtures, or check them against current prompts',
    load: async () => (await import('./commands/fixtures-entry.js')).run,
  },
};

const USAGE = `Usage: quizforge <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run 'quizforge <command> --help' for a command's options.
Exit codes: 0 success, 1 failure, 2 usage error.`;

/** Dispatches to a command and turns every escape into an exit code: the CLI never dies with a stack trace. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, USAGE);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = COMMANDS[name];
  if (!command) {
    writeLine(io.stderr, `quizforge: unknown command '${name}'\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  try {
    const fn = await command.load();
    return await fn(rest, io);
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      writeLine(io.stderr, `quizforge ${name}: ${(err as Error).message}\nRun 'quizforge ${name} --help'.`);
      return EXIT_USAGE;
    }
    const msg = err instanceof Error ? err.message : String(err);
    writeLine(io.stderr, `quizforge ${name}: ${msg}`);
    return EXIT_FAILURE;
  }
}

function isParseArgsError(err: unknown): boolean {
  return (
    err instanceof Error &&
    'code' in err &&
    typeof err.code === 'string' &&
    err.code.startsWith('ERR_PARSE_ARGS')
  );
}
