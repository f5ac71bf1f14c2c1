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

  it('adds up the calls it saw started and the tokens of their outcomes', () => {
    const ledger = new CallLedger();
    ledger.started();
    ledger.finished({ promptTokens: 10, completionTokens: 4 });
    ledger.started();
    ledger.finished({ promptTokens: 0, completionTokens: 0 });
    expect(ledger.usage).toEqual({ promptTokens: 10, completionTokens: 4, modelCalls: 2 });
  });
});
