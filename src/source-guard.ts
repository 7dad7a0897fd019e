// Every call to one upstream source goes through its guard: one deadline that covers waiting for a
// slot, retries and token renewals (its signal cancels the HTTP request), a bound on calls in
// flight, and a circuit breaker that fails a dead source fast and probes it back. It also keeps
// how the latest call went, for `backupSources` and /readiness.
import {
  BrokenCircuitError,
  bulkhead,
  BulkheadRejectedError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  type BulkheadPolicy,
  type CircuitBreakerPolicy,
  type TimeoutPolicy,
} from 'cockatiel';
import { ErrorCode, isRefusal, SourceError, type UpstreamErrorCode } from './model/errors.js';
import { log } from './observability/log.js';
import { observeUpstreamCall } from './observability/upstream.js';
import { noteRefusal } from './refusal-log.js';

export interface GuardConfig {
  /** Deadline of one call, everything included. */
  timeoutMs: number;
  /** Calls in flight at once; more wait in line (up to QUEUE_LIMIT) within their deadline. */
  maxConcurrency: number;
  circuitBreaker: {
    /** Consecutive failed calls that open the circuit. */
    failures: number;
    /** How long an open circuit fails calls at once before it lets one through to probe the source. */
    halfOpenAfterMs: number;
  };
}

/** What the gateway last saw of a source. */
export interface SourceHealth {
  reachable: boolean;
  checkedAt: Date;
  errorCode?: UpstreamErrorCode;
}

export type CircuitName = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/**
 * Calls that may wait for a slot; past that the gateway sheds load instead of queueing without end.
 * Large, because one request can fan out to maxUpstreamCalls (200) calls: shedding part of a fan-out
 * wastes the calls already made for it, and the call deadline bounds the wait anyway.
 */
const QUEUE_LIMIT = 10_000;

/**
 * A failure that says the source is unwell: an upstream error. A rejected input or a missing job
 * says nothing of the kind, and neither does time the gateway spent on its own account (see run),
 * nor a throttle: the source is up and asks for fewer calls, which the guard then honours.
 */
const isOutage = (error: unknown) =>
  error instanceof SourceError && error.code !== ErrorCode.BAD_USER_INPUT && error.code !== ErrorCode.UPSTREAM_THROTTLED && !error.local;
const isLocal = (error: unknown) => error instanceof SourceError && error.local;

export class SourceGuard {
  private readonly deadline: TimeoutPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly slots: BulkheadPolicy;
  private lastCall: SourceHealth | undefined;
  private readonly healthListeners = new Set<() => void>();
  private openedAt = 0;
  /** Until when the source asked for no calls (its Retry-After); none is sent before. */
  private throttledUntil = 0;

  constructor(
    private readonly sourceName: string,
    private readonly config: GuardConfig,
  ) {
    // cockatiel counts an error its policy does not handle as a success, and in half-open state a
    // success closes the circuit. A probe that failed on the gateway's account proved nothing, so
    // there it counts as a failure: the circuit stays open for another interval.
    const failed = (error: unknown) => isOutage(error) || (isLocal(error) && this.breaker.state === CircuitState.HalfOpen);
    this.breaker = circuitBreaker(handleWhen(failed), {
      halfOpenAfter: config.circuitBreaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(config.circuitBreaker.failures),
    });
    this.breaker.onBreak(() => (this.openedAt = Date.now()));
    this.deadline = timeout(config.timeoutMs, TimeoutStrategy.Aggressive);
    this.slots = bulkhead(config.maxConcurrency, QUEUE_LIMIT);
  }

  /**
   * Runs one upstream call; `call` must classify its own failures as SourceErrors and honour the
   * signal, which aborts at the call's deadline or when `requestSignal` (the request's own deadline) does.
   */
  run<T>(operation: string, call: (signal: AbortSignal) => Promise<T>, requestSignal?: AbortSignal): Promise<T> {
    return observeUpstreamCall(this.sourceName, operation, () => this.guarded(operation, call, requestSignal));
  }

  private async guarded<T>(operation: string, call: (signal: AbortSignal) => Promise<T>, requestSignal: AbortSignal | undefined): Promise<T> {
    const waitMs = this.throttledUntil - Date.now();
    if (waitMs > 0) {
      const refusal = new SourceError(ErrorCode.UPSTREAM_THROTTLED, this.sourceName, operation, 'RetryAfter', undefined, true, waitMs);
      logFailure(refusal);
      throw refusal;
    }
    try {
      // The deadline's signal reaches the call by closure, not through cockatiel: 3.2 re-runs calls
      // that waited behind a half-open probe without their signal, and loses a slot for every queued
      // call whose signal aborts. So the bulkhead gets none, and a call that ran out of time in its
      // queue starts and ends at once, handing its slot on.
      const result = await this.deadline.execute(
        ({ signal }) =>
          this.breaker.execute(() =>
            this.slots.execute(async () => {
              if (signal.aborted) throw new SourceError(ErrorCode.UPSTREAM_TIMEOUT, this.sourceName, operation, 'DeadlineInQueue', undefined, true);
              try {
                return await call(signal);
              } catch (error) {
                // A call the request's own deadline cut short says nothing about the source either.
                throw requestSignal?.aborted ? requestDeadline(this.sourceName, operation) : error;
              }
            }),
          ),
        requestSignal,
      );
      this.called({ reachable: true, checkedAt: new Date() });
      return result;
    } catch (error) {
      const failure = requestSignal?.aborted ? requestDeadline(this.sourceName, operation) : this.classify(operation, error);
      if (failure.code !== ErrorCode.BAD_USER_INPUT && !failure.local) {
        this.called({ reachable: false, checkedAt: new Date(), errorCode: failure.code });
      }
      if (failure.retryAfterMs !== undefined && !failure.local) this.throttledUntil = Math.max(this.throttledUntil, Date.now() + failure.retryAfterMs);
      logFailure(failure);
      throw failure;
    }
  }

  get health(): SourceHealth | undefined {
    return this.lastCall;
  }

  /** Calls `listener` whenever a call's outcome differs from the one before (whether it answered, its error code); returns the way to stop. */
  onHealthChange(listener: () => void): () => void {
    this.healthListeners.add(listener);
    return () => this.healthListeners.delete(listener);
  }

  private called(health: SourceHealth): void {
    const before = this.lastCall;
    this.lastCall = health;
    if (before?.reachable === health.reachable && before.errorCode === health.errorCode) return;
    for (const listener of this.healthListeners) listener();
  }

  /** The breaker's state as the next call meets it: cockatiel leaves OPEN only when a call arrives after the interval. */
  get circuit(): CircuitName {
    const { state } = this.breaker;
    if (state === CircuitState.Closed) return 'CLOSED';
    if (state === CircuitState.HalfOpen) return 'HALF_OPEN';
    return Date.now() - this.openedAt >= this.config.circuitBreaker.halfOpenAfterMs ? 'HALF_OPEN' : 'OPEN';
  }

  private classify(operation: string, error: unknown): SourceError {
    if (error instanceof SourceError) return error;
    const code = (upstreamCode: UpstreamErrorCode, reason: string) => new SourceError(upstreamCode, this.sourceName, operation, reason);
    // instanceof, not cockatiel's is...Error helpers: in 3.2 isTaskCancelledError tests the bulkhead's marker.
    if (error instanceof TaskCancelledError) return code(ErrorCode.UPSTREAM_TIMEOUT, 'Deadline');
    if (error instanceof BrokenCircuitError) return code(ErrorCode.UPSTREAM_UNAVAILABLE, 'CircuitOpen');
    if (error instanceof BulkheadRejectedError) return code(ErrorCode.UPSTREAM_THROTTLED, 'TooManyCallsInFlight');
    return code(ErrorCode.UPSTREAM_UNAVAILABLE, error instanceof Error ? error.name : 'UnknownError');
  }
}

/**
 * One line per upstream failure: names and codes only, never upstream bodies, URLs or credentials.
 * Refusals on the gateway's own account (its budget, deadlines, an open circuit) come by the
 * thousand under load, so they are counted and logged now and then instead.
 */
function logFailure(failure: SourceError): void {
  if (isRefusal(failure)) {
    noteRefusal(failure.sourceName, failure.upstreamName);
    return;
  }
  const { sourceName, operation, upstreamName, code, status } = failure;
  const httpStatus = status === undefined ? '' : ` status=${status}`;
  log('warn', 'upstream', `[upstream] source=${sourceName} operation=${operation} error=${upstreamName} code=${code}${httpStatus}`, {
    source: sourceName,
    operation,
    error: upstreamName,
    code,
    status,
  });
}

/**
 * Starts (or joins) work this call shares or queues behind (a list call under way, a Describe slot)
 * and waits for it until the request's deadline: then the caller gets a local UPSTREAM_TIMEOUT at
 * once, and the shared work goes on for whoever else waits on it. A request already past its
 * deadline starts nothing.
 */
export function untilRequestDeadline<T>(
  start: () => Promise<T>,
  requestSignal: AbortSignal | undefined,
  sourceName: string,
  operation: string,
): Promise<T> {
  if (!requestSignal) return start();
  if (requestSignal.aborted) return Promise.reject(requestDeadline(sourceName, operation));
  const work = start();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(requestDeadline(sourceName, operation));
    requestSignal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => requestSignal.removeEventListener('abort', onAbort));
  });
}

/** The request's own deadline passed: the gateway's account, not the source's (local). */
export function requestDeadline(sourceName: string, operation: string): SourceError {
  return new SourceError(ErrorCode.UPSTREAM_TIMEOUT, sourceName, operation, 'RequestDeadline', undefined, true);
}
