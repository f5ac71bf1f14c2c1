import { parseArgs } from 'node:util';
import { EventSource } from 'eventsource';
import { apiOptionsFromEnv, apiRequest, authHeaders, type ApiClientOptions } from '../api-client.js';
import { EXIT_FAILURE, EXIT_OK, UsageError, intOption, writeLine, type CliIo } from '../io.js';

const USAGE = `Usage: quizforge submit (--topic TEXT | --source ID) --count N [options]

Options:
  --topic TEXT            what the quiz is about (required without --source)
  --source ID             a source from 'quizforge sources add FILE': quiz on it, with evidence
  --type T                single | multiple | true_false (default single)
  --count N               number of questions, 1-50 (required)
  --difficulty LEVEL      easy | medium | hard (default medium)
  --options K             options per question, 2-6 (default 4)
  --audience TEXT         who the quiz is for
  --language CODE         language of the quiz (default en)
  --model NAME            model to ask (default: the service's QUIZFORGE_MODEL)
  --max-attempts N        model calls per chunk before giving up, 1-10 (default 3)
  --priority P            standard | economy (default standard); economy sends the first calls
                          through the provider's Batch API: cheaper, answered within 24 h
  --idempotency-key KEY   repeat-safe submission key
  --wait                  follow progress live, then print the questions
  --timeout SECONDS       with --wait: give up after this long (default 600)

Talks to QUIZFORGE_URL (default http://127.0.0.1:3000) with QUIZFORGE_API_KEY.
Exit codes: 0 accepted (or, with --wait, succeeded), 1 failed, 2 usage error.`;

interface BatchBody {
  id: string;
  status: string;
  jobs?: Array<{ state: string }>;
  questions?: unknown;
}

/** Submits a batch; with --wait follows the SSE stream and prints the questions at the end. */
export async function run(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      topic: { type: 'string' },
      source: { type: 'string' },
      type: { type: 'string' },
      count: { type: 'string' },
      difficulty: { type: 'string' },
      options: { type: 'string' },
      audience: { type: 'string' },
      language: { type: 'string' },
      model: { type: 'string' },
      'max-attempts': { type: 'string' },
      priority: { type: 'string' },
      'idempotency-key': { type: 'string' },
      wait: { type: 'boolean' },
      timeout: { type: 'string' },
    },
  });
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (!values.topic && !values.source) throw new UsageError('--topic or --source is required');
  if (!values.count) throw new UsageError('--count is required');
  const body: Record<string, unknown> = { count: intOption('--count', values.count) };
  if (values.topic) body.topic = values.topic;
  if (values.source) body.sourceId = values.source;
  if (values.type) body.type = values.type;
  if (values.difficulty) body.difficulty = values.difficulty;
  if (values.options) body.options = intOption('--options', values.options);
  if (values.audience) body.audience = values.audience;
  if (values.language) body.language = values.language;
  if (values.model) body.model = values.model;
  if (values['max-attempts']) body.maxAttempts = intOption('--max-attempts', values['max-attempts']);
  if (values.priority) body.priority = values.priority;
  const timeoutMs = values.timeout ? intOption('--timeout', values.timeout) * 1000 : 600_000;

  const api = apiOptionsFromEnv(io.env);
  const headers: Record<string, string> = values['idempotency-key'] ? { 'idempotency-key': values['idempotency-key'] } : {};
  const res = await apiRequest(api, 'POST', '/v1/batches', body, headers);
  if (!res.ok) {
    writeLine(io.stderr, res.message);
    // A 4xx is the caller's input: report it as a usage-class failure only for validation errors.
    return EXIT_FAILURE;
  }
  const batch = res.body as BatchBody;
  if (!values.wait) {
    writeLine(io.stdout, JSON.stringify(batch, null, 2));
    return EXIT_OK;
  }
  writeLine(io.stderr, `batch ${batch.id} accepted; following progress…`);
  return follow(api, batch.id, io, timeoutMs);
}

/** Follows /v1/batches/:id/events; each event refreshes the batch so the bar shows durable state. */
async function follow(api: ApiClientOptions, id: string, io: CliIo, timeoutMs: number): Promise<number> {
  const path = `/v1/batches/${encodeURIComponent(id)}`;
  return new Promise<number>((resolve) => {
    let done = false;
    let refreshing = false;
    let again = false;
    const es = new EventSource(`${api.baseUrl}${path}/events`, {
      fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers ?? {}), ...authHeaders(api) } }),
    });
    const timer = setTimeout(() => finish(EXIT_FAILURE, `timed out after ${timeoutMs / 1000}s; the batch keeps running`), timeoutMs);
    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      es.close();
      io.stderr.write('\n');
      if (message) writeLine(io.stderr, message);
      resolve(code);
    };
    const refresh = async () => {
      if (refreshing) {
        again = true;
        return;
      }
      refreshing = true;
      try {
        do {
          again = false;
          const r = await apiRequest(api, 'GET', path);
          if (done) return;
          // A network error or a 5xx while the service restarts is not the batch's outcome: the
          // stream reconnects on its own and --timeout bounds the whole wait.
          if (!r.ok && (r.status === 0 || r.status >= 500)) return;
          if (!r.ok) return finish(EXIT_FAILURE, r.message);
          const b = r.body as BatchBody;
          const jobs = b.jobs ?? [];
          const finished = jobs.filter((j) => j.state === 'succeeded').length;
          io.stderr.write(`\r${bar(finished, jobs.length)} ${finished}/${jobs.length} jobs  ${b.status.padEnd(9)}`);
          if (b.status === 'succeeded') {
            writeLine(io.stdout, JSON.stringify({ id: b.id, questions: b.questions }, null, 2));
            return finish(EXIT_OK);
          }
          if (b.status === 'failed') {
            return finish(EXIT_FAILURE, `batch ${b.id} failed: see 'quizforge dlq list'`);
          }
          if (b.status === 'cancelled') return finish(EXIT_FAILURE, `batch ${b.id} was cancelled`);
        } while (again && !done);
      } finally {
        refreshing = false;
      }
    };
    es.onmessage = () => void refresh();
    for (const type of ['job.started', 'job.succeeded', 'job.dead', 'job.retry_scheduled', 'batch.succeeded', 'batch.failed', 'batch.cancelled', 'job.replayed']) {
      es.addEventListener(type, () => {
        // eventsource 4 can still dispatch events it had buffered after close(): ignore them.
        if (es.readyState !== es.CLOSED) void refresh();
      });
    }
    es.onopen = () => void refresh();
    es.onerror = () => {
      // The client reconnects on its own with Last-Event-ID; a refresh keeps the bar honest meanwhile.
      // CLOSED means it gave up for good (an HTTP error answer, not a network error).
      if (done) return;
      if (es.readyState === es.CLOSED) return finish(EXIT_FAILURE, `the event stream of batch ${id} was refused`);
      void refresh();
    };
  });
}

function bar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}
