import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createModelClient } from '../../src/model/client.js';
import type { FetchLike } from '../../src/model/cassette-fetch.js';
import type { ModelClient } from '../../src/model/client.js';
import type { ModelConfig } from '../../src/model/config.js';

/** A config pointing at a test server; every field explicit so no ambient env leaks in. */
export function testConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return {
    mode: 'live',
    baseURL: 'http://127.0.0.1:9/v1',
    apiKey: 'sk-test-secret-key',
    model: 'scripted-model',
    timeoutMs: 5_000,
    fixturesDir: path.join(os.tmpdir(), 'quizforge-unused-fixtures'),
    ...overrides,
  };
}

export function testClient(overrides: Partial<ModelConfig> = {}, deps: { fetch?: FetchLike } = {}): ModelClient {
  return createModelClient(testConfig(overrides), deps);
}

/** A fetch that fails the test if anything tries to reach the network. */
export const forbiddenFetch: FetchLike = (input) => {
  throw new Error(`network access attempted in replay: ${String(input instanceof Request ? input.url : input)}`);
};

/** A fresh directory per test; the returned cleanup removes it. */
export async function makeTempDir(prefix = 'quizforge-model-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const USER_MESSAGE = [{ role: 'user' as const, content: 'Write one quiz question about tides.' }];
