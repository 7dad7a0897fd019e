// What every resolver receives for one request: the caller, the sources that caller may see, the
// request's deadline and upstream-read budget, and its partial errors. Loaders hang off this object,
// so they live exactly as long as the request.
import { setMaxListeners } from 'node:events';
import { initContextCache } from '@pothos/core';
import type { GraphQLError } from 'graphql';
import { EVERYONE, type Caller } from '../src/auth.js';
import { BudgetExhausted, type Budget } from '../src/budget.js';
import type { Limits } from '../src/config/index.js';
import { badUserInput, rateLimited } from '../src/errors.js';
import type { Reader } from '../src/read-model/source-read-model.js';
import { noteRefusal } from '../src/refusal-log.js';
import type { SourceRegistry } from '../src/sources.js';

/** The limits resolvers enforce themselves; the others act before a request runs. */
export type ResolverLimits = Pick<Limits, 'maxPageSize' | 'maxRepresentations' | 'maxUpstreamCalls' | 'requestTimeoutMs'>;

export interface GatewayContext {
  /** Who is asking; the schema's authorization rules read it. */
  caller: Caller;
  /** The configured sources this caller may see, and nothing else. */
  sources: SourceRegistry;
  /**
   * Errors of sources that failed while others answered. They do not fail any field; the
   * server adds them to the response's `errors` beside the data that did arrive.
   */
  partialErrors: GraphQLError[];
  limits: ResolverLimits;
  /** Aborts when the request has run for `requestTimeoutMs`: every upstream call still under way is cancelled. */
  deadline: AbortSignal;
  /** Upstream reads this request has caused so far. */
  upstreamCalls: number;
  /** How the read models see this request: its deadline, and the gate its upstream reads pass. */
  reader: Reader;
}

export interface RequestOrigin {
  caller: Caller;
  /** The client's address, which stands for the caller when no authentication is configured. */
  clientAddress: string | undefined;
}

export function createContext(registry: SourceRegistry, origin: RequestOrigin, limits: ResolverLimits, callerBudget: Budget): GatewayContext {
  const deadline = AbortSignal.timeout(limits.requestTimeoutMs);
  // Every upstream call listens to it; a fan-out of more than Node's default 10 is expected, not a leak.
  setMaxListeners(limits.maxUpstreamCalls * 2 + 10, deadline);
  const callerKey = origin.caller === EVERYONE ? `address ${origin.clientAddress ?? 'unknown'}` : origin.caller.name;
  const context: GatewayContext = {
    ...initContextCache(),
    caller: origin.caller,
    sources: registry.visibleTo(origin.caller),
    partialErrors: [],
    limits,
    deadline,
    upstreamCalls: 0,
    reader: {
      signal: deadline,
      parts: new Map(),
      charge: async (sourceName) => {
        countUpstreamCall(context);
        try {
          await callerBudget.take(callerKey, 0);
        } catch (error) {
          if (!(error instanceof BudgetExhausted)) throw error;
          noteRefusal(sourceName, 'caller-budget');
          throw rateLimited(error.retryAfterMs);
        }
      },
    },
  };
  return context;
}

/**
 * Counts one upstream call against the request's budget. However its fields, aliases and lists
 * multiply, one request cannot cause more than `maxUpstreamCalls` reads: past that, the lookups
 * that would need more fail with BAD_USER_INPUT.
 */
export function countUpstreamCall(context: GatewayContext): AbortSignal {
  if (++context.upstreamCalls > context.limits.maxUpstreamCalls) {
    throw badUserInput(
      `This request needs more than ${context.limits.maxUpstreamCalls} upstream calls; ask for fewer jobs at once, or fewer fields that need one call per job`,
    );
  }
  return context.deadline;
}
