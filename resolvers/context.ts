// What every resolver receives for one request: the caller, the sources that caller may see, the
// request's deadline and upstream-call budget, and its partial errors. Loaders hang off this object,
// so they live exactly as long as the request.
import { setMaxListeners } from 'node:events';
import { initContextCache } from '@pothos/core';
import type { GraphQLError } from 'graphql';
import type { Caller } from '../src/auth.js';
import type { Limits } from '../src/config/index.js';
import { badUserInput } from '../src/errors.js';
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
  /** Upstream calls this request has made so far. */
  upstreamCalls: number;
}

export function createContext(registry: SourceRegistry, caller: Caller, limits: ResolverLimits): GatewayContext {
  const deadline = AbortSignal.timeout(limits.requestTimeoutMs);
  // Every upstream call listens to it; a fan-out of more than Node's default 10 is expected, not a leak.
  setMaxListeners(limits.maxUpstreamCalls * 2 + 10, deadline);
  return {
    ...initContextCache(),
    caller,
    sources: registry.visibleTo(caller),
    partialErrors: [],
    limits,
    deadline,
    upstreamCalls: 0,
  };
}

/**
 * Counts one upstream call against the request's budget and hands out the request's deadline for
 * it. However its fields, aliases and lists multiply, one request cannot make more than
 * `maxUpstreamCalls` calls: past that, the lookups that would need more fail with BAD_USER_INPUT.
 */
export function upstreamCall(context: GatewayContext): AbortSignal {
  if (++context.upstreamCalls > context.limits.maxUpstreamCalls) {
    throw badUserInput(
      `This request needs more than ${context.limits.maxUpstreamCalls} upstream calls; ask for fewer jobs at once, or fewer fields that need one call per job`,
    );
  }
  return context.deadline;
}
