import type { JudgeUsage } from "../evaluators/contract.ts";

/**
 * What a run over cases spent on the judge: evaluations that called it, tokens, and USD when every
 * model used has a price (`judge.prices`). A malformed answer's usage counts too: it was paid for.
 */
export class JudgeSpend {
  evaluations = 0;
  inputTokens = 0;
  outputTokens = 0;
  private pricedUsd = 0;
  /** Models answered with no price: their calls make the total unknown. */
  readonly unpricedModels = new Set<string>();

  add(usage: JudgeUsage | undefined): void {
    if (!usage) return;
    this.evaluations += 1;
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    if (usage.costUsd === null) this.unpricedModels.add(usage.model ?? "(unknown)");
    else this.pricedUsd += usage.costUsd;
  }

  get tokens(): number {
    return this.inputTokens + this.outputTokens;
  }

  /** The total in USD, or null when some call's model has no price. */
  get costUsd(): number | null {
    return this.unpricedModels.size > 0 ? null : this.pricedUsd;
  }

  /** "$0.0123", or why it is unknown. */
  describeCost(): string {
    const cost = this.costUsd;
    if (cost !== null) return `$${cost.toFixed(4)}`;
    return `USD unknown (no price for ${[...this.unpricedModels].join(", ")}: add it under judge.prices)`;
  }

  /** One line: "judge: 12 evaluation(s), 3400 input + 560 output tokens, $0.0012". */
  describe(): string {
    return `judge: ${this.evaluations} evaluation(s), ${this.inputTokens} input + ${this.outputTokens} output tokens, ${this.describeCost()}`;
  }
}
