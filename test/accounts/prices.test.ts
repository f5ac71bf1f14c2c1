import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PriceFileError, createPriceTable, loadPriceTable, parsePriceFile } from '../../src/accounts/prices.js';
import { promptTokensAtMost, worstCase } from '../../src/accounts/worst-case.js';

describe('the price table', () => {
  it('prices a catalogued model per token, cached prompt tokens at the cache rate', () => {
    const prices = createPriceTable();
    // gpt-4o-mini: $0.15 per M input, $0.075 per M cached input, $0.60 per M output (the bundled catalog).
    expect(prices.cost('gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 1_000_000 })).toBeCloseTo(0.75, 9);
    expect(prices.cost('gpt-4o-mini', { promptTokens: 1_000_000, completionTokens: 0, cachedTokens: 500_000 })).toBeCloseTo(0.1125, 9);
    expect(prices.has('gpt-4o-mini')).toBe(true);
  });

  it('knows no price for an unknown model: null, never 0', () => {
    const prices = createPriceTable();
    expect(prices.cost('my-self-hosted-llm', { promptTokens: 10, completionTokens: 10 })).toBeNull();
    expect(prices.has('my-self-hosted-llm')).toBe(false);
  });

  it('takes QUIZFORGE_PRICES overrides before the catalog, for unlisted and listed models', () => {
    const dir = mkdtempSync(join(tmpdir(), 'qf-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ models: { 'my-self-hosted-llm': { input_mtok: 1, output_mtok: 2 }, 'gpt-4o-mini': { input_mtok: 0, output_mtok: 0 } } }));
    const prices = loadPriceTable({ QUIZFORGE_PRICES: file });
    expect(prices.cost('my-self-hosted-llm', { promptTokens: 1_000_000, completionTokens: 500_000 })).toBeCloseTo(2, 9);
    expect(prices.cost('gpt-4o-mini', { promptTokens: 1000, completionTokens: 1000 })).toBe(0);
    expect(prices.cost('gpt-4o', { promptTokens: 1000, completionTokens: 0 })).toBeGreaterThan(0);
  });

  it('refuses a bad override file, naming the field', () => {
    expect(() => parsePriceFile('{"models":{"m":{"input_mtok":-1,"output_mtok":1}}}', 'f.json')).toThrow(/f\.json: models\.m\.input_mtok/);
    expect(() => parsePriceFile('{"models":{"m":{"input_mtok":1,"output_mtok":1,"typo":1}}}', 'f.json')).toThrow(PriceFileError);
    expect(() => parsePriceFile('not json', 'f.json')).toThrow(/not JSON/);
    expect(() => loadPriceTable({ QUIZFORGE_PRICES: '/nonexistent/prices.json' })).toThrow(/QUIZFORGE_PRICES=\/nonexistent\/prices\.json: cannot read/);
  });
});

describe('the worst case of a call', () => {
  it('bounds the prompt from above for ASCII and for other scripts', () => {
    expect(promptTokensAtMost('abcdef')).toBe(2);
    // Every non-ASCII character counts as a whole token: no BPE token is shorter than one character.
    expect(promptTokensAtMost('日本語のテキスト')).toBe(8);
  });

  it('is the prompt estimate plus max_completion_tokens, priced; null dollars for an unpriced model', () => {
    const prices = createPriceTable();
    const body = { model: 'gpt-4o-mini', max_completion_tokens: 1000, messages: [{ role: 'user', content: 'x'.repeat(3000) }] };
    const w = worstCase(prices, body);
    expect(w.promptTokens).toBeGreaterThanOrEqual(1000);
    expect(w.tokens).toBe(w.promptTokens + 1000);
    expect(w.usd).toBeCloseTo(prices.cost('gpt-4o-mini', { promptTokens: w.promptTokens, completionTokens: 1000 }) ?? -1, 12);
    expect(worstCase(prices, { ...body, model: 'nobody-prices-this' }).usd).toBeNull();
  });
});
