// What every resolver receives for one request: the caller, the sources that caller may see, the
// request's deadline and upstream-read budget, its partial errors, and the live updates it may subscribe to. Loaders hang off this object,
// so they live exactly as long as the request.
import { setMaxListeners } from 'node:events';
import { initContextCache } from '@pothos/core';
import type { GraphQLError } from 'graphql';
import { isAnonymous, type Caller } from '../src/auth.js';
import { BudgetExhausted, type Budget } from '../src/budget.js';
import type { OperationTurn } from '../src/caller-turns.js';
import type { Limits } from '../src/config/index.js';
import type { LiveUpdates } from '../src/live-updates.js';
import { badUserInput, rateLimited } from '../src/model/errors.js';
import type { Warning } from '../src/model/job.js';
import type { Reader } from '../src/read-model/source-read-model.js';
import { noteRefusal } from '../src/refusal-log.js';
import type { SourceHealth } from '../src/source-guard.js';
import type { SourceRegistry } from '../src/source-registry.js';

/** The limits resolvers enforce themselves; the others act before a request runs. */
export type ResolverLimits = Pick<Limits, 'maxPageSize' | 'maxRepresentations' | 'maxUpstreamCalls' | 'requestTimeoutMs'>;

export interface GatewayContext {
  /** Who is asking; the schema's authorization rules read it. */
  caller: Caller;
  /** The name the caller's shares (upstream reads, turns, subscriptions) are kept under (see callerKey). */
  callerKey: string;
  /** This request's turn among its caller's requests (src/caller-turns.ts). */
  turn: OperationTurn;
  /** The configured sources this caller may see, and nothing else. */
  sources: SourceRegistry;
  /**
   * Errors of sources that failed while others answered. They do not fail any field; the
   * server adds them to the response's `errors` beside the data that did arrive.
   */
  partialErrors: GraphQLError[];
  /** Notes on the request's own input that fail nothing; the server adds them to the response's `extensions.warnings`. */
  warnings: Warning[];
  limits: ResolverLimits;
  /** Aborts when the request has run for `requestTimeoutMs`: every upstream call still under way is cancelled. */
  deadline: AbortSignal;
  /** Lookups and probes this request has caused so far. */
  upstreamCalls: number;
  /** The error of the first lookup or probe past `maxUpstreamCalls`, which the later ones share. */
  overLimit?: GraphQLError;
  /** How the read models see this request: its deadline, and the gate its upstream reads pass. */
  reader: Reader;
  /** The latest call of each source this request's answer shows (`lastCall`), as shown: the answer stands while its outcome does. */
  lastCallsShown: Map<string, SourceHealth | undefined>;
  /** What subscriptions listen to: the changes of the sources, published by whichever replica stored them. */
  live: LiveUpdates;
  /**
   * A context for one event of a subscription begun with this one: the same caller, view and turns,
   * and a deadline, upstream-read budget, reads and loaders of its own (a subscription outlives any
   * request's deadline, and each event's answer reads the sources as they are when it comes). Its
   * reads take nothing of a caller's share: they are the gateway's, as its watcher's are. One
   * execution of an event answers every subscriber of its group, whichever callers they are
   * (src/shared-subscription-events.ts), the records it reads are kept for every reader, and the
   * source's upstream budget bounds them; charged to the caller whose context it ran in, one
   * caller would pay for all, and its spent share would fail the others' events.
   */
  forEvent(): GatewayContext;
}


export interface RequestOrigin {
  caller: Caller;
  /** The client's address, which stands for the caller when no authentication is configured. */
  clientAddress: string | undefined;
}

/**
 * All of a request's context that can change what the graph answers it, beside its document and
 * variables: the sources its caller may see and those it may act on. Two requests with the same
 * view may share one execution (src/shared-subscription-events.ts).
 */
export function answerViewOf(context: GatewayContext): string {
  const names = context.sources.all.map((source) => source.name);
  return JSON.stringify([names, names.filter((name) => context.caller.mayWrite(name))]);
}

/** The name a caller's share of upstream reads and its turns are kept under. */
export function callerKey(origin: RequestOrigin): string {
  return isAnonymous(origin.caller) ? `address ${origin.clientAddress ?? 'unknown'}` : origin.caller.name;
}

export function createContext(
  registry: SourceRegistry,
  origin: RequestOrigin,
  limits: ResolverLimits,
  shares: { callerBudget: Budget | null; turn: OperationTurn; live: LiveUpdates },
): GatewayContext {
  const { callerBudget, turn, live } = shares;
  const deadline = AbortSignal.timeout(limits.requestTimeoutMs);
  // Every upstream call listens to it; a fan-out of more than Node's default 10 is expected, not a leak.
  setMaxListeners(limits.maxUpstreamCalls * 2 + 10, deadline);
  const caller = callerKey(origin);
  // Charges are decided one after another, and once the caller's share is spent every later read
  // of this request is refused with the same error: a fan-out of hundreds of lookups builds one
  // error, not hundreds.
  let decided: Promise<void> = Promise.resolve();
  let refused: GraphQLError | undefined;
  const takeShare = async (sourceName: string) => {
    if (!callerBudget) return;
    if (refused) {
      // Counted for every source it keeps from the caller, not only the first.
      noteRefusal(sourceName, 'caller-budget');
      throw refused;
    }
    try {
      await callerBudget.take(caller, 0);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      noteRefusal(sourceName, 'caller-budget');
      refused = rateLimited(error.retryAfterMs);
      throw refused;
    }
  };
  const context: GatewayContext = {
    ...initContextCache(),
    caller: origin.caller,
    callerKey: caller,
    turn,
    sources: registry.visibleTo(origin.caller),
    partialErrors: [],
    warnings: [],
    limits,
    deadline,
    upstreamCalls: 0,
    lastCallsShown: new Map(),
    live,
    forEvent: () => createContext(registry, origin, limits, { ...shares, callerBudget: null }),
    reader: {
      signal: deadline,
      parts: new Map(),
      served: [],
      beyondSnapshot: false,
      away: (wait) => context.turn.away(wait),
      charge: async (sourceName, read) => {
        // A refresh serves every reader of the source and happens at most once per source and
        // request, so only lookups (which a request multiplies) count against maxUpstreamCalls.
        if (read === 'lookup') countUpstreamCall(context);
        const decision = decided.then(() => takeShare(sourceName));
        decided = decision.catch(() => undefined);
        return decision;
      },
      refund: async () => callerBudget?.refund(caller),
    },
  };
  return context;
}

/**
 * Counts one upstream call against the request's budget. However its fields, aliases and lists
 * multiply, one request cannot cause more than `maxUpstreamCalls` lookups and probes: past that,
 * those that would need more fail with BAD_USER_INPUT (all with one error, built once).
 */
export function countUpstreamCall(context: GatewayContext): AbortSignal {
  if (++context.upstreamCalls > context.limits.maxUpstreamCalls) {
    context.overLimit ??= badUserInput(
      `This request needs more than ${context.limits.maxUpstreamCalls} upstream calls; ask for fewer jobs at once, or fewer fields that need one call per job`,
    );
    throw context.overLimit;
  }
  return context.deadline;
}
