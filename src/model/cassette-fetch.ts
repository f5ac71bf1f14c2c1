import { cassetteStoreFor } from './cassette-store.js';
import type { CassetteStore, ClosestMatch } from './cassette-store.js';
import {
  CASSETTE_VERSION,
  FIXTURE_META_HEADER,
  cassetteKey,
  canonicalJson,
  decodeFixtureMeta,
  normaliseRequest,
  replayBodyText,
  safeResponseHeaders,
  storedBody,
} from './cassettes.js';
import type { Cassette, NormalisedRequest } from './cassettes.js';

/** The shape of `fetch` the openai SDK accepts in its `fetch` client option. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Error `type`/`code` of the synthetic 404 a strict replay returns for an unrecorded request. */
export const FIXTURE_MISSING = 'fixture_missing';

export type CassetteFetchOptions = {
  mode: 'record' | 'replay';
  fixturesDir: string;
  /** The real fetch used in record mode; defaults to the global one. */
  baseFetch?: FetchLike;
  now?: () => Date;
};

type OutgoingRequest = {
  url: string;
  method: string;
  headers: Headers;
  bodyText: string;
  meta: unknown;
  init: RequestInit;
};

/** Separates the request from our meta header so the header can never reach a server or a key. */
async function readOutgoing(input: string | URL | Request, init: RequestInit | undefined): Promise<OutgoingRequest> {
  const request = new Request(input, init);
  const headers = new Headers(request.headers);
  const meta = decodeFixtureMeta(headers.get(FIXTURE_META_HEADER));
  headers.delete(FIXTURE_META_HEADER);
  const bodyText = request.body ? await request.text() : '';
  const signal = init?.signal ?? request.signal;
  const forwardInit: RequestInit = { ...init, method: request.method, headers, signal };
  if (bodyText !== '') forwardInit.body = bodyText;
  else delete forwardInit.body;
  return { url: request.url, method: request.method, headers, bodyText, meta, init: forwardInit };
}

/** Live mode still needs this: the meta header is ours and must not leak to a provider. */
export function createMetaStrippingFetch(baseFetch: FetchLike = globalThis.fetch): FetchLike {
  return async (input, init) => {
    const out = await readOutgoing(input, init);
    return baseFetch(out.url, out.init);
  };
}

/** A `fetch` that records exchanges to cassettes or strictly replays them, below the SDK's parsing. */
export function createCassetteFetch(options: CassetteFetchOptions): FetchLike {
  const store = cassetteStoreFor(options.fixturesDir);
  const baseFetch = options.baseFetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  return async (input, init) => {
    const out = await readOutgoing(input, init);
    out.init.signal?.throwIfAborted();
    const normalised = normaliseRequest(out.method, out.url, out.bodyText);
    const key = cassetteKey(normalised);
    if (options.mode === 'replay') return replay(store, normalised, key, out.meta);
    return record(store, baseFetch, out, normalised, key, now);
  };
}

async function replay(store: CassetteStore, req: NormalisedRequest, key: string, meta: unknown): Promise<Response> {
  const cassette = await store.get(key);
  if (cassette && canonicalJson(cassette.request) === canonicalJson(req)) {
    return new Response(replayBodyText(cassette), {
      status: cassette.response.status,
      headers: cassette.response.headers,
    });
  }
  const message = missMessage(req, key, meta, store.dir, await store.closest(req));
  return new Response(JSON.stringify({ error: { message, type: FIXTURE_MISSING, code: FIXTURE_MISSING } }), {
    status: 404,
    headers: { 'content-type': 'application/json', 'x-should-retry': 'false' },
  });
}

/** Only successful answers are recorded: a replayed 5xx would turn a transient blip into a permanent one. */
async function record(
  store: CassetteStore,
  baseFetch: FetchLike,
  out: OutgoingRequest,
  req: NormalisedRequest,
  key: string,
  now: () => Date,
): Promise<Response> {
  const live = await baseFetch(out.url, out.init);
  const text = await live.text();
  if (live.ok) {
    const cassette: Cassette = {
      version: CASSETTE_VERSION,
      key,
      recordedAt: now().toISOString(),
      request: req,
      response: {
        status: live.status,
        headers: safeResponseHeaders(live.headers),
        body: storedBody(live.headers.get('content-type'), text),
      },
      meta: out.meta,
    };
    await store.put(cassette);
  }
  const headers = new Headers(live.headers);
  // The body is already decoded text now; stale length/encoding headers would mislead the reader.
  for (const h of ['content-encoding', 'content-length', 'transfer-encoding']) headers.delete(h);
  return new Response(text, { status: live.status, statusText: live.statusText, headers });
}

function missMessage(
  req: NormalisedRequest,
  key: string,
  meta: unknown,
  dir: string,
  closest: ClosestMatch | undefined,
): string {
  const parts = [`No recorded fixture for ${req.method} ${req.path} (key ${key}) in ${dir}.`];
  if (meta !== null) parts.push(`Request meta: ${brief(meta)}.`);
  if (closest) {
    const c = closest.cassette;
    const diff = closest.differingFields.length > 0 ? closest.differingFields.join(', ') : 'nothing top-level';
    parts.push(
      `Closest recorded: key ${c.key} (similarity ${closest.similarity}, differs in: ${diff}), meta ${brief(c.meta)}.`,
    );
  } else {
    parts.push('No cassettes are recorded there.');
  }
  parts.push('Record it with QUIZFORGE_MODEL_MODE=record.');
  return parts.join(' ');
}

function brief(value: unknown, max = 240): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
