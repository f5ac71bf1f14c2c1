import type { ModelCallOutcome, UsageTotals } from '../db/quiz/index.js';

/** The part of a call's outcome that usage counts. */
export type CallUsage = Pick<ModelCallOutcome, 'promptTokens' | 'completionTokens' | 'cachedTokens' | 'reasoningTokens' | 'costUsd'>;

/**
 * What calls add up to, by the rule `USAGE_SUMS` applies to the recorded rows: a call that came
 * back with tokens but no price makes the total cost unknown (null), never 0.
 */
export function sumUsage(calls: readonly CallUsage[], modelCalls: number = calls.length): UsageTotals {
  const sum = (f: (c: CallUsage) => number) => calls.reduce((n, c) => n + f(c), 0);
  const unpricedCalls = calls.filter((c) => c.costUsd === null && c.promptTokens + c.completionTokens > 0).length;
  return {
    promptTokens: sum((c) => c.promptTokens),
    completionTokens: sum((c) => c.completionTokens),
    cachedTokens: sum((c) => c.cachedTokens),
    reasoningTokens: sum((c) => c.reasoningTokens),
    costUsd: unpricedCalls > 0 ? null : sum((c) => c.costUsd ?? 0),
    unpricedCalls,
    modelCalls,
  };
}
