import path from 'node:path';
import { canonicalJson, loadCassettes, writeCassette } from './cassettes.js';
import type { Cassette, NormalisedRequest } from './cassettes.js';

/** The recorded request most like a missed one, to tell a human what drifted. */
export type ClosestMatch = { cassette: Cassette; similarity: number; differingFields: string[] };

/**
 * In-process index of one fixtures directory. Loaded once, lazily; a miss reloads from disk once
 * (another process may have recorded since) and in-process recordings are merged in, never dropped.
 */
export class CassetteStore {
  private readonly byKey = new Map<string, Cassette>();
  private loaded: Promise<void> | undefined;
  private reloading: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** Looks a key up, reloading the directory once before declaring it missing. */
  async get(key: string): Promise<Cassette | undefined> {
    await this.ensureLoaded();
    const hit = this.byKey.get(key);
    if (hit) return hit;
    await this.reload();
    return this.byKey.get(key);
  }

  /** Persists a recording and makes it visible to every later lookup in this process. */
  async put(cassette: Cassette): Promise<void> {
    await writeCassette(this.dir, cassette);
    this.byKey.set(cassette.key, cassette);
  }

  /** All cassettes currently indexed. */
  async all(): Promise<Cassette[]> {
    await this.ensureLoaded();
    return [...this.byKey.values()];
  }

  /** Best candidate for a missed request: same method and path, then most shared body tokens. */
  async closest(req: NormalisedRequest): Promise<ClosestMatch | undefined> {
    return findClosest(req, await this.all());
  }

  private ensureLoaded(): Promise<void> {
    this.loaded ??= this.mergeFromDisk();
    return this.loaded;
  }

  private reload(): Promise<void> {
    if (!this.reloading) {
      this.reloading = this.mergeFromDisk().finally(() => {
        this.reloading = undefined;
      });
    }
    return this.reloading;
  }

  private async mergeFromDisk(): Promise<void> {
    const { cassettes } = await loadCassettes(this.dir);
    for (const c of cassettes) this.byKey.set(c.key, c);
  }
}

const stores = new Map<string, CassetteStore>();

/** One store per directory per process, so concurrent jobs share one index and one load. */
export function cassetteStoreFor(dir: string): CassetteStore {
  const abs = path.resolve(dir);
  let store = stores.get(abs);
  if (!store) {
    store = new CassetteStore(abs);
    stores.set(abs, store);
  }
  return store;
}

/** Ranks recorded requests by likeness to `req`; exported for the miss message and its tests. */
export function findClosest(req: NormalisedRequest, cassettes: readonly Cassette[]): ClosestMatch | undefined {
  const wanted = tokens(canonicalJson(req.body));
  const wantedMessages = messagesText(req.body);
  let best: { cassette: Cassette; score: number; similarity: number } | undefined;
  for (const cassette of cassettes) {
    const sameRoute = cassette.request.method === req.method && cassette.request.path === req.path;
    const similarity = jaccard(wanted, tokens(canonicalJson(cassette.request.body)));
    const prefix = commonPrefixLength(wantedMessages, messagesText(cassette.request.body));
    // Route match dominates, then token overlap, then how far the conversations agree.
    const score = (sameRoute ? 2 : 0) + similarity + prefix / (1 + wantedMessages.length) / 1000;
    if (!best || score > best.score) best = { cassette, score, similarity };
  }
  if (!best) return undefined;
  return {
    cassette: best.cassette,
    similarity: Math.round(best.similarity * 1000) / 1000,
    differingFields: differingTopLevelFields(req.body, best.cassette.request.body),
  };
}

function tokens(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter((t) => t !== ''));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const t of a) if (b.has(t)) shared += 1;
  return shared / (a.size + b.size - shared);
}

function messagesText(body: unknown): string {
  if (body !== null && typeof body === 'object' && 'messages' in body) return canonicalJson(body.messages);
  return canonicalJson(body);
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i += 1;
  return i;
}

function differingTopLevelFields(a: unknown, b: unknown): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return canonicalJson(a) === canonicalJson(b) ? [] : ['(body)'];
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).sort();
}
