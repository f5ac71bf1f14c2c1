/**
 * The most a call can spend, reserved before it is sent: its prompt estimated from above plus
 * its `max_completion_tokens`. No tokenizer: every three ASCII characters of the serialised request
 * (messages, response format, tools) count as a token and every other character as one token
 * each. English BPE text runs near four characters a token and no token is shorter than one
 * character, so the estimate stays above the real prompt for any script (about 30% above for
 * English), at the price of a little idle budget while a call is out.
 */
import type { PriceTable } from './prices.js';

export interface WorstCase {
  promptTokens: number;
  tokens: number;
  /** Null when the model has no price. */
  usd: number | null;
}

/** An upper bound on the prompt tokens of `text`. */
export function promptTokensAtMost(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 3) + other;
}

/** The worst case of one chat request body. */
export function worstCase(
  prices: PriceTable,
  body: { model: string; max_completion_tokens: number; messages: unknown; response_format?: unknown; tools?: unknown },
): WorstCase {
  const serialised = JSON.stringify([body.messages, body.response_format ?? null, body.tools ?? null]);
  const promptTokens = promptTokensAtMost(serialised);
  const tokens = promptTokens + body.max_completion_tokens;
  return { promptTokens, tokens, usd: prices.cost(body.model, { promptTokens, completionTokens: body.max_completion_tokens }) };
}
