/**
 * The scripted OpenAI-compatible server with the documented Batch API beside chat completions:
 * `POST /v1/files` (multipart upload, purpose `batch`), `GET /v1/files/{id}/content`,
 * `POST /v1/batches`, `GET /v1/batches` (list, newest first), `GET /v1/batches/{id}` and
 * `POST /v1/batches/{id}/cancel`. Each provider batch is scripted to complete, fail (status
 * `failed` with `errors`), expire (only the first lines answered, the rest `batch_expired` in the
 * error file), or the server has no Batch API at all (404, as a plain chat server answers).
 * Every line is answered by the same `script` as live calls, so a test scripts the model once.
 */
import { ChatCompletionRequestSchema, replyResponse, startScriptedServer, type RouteReply, type ScriptFn, type ScriptedServer } from './scripted-server.js';

export type BatchOutcome = 'complete' | 'fail' | 'expire' | 'missing';

export interface ScriptedBatchOptions {
  /** How each provider batch ends, by its 1-based creation number (`missing`: the file and batch routes answer 404, no Batch API). Default `complete`. */
  outcome?: BatchOutcome | ((n: number) => BatchOutcome);
  /** Retrieves answered `in_progress` before the batch ends. Default 1. */
  pollsBeforeDone?: number;
  /** For `expire`: how many lines, in input order, were answered before the window closed. Default 1. */
  expiredAfter?: number;
  /** Delay the create's answer (after the batch exists): a client timeout then leaves an unrecorded batch. */
  createDelayMs?: (n: number) => number;
  /** Refuse the n-th create request (1-based) with this error instead of creating a batch. */
  createError?: (n: number) => { status: number; message: string } | null;
}

export interface StoredBatch {
  id: string;
  status: string;
  inputFileId: string;
  outputFileId: string | null;
  errorFileId: string | null;
  metadata: Record<string, string>;
  outcome: BatchOutcome;
  polls: number;
  lines: number;
  completed: number;
  failed: number;
  createdAt: number;
}

export type ScriptedBatchServer = ScriptedServer & {
  /** Provider batches in creation order. */
  batches: StoredBatch[];
  /** Uploaded and generated files by id. */
  files: Map<string, string>;
};

const notFound = (message: string): RouteReply => ({ status: 404, json: { error: { message, type: 'invalid_request_error', param: null, code: null } } });

/** Starts the scripted server with its Batch API; `script` answers live calls and batch lines alike. */
export async function startScriptedBatchServer(script: ScriptFn, opts: ScriptedBatchOptions = {}): Promise<ScriptedBatchServer> {
  const batches: StoredBatch[] = [];
  const files = new Map<string, string>();
  let lineN = 0;
  let creates = 0;
  const outcomeOf = (n: number): BatchOutcome => (typeof opts.outcome === 'function' ? opts.outcome(n) : (opts.outcome ?? 'complete'));
  const nextOutcome = (): BatchOutcome => outcomeOf(batches.length + 1);

  const addFile = (text: string): string => {
    const id = `file-scripted-${files.size + 1}`;
    files.set(id, text);
    return id;
  };

  const batchJson = (b: StoredBatch): unknown => ({
    id: b.id,
    object: 'batch',
    endpoint: '/v1/chat/completions',
    errors: b.status === 'failed' ? { object: 'list', data: [{ code: 'invalid_request', message: 'scripted: the input file was rejected', param: null, line: 1 }] } : null,
    input_file_id: b.inputFileId,
    completion_window: '24h',
    status: b.status,
    output_file_id: b.outputFileId,
    error_file_id: b.errorFileId,
    created_at: b.createdAt,
    request_counts: { total: b.lines, completed: b.completed, failed: b.failed },
    metadata: b.metadata,
  });

  /** Runs the batch to its scripted end: answers its lines through `script` and writes the files. */
  const finish = async (b: StoredBatch): Promise<void> => {
    if (b.outcome === 'fail') {
      b.status = 'failed';
      return;
    }
    const input = (files.get(b.inputFileId) ?? '').split('\n').filter((l) => l.trim() !== '');
    const out: string[] = [];
    const errors: string[] = [];
    for (const [i, raw] of input.entries()) {
      const line = JSON.parse(raw) as { custom_id: string; body: unknown };
      const id = `batch_req_${b.id}_${i + 1}`;
      if (b.outcome === 'expire' && i >= (opts.expiredAfter ?? 1)) {
        errors.push(JSON.stringify({ id, custom_id: line.custom_id, response: null, error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' } }));
        continue;
      }
      const body = ChatCompletionRequestSchema.parse(line.body);
      lineN += 1;
      const reply = await script({ body, n: lineN, headers: { 'x-scripted-via': 'batch' } });
      const r = 'destroySocket' in reply ? { status: 500, json: { error: { message: 'scripted: line failed' } }, headers: {} } : replyResponse(reply, body, 10_000 + lineN);
      const response = { status_code: r.status, request_id: `req_${id}`, body: r.json };
      (r.status === 200 ? out : errors).push(JSON.stringify({ id, custom_id: line.custom_id, response, error: null }));
    }
    b.completed = out.length;
    b.failed = errors.length;
    b.outputFileId = out.length > 0 ? addFile(`${out.join('\n')}\n`) : null;
    b.errorFileId = errors.length > 0 ? addFile(`${errors.join('\n')}\n`) : null;
    b.status = b.outcome === 'expire' ? 'expired' : 'completed';
  };

  const routes = async (req: { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; text: string }): Promise<RouteReply | null> => {
    if (nextOutcome() === 'missing' && (req.path.startsWith('/v1/files') || req.path.startsWith('/v1/batches'))) return notFound(`no route for ${req.method} ${req.path}`);
    if (req.method === 'POST' && req.path === '/v1/files') {
      const text = multipartFile(req.headers['content-type'] ?? '', req.text);
      if (text === null) return { status: 400, json: { error: { message: 'scripted: no file part in the upload', type: 'invalid_request_error' } } };
      const id = addFile(text);
      return { status: 200, json: { id, object: 'file', bytes: Buffer.byteLength(text), created_at: 1_700_000_000, filename: 'input.jsonl', purpose: 'batch', status: 'processed' } };
    }
    const content = /^\/v1\/files\/([^/]+)\/content$/.exec(req.path);
    if (req.method === 'GET' && content?.[1] !== undefined) {
      const text = files.get(content[1]);
      return text === undefined ? notFound(`no file ${content[1]}`) : { status: 200, text, contentType: 'application/octet-stream' };
    }
    if (req.method === 'POST' && req.path === '/v1/batches') {
      const refused = opts.createError?.(++creates) ?? null;
      if (refused !== null) return { status: refused.status, json: { error: { message: refused.message, type: 'invalid_request_error', param: null, code: null } } };
      const body = JSON.parse(req.text) as { input_file_id?: string; metadata?: Record<string, string> };
      if (body.input_file_id === undefined || !files.has(body.input_file_id)) return notFound(`no file ${String(body.input_file_id)}`);
      const lines = (files.get(body.input_file_id) ?? '').split('\n').filter((l) => l.trim() !== '').length;
      const b: StoredBatch = {
        id: `batch_scripted_${batches.length + 1}`,
        status: 'validating',
        inputFileId: body.input_file_id,
        outputFileId: null,
        errorFileId: null,
        metadata: body.metadata ?? {},
        outcome: nextOutcome(),
        polls: 0,
        lines,
        completed: 0,
        failed: 0,
        createdAt: 1_700_000_000 + batches.length,
      };
      batches.push(b);
      const delay = opts.createDelayMs?.(batches.length) ?? 0;
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      return { status: 200, json: batchJson(b) };
    }
    if (req.method === 'GET' && req.path === '/v1/batches') {
      const data = [...batches].reverse().map(batchJson);
      return { status: 200, json: { object: 'list', data, first_id: batches.at(-1)?.id ?? null, last_id: batches[0]?.id ?? null, has_more: false } };
    }
    const one = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(req.path);
    const b = one?.[1] === undefined ? undefined : batches.find((x) => x.id === one[1]);
    if (one !== null && b === undefined) return notFound(`no batch ${String(one[1])}`);
    if (b !== undefined && req.method === 'POST' && one?.[2] !== undefined) {
      if (!['completed', 'failed', 'expired'].includes(b.status)) b.status = 'cancelled';
      return { status: 200, json: batchJson(b) };
    }
    if (b !== undefined && req.method === 'GET') {
      if (b.status === 'validating' || b.status === 'in_progress') {
        b.polls += 1;
        if (b.polls > (opts.pollsBeforeDone ?? 1)) await finish(b);
        else b.status = 'in_progress';
      }
      return { status: 200, json: batchJson(b) };
    }
    return null;
  };

  const server = await startScriptedServer(script, { routes });
  return Object.assign(server, { batches, files });
}

/** The content of the `file` part of a multipart/form-data body, or null. */
function multipartFile(contentType: string, body: string): string | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const b = boundary?.[1] ?? boundary?.[2];
  if (b === undefined) return null;
  for (const part of body.split(`--${b}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) continue;
    const head = part.slice(0, split);
    if (!/name="file"/.test(head)) continue;
    return part.slice(split + 4).replace(/\r\n$/, '');
  }
  return null;
}
