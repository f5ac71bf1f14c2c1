import { describe, expect, it } from 'vitest';
import { CallLedger } from '../../src/quiz/call-ledger.js';

describe('CallLedger', () => {
  it('settles with the first failed write, after every write has ended', async () => {
    const ledger = new CallLedger();
    let slowEnded = false;
    ledger.defer(Promise.reject(new Error('first failure')));
    ledger.defer(new Promise<void>((resolve) => setTimeout(() => ((slowEnded = true), resolve()), 50)));
    ledger.defer(Promise.reject(new Error('second failure')));
    await expect(ledger.settled()).rejects.toThrow('first failure');
    expect(slowEnded).toBe(true);
  });

  it('adds up the calls it saw started and the tokens and cost of their outcomes', () => {
    const ledger = new CallLedger();
    ledger.started();
    ledger.finished({ promptTokens: 10, completionTokens: 4, cachedTokens: 6, reasoningTokens: 1, costUsd: 0.25 });
    ledger.started();
    ledger.finished({ promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: null });
    expect(ledger.usage).toEqual({ promptTokens: 10, completionTokens: 4, cachedTokens: 6, reasoningTokens: 1, costUsd: 0.25, unpricedCalls: 0, modelCalls: 2 });
  });

  it('makes the cost unknown once a call with tokens had no price, as the recorded rows sum', () => {
    const ledger = new CallLedger();
    ledger.finished({ promptTokens: 10, completionTokens: 4, cachedTokens: 0, reasoningTokens: 0, costUsd: 0.25 });
    ledger.finished({ promptTokens: 7, completionTokens: 3, cachedTokens: 0, reasoningTokens: 0, costUsd: null });
    expect(ledger.usage).toMatchObject({ promptTokens: 17, costUsd: null, unpricedCalls: 1 });
  });
});
