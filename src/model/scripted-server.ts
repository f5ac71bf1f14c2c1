import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

/** What a chat completion request must look like for the scripted server to accept it. */
export const ChatCompletionRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })).min(1),
});

export type ChatCompletionRequestBody = z.infer<typeof ChatCompletionRequestSchema>;

type Timing = {
  /** Wait this long before answering (or before destroying the socket): triggers client timeouts. */
  delayMs?: number;
};

/** Token counts a reply reports; `cachedTokens` and `reasoningTokens` become the usage details OpenAI sends. */
export type ScriptedUsage = { promptTokens: number; completionTokens: number; cachedTokens?: number; reasoningTokens?: number };

export type ScriptedReply = Timing &
  (
    | {
        content: string;
        finishReason?: 'stop' | 'length' | 'content_filter';
        usage?: ScriptedUsage;
        model?: string;
      }
    | { refusal: string }
    | { toolCall: { name: string; arguments: string }; usage?: ScriptedUsage }
    | { status: number; error: { message: string; type?: string; code?: string }; headers?: Record<string, string> }
    | { destroySocket: true }
  );

export type ScriptedRequest = {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when it was not JSON. */
  body: unknown;
};

export type ScriptFn = (req: {
  body: ChatCompletionRequestBody;
  /** 1-based count of chat completion requests so far, to script "fail twice then succeed". */
  n: number;
  headers: Record<string, string>;
}) => ScriptedReply | Promise<ScriptedReply>;

/** An answer from an extra route (the Batch API sibling): JSON, or raw text such as a JSONL file. */
export type RouteReply = { status: number; json: unknown; headers?: Record<string, string> } | { status: number; text: string; contentType: string };

/** Extra routes tried before the 404 for anything but chat completions; null passes the request on. */
export type ExtraRoutes = (req: { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; text: string }) => Promise<RouteReply | null>;

export type ScriptedServer = {
  /** Base URL including `/v1`, ready for the SDK's `baseURL`. */
  url: string;
  /** Every request received, in arrival order, including rejected ones. */
  requests: ScriptedRequest[];
  close(): Promise<void>;
};

/**
 * A tiny OpenAI-compatible server on 127.0.0.1 whose answers are scripted, so tests and offline
 * fixture recording exercise the real SDK over real HTTP without a provider.
 */
export async function startScriptedServer(script: ScriptFn, opts: { routes?: ExtraRoutes } = {}): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  let n = 0;
  let seq = 0;
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) {
        sendJson(res, 500, { error: { message: `scripted server: ${errorText(err)}`, type: 'server_error' } });
      } else {
        res.destroy();
      }
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const headers = flattenHeaders(req);
    const url = new URL(req.url ?? '/', 'http://scripted');
    const path = url.pathname;
    const body = parseJson(text);
    requests.push({ method: req.method ?? 'GET', path, headers, body });
    const isChat = req.method === 'POST' && path === '/v1/chat/completions';
    const routed = isChat || !opts.routes ? null : await opts.routes({ method: req.method ?? 'GET', path, query: url.searchParams, headers, text });
    if (routed !== null) {
      if ('json' in routed) sendJson(res, routed.status, routed.json, routed.headers);
      else {
        res.writeHead(routed.status, { 'content-type': routed.contentType, 'content-length': Buffer.byteLength(routed.text) });
        res.end(routed.text);
      }
      return;
    }
    if (!isChat) {
      sendJson(res, 404, { error: { message: `no route for ${req.method} ${path}`, type: 'invalid_request_error' } });
      return;
    }
    const parsed = ChatCompletionRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      sendJson(res, 400, {
        error: {
          message: `invalid request at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
          type: 'invalid_request_error',
          code: null,
        },
      });
      return;
    }
    n += 1;
    const reply = await script({ body: parsed.data, n, headers });
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      const stillOpen = await waitUnlessClosed(res, reply.delayMs);
      if (!stillOpen) return;
    }
    seq += 1;
    sendReply(res, reply, parsed.data, seq);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function sendReply(res: ServerResponse, reply: ScriptedReply, body: ChatCompletionRequestBody, seq: number): void {
  if ('destroySocket' in reply) {
    res.socket?.destroy();
    return;
  }
  const r = replyResponse(reply, body, seq);
  sendJson(res, r.status, r.json, r.headers);
}

/**
 * What the server answers for a scripted reply (other than a destroyed socket): status, JSON body
 * and headers. The Batch API sibling writes the same bodies into its output files.
 */
export function replyResponse(
  reply: Exclude<ScriptedReply, { destroySocket: true }>,
  body: ChatCompletionRequestBody,
  seq: number,
): { status: number; json: unknown; headers: Record<string, string> } {
  if ('status' in reply) {
    const error = { message: reply.error.message, type: reply.error.type ?? 'error', param: null, code: reply.error.code ?? null };
    return { status: reply.status, json: { error }, headers: reply.headers ?? {} };
  }
  if ('toolCall' in reply) {
    return completionResponse(body, seq, {
      message: {
        role: 'assistant',
        content: null,
        refusal: null,
        tool_calls: [{ id: `call_scripted_${seq}`, type: 'function', function: reply.toolCall }],
      },
      finishReason: 'tool_calls',
      usage: reply.usage ?? { promptTokens: estimateTokens(JSON.stringify(body.messages)), completionTokens: estimateTokens(reply.toolCall.arguments) },
    });
  }
  const isRefusal = 'refusal' in reply;
  const content = isRefusal ? null : reply.content;
  const promptTokens = isRefusal || !reply.usage ? estimateTokens(JSON.stringify(body.messages)) : reply.usage.promptTokens;
  const completionTokens =
    isRefusal || !reply.usage ? estimateTokens(isRefusal ? reply.refusal : reply.content) : reply.usage.completionTokens;
  return completionResponse(body, seq, {
    message: { role: 'assistant', content, refusal: isRefusal ? reply.refusal : null },
    finishReason: isRefusal ? 'stop' : (reply.finishReason ?? 'stop'),
    usage: isRefusal || !reply.usage ? { promptTokens, completionTokens } : { ...reply.usage, promptTokens, completionTokens },
    model: (!isRefusal && reply.model) || body.model,
  });
}

function completionResponse(
  body: ChatCompletionRequestBody,
  seq: number,
  c: { message: Record<string, unknown>; finishReason: string; usage: ScriptedUsage; model?: string },
): { status: number; json: unknown; headers: Record<string, string> } {
  const { promptTokens, completionTokens, cachedTokens, reasoningTokens } = c.usage;
  const completion = {
    id: `chatcmpl-scripted-${seq}`,
    object: 'chat.completion',
    created: 1_700_000_000 + seq,
    model: c.model ?? body.model,
    choices: [{ index: 0, message: c.message, logprobs: null, finish_reason: c.finishReason }],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      ...(cachedTokens === undefined ? {} : { prompt_tokens_details: { cached_tokens: cachedTokens } }),
      ...(reasoningTokens === undefined ? {} : { completion_tokens_details: { reasoning_tokens: reasoningTokens } }),
    },
  };
  return { status: 200, json: completion, headers: { 'x-request-id': `req_scripted_${seq}` } };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Resolves false if the client gave up (e.g. its timeout fired) before the delay ended. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed && !res.socket?.destroyed);
    }, ms);
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    res.once('close', onClose);
  });
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
