import { z } from 'zod';

/** A batch's usage as the pages read it; the service's view has more, which is ignored. */
export const PageUsageSchema = z.looseObject({
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number().optional(),
  cachedShare: z.number().nullable().optional(),
  reasoningTokens: z.number().optional(),
  costUsd: z.number().nullable().optional(),
  modelCalls: z.number(),
});

export const PageBudgetSchema = z.looseObject({
  maxTokens: z.number().nullable(),
  maxCostUsd: z.number().nullable(),
  spentTokens: z.number(),
  spentUsd: z.number(),
});

/** Dollars for people: sub-cent amounts keep their digits; an unknown price says so (never "$0"). */
export function costText(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return 'cost unknown (no price for the model)';
  return `$${usd >= 0.01 ? usd.toFixed(2) : usd.toPrecision(2)}`;
}

/** The usage fields the pages print (the service's view and the page schema both have them). */
export interface PageUsage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number | undefined;
  cachedShare?: number | null | undefined;
  reasoningTokens?: number | undefined;
  costUsd?: number | null | undefined;
  modelCalls: number;
}

/** One line of tokens (with the cached share and reasoning where there are any) and cost. */
export function usageText(u: PageUsage): string {
  const cached = u.cachedShare === null || u.cachedShare === undefined || !u.cachedTokens ? '' : ` (${Math.round(u.cachedShare * 100)}% cached)`;
  const reasoning = u.reasoningTokens ? ` (${u.reasoningTokens} reasoning)` : '';
  return `${u.modelCalls} model calls · tokens: ${u.promptTokens} prompt${cached} + ${u.completionTokens} completion${reasoning} · ${costText(u.costUsd)}`;
}

/** The batch's limits against what it spent; empty without limits. */
export function budgetText(b: z.output<typeof PageBudgetSchema> | null | undefined): string {
  if (!b || (b.maxTokens === null && b.maxCostUsd === null)) return '';
  const parts = [
    ...(b.maxTokens === null ? [] : [`${b.spentTokens} of ${b.maxTokens} tokens`]),
    ...(b.maxCostUsd === null ? [] : [`${costText(b.spentUsd)} of ${costText(b.maxCostUsd)}`]),
  ];
  return `Budget: ${parts.join(' · ')}`;
}
