import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Request header carrying caller metadata for a cassette; stripped before the network, never part of the key. */
export const FIXTURE_META_HEADER = 'x-quizforge-fixture-meta';
export const CASSETTE_VERSION = 1;
export const KEY_HEX_LENGTH = 20;

const KEY_PATTERN = new RegExp(`^[0-9a-f]{${KEY_HEX_LENGTH}}$`);
const FILE_PATTERN = new RegExp(`^([0-9a-f]{${KEY_HEX_LENGTH}})\\.json$`);

/** Only these response headers are kept: enough for the SDK to parse and classify, nothing secret. */
export const SAFE_RESPONSE_HEADERS = [
  'content-type',
  'retry-after',
  'retry-after-ms',
  'x-request-id',
  'openai-processing-ms',
] as const;

/** The parts of a request that decide which answer it gets. */
export type NormalisedRequest = { method: string; path: string; body: unknown };

const CassetteSchema = z.object({
  version: z.literal(CASSETTE_VERSION),
  key: z.string().regex(KEY_PATTERN, 'key must be lowercase hex'),
  recordedAt: z.iso.datetime({ offset: true }),
  request: z.object({
    method: z.string().min(1),
    path: z.string().startsWith('/'),
    body: z.unknown(),
  }),
  response: z.object({
    status: z.number().int().min(200).max(599),
    headers: z.record(z.string(), z.string()),
    body: z.unknown(),
  }),
  meta: z.unknown(),
});

export type Cassette = {
  version: typeof CASSETTE_VERSION;
  key: string;
  recordedAt: string;
  request: NormalisedRequest;
  response: { status: number; headers: Record<string, string>; body: unknown };
  meta: unknown;
};

/** Sorted-key JSON so that two bodies differing only in key order hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v: unknown = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Reduces an HTTP request to what decides its answer: method, path without host, body with sorted keys. */
export function normaliseRequest(method: string, url: string, bodyText: string): NormalisedRequest {
  const parsed = new URL(url);
  return { method: method.toUpperCase(), path: parsed.pathname + parsed.search, body: sortKeys(parseBody(bodyText)) };
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Stable name of an exchange: the same request always finds the same cassette, whatever the host. */
export function cassetteKey(req: NormalisedRequest): string {
  const material = `${req.method}\n${req.path}\n${canonicalJson(req.body)}`;
  return createHash('sha256').update(material).digest('hex').slice(0, KEY_HEX_LENGTH);
}

/** Header value for the meta header: JSON with non-ASCII escaped, since header values must be ByteStrings. */
export function encodeFixtureMeta(meta: unknown): string {
  return (JSON.stringify(meta) ?? 'null').replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Reads the meta header back; a value that is not JSON is kept as text rather than lost. */
export function decodeFixtureMeta(value: string | null): unknown {
  if (value === null) return null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return { unparsed: value };
  }
}

/** Keeps the allow-listed response headers only, so no cookie or token ever lands in a fixture. */
export function safeResponseHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of SAFE_RESPONSE_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

/** Body as stored: parsed JSON when the server said JSON, raw text otherwise. */
export function storedBody(contentType: string | null, text: string): unknown {
  if (isJsonContentType(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** Inverse of `storedBody`, so replay feeds the SDK the same bytes it parsed when recording. */
export function replayBodyText(cassette: Cassette): string {
  const body = cassette.response.body;
  if (typeof body === 'string' && !isJsonContentType(cassette.response.headers['content-type'] ?? null)) {
    return body;
  }
  return JSON.stringify(body) ?? 'null';
}

function isJsonContentType(contentType: string | null): boolean {
  const media = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return media.includes('application/json') || media.endsWith('+json');
}

/** Validates one cassette file's content, including that its key still matches its request. */
export function parseCassette(text: string, fileName?: string): Cassette {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch (err) {
    throw new Error(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const result = CassetteSchema.safeParse(json);
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.join('.') || '(root)';
    throw new Error(`invalid cassette at ${where}: ${first?.message ?? 'unknown problem'}`);
  }
  const c = result.data;
  const request: NormalisedRequest = { method: c.request.method, path: c.request.path, body: c.request.body };
  const expected = cassetteKey(request);
  if (c.key !== expected) {
    throw new Error(`key ${c.key} does not match its request (expected ${expected}); re-record it`);
  }
  if (fileName !== undefined && fileName !== `${c.key}.json`) {
    throw new Error(`file name should be ${c.key}.json`);
  }
  return { ...c, request, response: { ...c.response, body: c.response.body }, meta: c.meta ?? null };
}

export type CassetteProblem = { file: string; reason: string };
export type LoadedCassettes = { cassettes: Cassette[]; problems: CassetteProblem[] };

/** Reads every `<key>.json` in a directory; a missing directory simply holds no cassettes. */
export async function loadCassettes(dir: string): Promise<LoadedCassettes> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrnoCode(err, 'ENOENT')) return { cassettes: [], problems: [] };
    throw err;
  }
  const files = names.filter((n) => FILE_PATTERN.test(n)).sort();
  const results = await Promise.all(
    files.map(async (file): Promise<{ cassette: Cassette } | { problem: CassetteProblem }> => {
      try {
        return { cassette: parseCassette(await readFile(path.join(dir, file), 'utf8'), file) };
      } catch (err) {
        return { problem: { file, reason: err instanceof Error ? err.message : String(err) } };
      }
    }),
  );
  const cassettes: Cassette[] = [];
  const problems: CassetteProblem[] = [];
  for (const r of results) {
    if ('cassette' in r) cassettes.push(r.cassette);
    else problems.push(r.problem);
  }
  return { cassettes, problems };
}

/** Writes tmp + rename so a concurrent reader never sees half a cassette. */
export async function writeCassette(dir: string, cassette: Cassette): Promise<string> {
  await mkdir(dir, { recursive: true });
  const finalPath = path.join(dir, `${cassette.key}.json`);
  const tmpPath = path.join(dir, `.${cassette.key}.${process.pid}.${randomUUID()}.tmp`);
  try {
    await writeFile(tmpPath, `${JSON.stringify(cassette, null, 2)}\n`, 'utf8');
    await rename(tmpPath, finalPath);
  } catch (err) {
    await rm(tmpPath, { force: true });
    throw err;
  }
  return finalPath;
}

function isErrnoCode(err: unknown, code: string): boolean {
  return err instanceof Error && 'code' in err && err.code === code;
}
