import { Counter, type Registry } from 'prom-client';

/** How one model call ended, as a metric label. */
export type CallOutcome = 'valid' | 'invalid' | 'truncated' | 'refusal' | 'error';

/** The pipeline's Prometheus metrics; the registry is injected so a process exposes one /metrics. */
export interface QuizMetrics {
  modelCalls: Counter<'kind' | 'outcome'>;
  tokens: Counter<'type'>;
  repairAttempts: Counter;
  /** Key verification verdicts per question: agree, dispute, unusable, unverified (gave up), off. */
  verifications: Counter<'outcome'>;
  /** Dollars of answered calls, by tenant and model (unpriced calls are counted in `unpricedCalls` instead). */
  costUsd: Counter<'tenant' | 'model'>;
  unpricedCalls: Counter<'model'>;
  /** Calls a budget refused before they were sent, by budget (batch or tenant). */
  budgetRefusals: Counter<'budget'>;
}

/** What key verification concluded for one question. */
export type VerificationOutcome = 'agree' | 'dispute' | 'unusable' | 'unverified' | 'off';

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

/** Registers the pipeline metrics in `registry` (names prefixed `quizforge_`); reused if present. */
export function createQuizMetrics(registry: Registry): QuizMetrics {
  return {
    modelCalls: counter(registry, 'quizforge_model_calls_total', 'Model calls by kind (generate/repair/verify) and outcome', ['kind', 'outcome']),
    tokens: counter(registry, 'quizforge_model_tokens_total', 'Tokens reported by the model, by type (prompt/completion; cached and reasoning are parts of them)', ['type']),
    repairAttempts: counter(registry, 'quizforge_repair_attempts_total', 'Repair turns sent to the model', []),
    verifications: counter(registry, 'quizforge_verifications_total', 'Key verification verdicts per question, by outcome', ['outcome']),
    costUsd: counter(registry, 'quizforge_model_cost_usd_total', 'Dollars of answered model calls, from the price table, by tenant and model', ['tenant', 'model']),
    unpricedCalls: counter(registry, 'quizforge_model_unpriced_calls_total', 'Answered model calls of a model without a known price', ['model']),
    budgetRefusals: counter(registry, 'quizforge_budget_refusals_total', 'Model calls a budget refused before they were sent, by budget (batch/tenant)', ['budget']),
  };
}

/** Records one call; a no-op without metrics, so the pipeline never depends on them. */
export function observeCall(
  metrics: QuizMetrics | undefined,
  kind: 'generate' | 'repair' | 'verify',
  outcome: CallOutcome,
  usage: { promptTokens: number; completionTokens: number; cachedTokens?: number; reasoningTokens?: number } | null,
): void {
  if (!metrics) return;
  metrics.modelCalls.inc({ kind, outcome });
  if (kind === 'repair') metrics.repairAttempts.inc();
  if (usage) {
    metrics.tokens.inc({ type: 'prompt' }, usage.promptTokens);
    metrics.tokens.inc({ type: 'completion' }, usage.completionTokens);
    metrics.tokens.inc({ type: 'cached' }, usage.cachedTokens ?? 0);
    metrics.tokens.inc({ type: 'reasoning' }, usage.reasoningTokens ?? 0);
  }
}

/** Counts one answered call's cost (or that it had no price); a no-op without metrics. */
export function observeCost(metrics: QuizMetrics | undefined, tenant: string, model: string, costUsd: number | null): void {
  if (!metrics) return;
  if (costUsd === null) metrics.unpricedCalls.inc({ model });
  else metrics.costUsd.inc({ tenant, model }, costUsd);
}

/** Counts one call a budget refused; a no-op without metrics. */
export function observeBudgetRefusal(metrics: QuizMetrics | undefined, budget: 'batch' | 'tenant'): void {
  metrics?.budgetRefusals.inc({ budget });
}

/** Counts one verification verdict per question; a no-op without metrics. */
export function observeVerification(metrics: QuizMetrics | undefined, outcome: VerificationOutcome, questions = 1): void {
  if (metrics && questions > 0) metrics.verifications.inc({ outcome }, questions);
}
