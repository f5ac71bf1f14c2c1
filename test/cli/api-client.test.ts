import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../src/cli/api-client.js';

let server: Server;
let baseUrl: string;

beforeAll(async () => {
  // Accepts requests and never answers them: a hung service.
  server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('the CLI API client', () => {
  it('gives up on a service that does not answer, with a message, instead of waiting forever', async () => {
    const started = Date.now();
    const res = await apiRequest({ baseUrl, apiKey: undefined, timeoutMs: 300 }, 'GET', '/v1/batches');
    expect(res.ok).toBe(false);
    expect(res.ok ? '' : res.message).toMatch(/no answer from .* within 300 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
  }, 10_000);
});
