/** A tenant whose budget for the current period is spent (or fully reserved): HTTP answers 402. */
export class BudgetExhaustedError extends Error {
  override readonly name = 'BudgetExhaustedError';
  constructor(
    readonly tenant: string,
    readonly budgetUsd: number,
    readonly spentUsd: number,
    readonly per: 'day' | 'month',
  ) {
    super(`tenant ${JSON.stringify(tenant)} has spent its budget of $${budgetUsd} per ${per} ($${spentUsd.toFixed(6)} spent or reserved); wait for the next period or raise the budget`);
  }
}

/**
 * A dollar budget over a model without a price would be unbounded: refused at submit (HTTP 422
 * naming `field`) instead. Add the model to the `QUIZFORGE_PRICES` file, or budget in tokens.
 */
export class UnpricedBudgetError extends Error {
  override readonly name = 'UnpricedBudgetError';
  constructor(
    readonly field: 'maxCostUsd' | 'model',
    readonly model: string,
    why: string,
  ) {
    super(`model ${JSON.stringify(model)} has no known price, so ${why} cannot be enforced; add it to the QUIZFORGE_PRICES file${field === 'maxCostUsd' ? ' or use maxTokens' : ''}`);
  }
}
