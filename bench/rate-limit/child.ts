/**
 * One worker process of the rate-limit benchmark: `concurrency` loops that each reserve a slot in
 * the shared limiter, call the scripted provider through the SDK, and report what happened.
 * argv: databaseUrl serverUrl rpm concurrency seconds (counted from when the process is ready). Prints one JSON line when done.
 */
import { openDatabase } from '../../src/db/client.js';
import { callChat } from '../../src/model/chat.js';
import { createModelClient } from '../../src/model/client.js';
import { acquireModelSlot, observeModelLimits } from '../../src/quiz/rate-limit.js';

const [url, serverUrl, rpm, concurrency, seconds] = process.argv.slice(2);
const database = await openDatabase({ url, poolSize: Number(concurrency) + 1, applicationName: 'bench-rate-limit' });
const client = createModelClient({
  mode: 'live',
  baseURL: serverUrl,
  apiKey: 'sk-bench',
  model: 'bench-model',
  timeoutMs: 10_000,
  fixturesDir: '/nonexistent',
  requestsPerMinute: Number(rpm),
});
const until = Date.now() + Number(seconds) * 1000;
let ok = 0;
let limited = 0;
let other = 0;
async function loop(): Promise<void> {
  while (Date.now() < until) {
    await acquireModelSlot(database.db, client, 'bench-model', 0);
    if (Date.now() >= until) break;
    const outcome = await callChat(client, { messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 5 });
    await observeModelLimits(database.db, client, 'bench-model', outcome);
    if (outcome.kind === 'completion') ok += 1;
    else if (outcome.error.kind === 'rate_limited') limited += 1;
    else other += 1;
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, loop));
process.stdout.write(`${JSON.stringify({ ok, limited, other })}\n`);
await database.close();
