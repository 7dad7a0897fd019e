// The gateway's one error vocabulary: every error a client sees carries one of these codes.
import { GraphQLError, type ASTNode, type GraphQLErrorOptions } from 'graphql';

export const ErrorCode = {
  /** The request itself is wrong: a malformed id, an unknown source, an argument out of range. */
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  /** Authentication is configured and the request carries no valid credential (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** The caller may not see the source a request names (its credential does not list it). */
  FORBIDDEN: 'FORBIDDEN',
  /** The gateway could not fetch the keys to verify tokens with (HTTP 503); the request may be retried. */
  AUTH_UNAVAILABLE: 'AUTH_UNAVAILABLE',
  /** An upstream failed or could not be reached. */
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  /** An upstream refused the call because of its rate limit, after the gateway's retries. */
  UPSTREAM_THROTTLED: 'UPSTREAM_THROTTLED',
  /** An upstream rejected the gateway's credentials. */
  UPSTREAM_AUTH_FAILED: 'UPSTREAM_AUTH_FAILED',
  /** An upstream did not answer within the gateway's deadline. */
  UPSTREAM_TIMEOUT: 'UPSTREAM_TIMEOUT',
  /** An upstream answered with something the gateway could not read. */
  UPSTREAM_BAD_RESPONSE: 'UPSTREAM_BAD_RESPONSE',
  /**
   * The caller has caused its share of upstream reads for now (`callerBudget`); what needed a new
   * read was refused without one. `extensions.retryAfterSeconds` and the Retry-After header say when to retry.
   */
  RATE_LIMITED: 'RATE_LIMITED',
  /**
   * A subscription was refused: its caller, or this gateway process, holds as many open
   * subscriptions as `maxSubscriptionsPerCaller` or `maxSubscriptions` allow. `extensions.limit` says which.
   */
  SUBSCRIPTION_LIMIT: 'SUBSCRIPTION_LIMIT',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export type UpstreamErrorCode = Extract<ErrorCode, `UPSTREAM_${string}`>;

/**
 * A call to a configured source that failed, already classified. Its message is for the log and
 * names only the source, the operation and the upstream's error name; clients see `upstreamError`.
 */
export class SourceError extends Error {
  override name = 'SourceError';
  constructor(
    readonly code: UpstreamErrorCode | typeof ErrorCode.BAD_USER_INPUT,
    readonly sourceName: string,
    readonly operation: string,
    /** The upstream's error name (ThrottlingException, HTTP 503, ...) or the gateway's reason (Deadline, CircuitOpen). */
    readonly upstreamName: string,
    readonly status?: number,
    /** The gateway, not the source, ran out of time: waiting for a slot, for its own pacing, or for the request's deadline. */
    readonly local = false,
    /** A throttled source's word on when to call again (its Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(`${operation} on source "${sourceName}" failed: ${upstreamName}`);
  }
}

/** How much of a client-supplied value an error message quotes. */
export const QUOTE_LIMIT = 64;

/**
 * A client-supplied value as an error message quotes it: JSON-escaped, and past QUOTE_LIMIT
 * characters cut to a prefix with its full length, so that a 200 kB argument does not come back
 * whole (and a quoted answer stays short enough to log).
 */
export function quoted(value: string): string {
  if (value.length <= QUOTE_LIMIT) return JSON.stringify(value);
  // A cut between the halves of a surrogate pair would leave half a character.
  const end = /[\uD800-\uDBFF]/.test(value[QUOTE_LIMIT - 2]!) ? QUOTE_LIMIT - 2 : QUOTE_LIMIT - 1;
  return `${JSON.stringify(`${value.slice(0, end)}…`)} (${value.length} characters)`;
}

/**
 * A double-quoted run in a message, escapes included (graphql-js and yoga quote values
 * JSON-escaped). A run left open runs to the end: a pattern that had to find the closing quote
 * would scan the rest of the message again from every quote in it, quadratic in a crafted value.
 */
const QUOTED_RUN = /"((?:[^"\\]|\\[\s\S])*)(?:"|\\?$)/g;

/**
 * The message with every quoted run cut as `quoted` cuts it: graphql-js and yoga quote client
 * values (a field name, a variable's value, a body parameter) in messages this gateway does not write.
 */
export function boundQuotes(message: string): string {
  return message.replace(QUOTED_RUN, (run: string, body: string) => {
    if (body.length <= QUOTE_LIMIT) return run;
    let value = body;
    try {
      value = JSON.parse(run) as string;
    } catch {
      // Not JSON-escaped, or left open: cut it as written.
    }
    return value.length > QUOTE_LIMIT ? quoted(value) : run;
  });
}

/**
 * A failure of the gateway's own making while the source may be fine: its budget or deadlines ran
 * out (local), or an open circuit kept the call from the source.
 */
export function isRefusal(failure: SourceError): boolean {
  return failure.local || failure.upstreamName === 'CircuitOpen';
}

/**
 * An error the gateway raises for its clients on purpose. It carries no stack trace: it is no bug,
 * nobody reads one, and building one costs more than the rest of the error (an answer can hold
 * hundreds, and GraphQL copies each of them on the way out).
 */
export function clientError(message: string, options: GraphQLErrorOptions): GraphQLError {
  return withoutStackTraces(() => new GraphQLError(message, options));
}

/**
 * Runs `build` with V8 capturing no stack trace for the errors it makes. A GraphQLError made from
 * another error takes that error's stack in place of its own, which V8 has captured and formatted
 * (through source maps, under tsx) all the same: about 20 µs thrown away per copy.
 */
export function withoutStackTraces<T>(build: () => T): T {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return build();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** A client mistake, safe to show as is. */
export function badUserInput(message: string): GraphQLError {
  return clientError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

/** A page size (`first`) outside 1 to the configured maximum; `node` is where the document writes it. */
export function pageSizeOutOfRange(first: number, maxPageSize: number, node?: ASTNode): GraphQLError {
  return clientError(`"first" must be between 1 and ${maxPageSize}, got ${first}`, { nodes: node ?? null, extensions: { code: ErrorCode.BAD_USER_INPUT } });
}

/** A caller over its share of upstream reads (see ErrorCode.RATE_LIMITED). */
export function rateLimited(retryAfterMs: number): GraphQLError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return clientError(`This caller has caused its share of upstream reads for now; retry in ${seconds} s`, {
    extensions: { code: ErrorCode.RATE_LIMITED, retryAfterSeconds: seconds, http: { headers: { 'retry-after': String(seconds) } } },
  });
}

/** A subscription past the caller's or the gateway's limit of open subscriptions. */
export function subscriptionLimit(limit: 'maxSubscriptionsPerCaller' | 'maxSubscriptions', max: number): GraphQLError {
  const holder = limit === 'maxSubscriptions' ? 'This gateway holds' : 'This caller holds';
  return clientError(`${holder} ${max} open subscriptions, as many as it may; close one before opening another`, {
    extensions: { code: ErrorCode.SUBSCRIPTION_LIMIT, limit },
  });
}

/** A source the caller's credential does not list. */
export function forbiddenSource(sourceName: string): GraphQLError {
  return clientError(`The caller may not see source "${sourceName}"`, {
    extensions: { code: ErrorCode.FORBIDDEN, sourceName },
  });
}

/**
 * An upstream failure as clients see it: a fixed sentence per code plus the source's name.
 * The upstream's own message is never passed on, because it may carry request ids, account
 * details or echoed credentials.
 */
export function upstreamError(code: UpstreamErrorCode, sourceName: string, retryAfterMs?: number): GraphQLError {
  const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  return clientError(`${UPSTREAM_MESSAGES[code]} (source "${sourceName}")`, {
    extensions: { code, sourceName, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) },
  });
}

const UPSTREAM_MESSAGES: Record<UpstreamErrorCode, string> = {
  UPSTREAM_UNAVAILABLE: 'The upstream is unavailable',
  UPSTREAM_THROTTLED: 'The upstream is throttling requests',
  UPSTREAM_AUTH_FAILED: 'The upstream refused the gateway credentials, or their access to what was asked',
  UPSTREAM_TIMEOUT: 'The upstream did not answer in time',
  UPSTREAM_BAD_RESPONSE: 'The upstream sent an answer the gateway could not read',
};

/** The same error, at the same place in the document and the response, with another message or extensions. */
export function reissue(error: GraphQLError, changes: { message?: string; extensions?: Record<string, unknown> }): GraphQLError {
  return clientError(changes.message ?? error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    extensions: changes.extensions ?? error.extensions,
  });
}
