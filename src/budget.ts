// Upstream budgets: how many calls the gateway may make to one source, and how many upstream reads
// one caller may cause, in any window of time, counted across every replica that shares the state.
import { setTimeout as sleep } from 'node:timers/promises';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { recordUpstreamBudget } from './observability/metrics.js';
import { countUpstreamRequest } from './observability/upstream.js';
import type { SharedState } from './shared-state/index.js';

export interface BudgetConfig {
  calls: number;
  perSeconds: number;
}

/**
 * A budget of `calls` in any `perSeconds` window, as fixed one-second windows of `points` each. Any
 * window of `perSeconds` seconds overlaps at most perSeconds + 1 of them, so `points` =
 * floor(calls / (perSeconds + 1)) can never let more than `calls` through, whenever they are sent.
 * (Redis counts whole seconds, which is why the windows are one second long.)
 */
export function pointsPerSecond(budget: BudgetConfig): number {
  return Math.floor(budget.calls / (budget.perSeconds + 1));
}

/** The budget had no call left within the wait allowed: `retryAfterMs` says when it will. */
export class BudgetExhausted extends Error {
  override name = 'BudgetExhausted';
  constructor(readonly retryAfterMs: number) {
    super(`No upstream call left in the budget for ${retryAfterMs} ms`);
  }
}

export class Budget {
  private readonly limiter: RateLimiterAbstract;

  /**
   * `strict`: never more than `calls` in any window, however the calls fall (what an upstream's
   * rate limit needs). Otherwise `calls` per fixed window of `perSeconds`, which lets a burst
   * through at once (what a caller's share needs: one dashboard reads every source together).
   */
  constructor(state: SharedState, name: string, config: BudgetConfig, strict: boolean) {
    this.limiter = strict ? state.limiter(name, pointsPerSecond(config), 1) : state.limiter(name, config.calls, config.perSeconds);
  }

  /** Gives back one call taken from the budget of `key`: the read it paid for failed upstream. */
  async refund(key: string): Promise<void> {
    await this.limiter.reward(key, 1).catch(() => undefined);
  }

  /**
   * Takes one call from the budget of `key`, waiting for the next window while the wait fits in
   * `maxWaitMs` and `signal` allows it; otherwise fails with BudgetExhausted, having taken nothing.
   */
  async take(key: string, maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    let waited = 0;
    for (;;) {
      try {
        await this.limiter.consume(key);
        return;
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        // A little past the window's end, so that the next try lands in the new window.
        const wait = refusal.msBeforeNext + 5;
        if (waited + wait > maxWaitMs || signal?.aborted) throw new BudgetExhausted(refusal.msBeforeNext);
        await sleep(wait, undefined, signal ? { signal } : undefined).catch(() => undefined);
        waited += wait;
      }
    }
  }
}

/**
 * A source's upstream budget as its client uses it: one call taken per HTTP request sent (retries
 * and token requests too), waiting at most half the call's deadline for it, and counted for the
 * metrics and the call's span.
 */
export function upstreamBudget(
  state: SharedState,
  source: { name: string; budget: BudgetConfig; timeoutMs: number },
): (signal?: AbortSignal) => Promise<void> {
  const budget = new Budget(state, 'source', source.budget, true);
  recordUpstreamBudget(source.name, pointsPerSecond(source.budget));
  return async (signal) => {
    await budget.take(source.name, source.timeoutMs / 2, signal);
    countUpstreamRequest(source.name);
  };
}
