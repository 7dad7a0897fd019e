// Thin fetch-based client for one SailPoint ISC tenant: a self-renewing OAuth token, an upstream
// budget every request takes from, bounded retries, cancellation, typed records.
import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetExhausted } from '../budget.js';
import type { UpstreamErrorCode } from '../model/errors.js';
import type { SharedState } from '../shared-state/index.js';
import { MemoryState } from '../shared-state/memory.js';
import { readBackupList, type SailPointBackupList, type SailPointBackupRecord, type SailPointBackupStatus } from './records.js';
import { SharedToken, type Session } from './shared-token.js';

export interface SailPointTenantConfig {
  /** The gateway's name for this tenant; it appears in error messages. */
  name: string;
  /** The tenant's API root, such as https://acme.api.identitynow.com. */
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Deadline of one HTTP exchange, headers and body (default 10 000 ms). */
  timeoutMs?: number;
}

export interface SailPointClientOptions {
  /** Only for plugging in a fetch with its own dispatcher (keep-alive pool); defaults to the global fetch. */
  fetch?: typeof fetch;
  /**
   * Takes one request from the tenant's budget before each HTTP request (token requests and
   * retries included); throws BudgetExhausted when none is left in time. Absent: no budget.
   */
  budget?: (signal?: AbortSignal) => Promise<void>;
  /** Longest one call waits out 429 answers in total before reporting the tenant throttled (default 5000 ms). */
  maxThrottleWaitMs?: number;
  /** Further tries of a call answered with a 5xx or a dropped connection (default 2). */
  retries?: number;
  /**
   * Where the workers and replicas of a gateway share the tenant's access token (encrypted under a
   * key derived from the client secret), so that one token request serves them all. Absent: this
   * client keeps its token to itself.
   */
  state?: SharedState;
}

export interface SailPointListFilter {
  status?: SailPointBackupStatus;
}

type Operation = 'token' | 'listBackups' | 'listUploads' | 'deleteBackup' | 'deleteUpload';

/**
 * A failed call, in the gateway's error vocabulary. The message names the tenant, the operation and
 * the HTTP status only: upstream bodies can echo request details, so they are never copied in.
 */
export class SailPointError extends Error {
  override readonly name = 'SailPointError';
  readonly code: UpstreamErrorCode;
  readonly tenant: string;
  readonly status?: number;
  /** The gateway refused the call itself (its upstream budget was spent): nothing went wrong at the tenant. */
  readonly local: boolean;
  /** How long the tenant asked for no calls (its 429's Retry-After), when it said. */
  readonly retryAfterMs?: number;

  constructor(
    code: UpstreamErrorCode,
    tenant: string,
    message: string,
    details: { status?: number; cause?: unknown; local?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.tenant = tenant;
    this.local = details.local ?? false;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_THROTTLE_WAIT_MS = 5_000;
const DEFAULT_RETRIES = 2;
/**
 * The least a 429 is waited out, whatever its Retry-After says (0, or a date already past, would
 * otherwise turn the wait into a tight loop), and how many 429s one call takes before giving up.
 */
const MIN_THROTTLE_WAIT_MS = 250;
const MAX_THROTTLED_TRIES = 5;
/** First backoff before a retry; it doubles per retry, and each wait is drawn at random below it (full jitter). */
const RETRY_BACKOFF_MS = 100;
/** Renew this long before expiry, so that a token never runs out between our check and SailPoint's. */
const MAX_RENEWAL_MARGIN_MS = 60_000;

export class SailPointClient {
  private readonly tenant: string;
  private readonly base: URL;
  private readonly credentials: URLSearchParams;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly budget: ((signal?: AbortSignal) => Promise<void>) | undefined;
  private readonly maxThrottleWaitMs: number;
  private readonly retries: number;
  private readonly sharedToken: SharedToken;
  private session: Session | undefined;
  private renewal: Promise<Session> | undefined;

  constructor(config: SailPointTenantConfig, options: SailPointClientOptions = {}) {
    this.tenant = config.name;
    // A trailing slash makes relative paths resolve below a base that carries a path of its own.
    this.base = new URL(config.baseUrl.endsWith('/') ? config.baseUrl : `${config.baseUrl}/`);
    this.credentials = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: config.clientId,
      client_secret: config.clientSecret,
    });
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? fetch;
    this.budget = options.budget;
    this.maxThrottleWaitMs = options.maxThrottleWaitMs ?? DEFAULT_MAX_THROTTLE_WAIT_MS;
    this.retries = options.retries ?? DEFAULT_RETRIES;
    this.sharedToken = new SharedToken(options.state ?? new MemoryState(), config, this.timeoutMs);
  }

  /**
   * The tenant's backups, newest first; uploaded configurations are listed by listUploads. An
   * aborted `signal` ends the call, waits included, with UPSTREAM_TIMEOUT. A record with a
   * wrongly typed member is left out (`read` says which).
   */
  async listBackups(filter: SailPointListFilter = {}, signal?: AbortSignal): Promise<SailPointBackupRecord[]> {
    return (await this.read('listBackups', filter, signal)).records;
  }

  async listUploads(filter: SailPointListFilter = {}, signal?: AbortSignal): Promise<SailPointBackupRecord[]> {
    return (await this.read('listUploads', filter, signal)).records;
  }

  /** One list, with the records it left out because a member had the wrong type. */
  async read(operation: 'listBackups' | 'listUploads', filter: SailPointListFilter = {}, signal?: AbortSignal): Promise<SailPointBackupList> {
    const path = operation === 'listBackups' ? 'v2024/configuration-hub/backups' : 'v2024/configuration-hub/backups/uploads';
    const url = new URL(path, this.base);
    if (filter.status !== undefined) {
      // encodeURIComponent rather than URLSearchParams: a space must travel as %20, not "+".
      url.search = `filters=${encodeURIComponent(`status eq "${filter.status}"`)}`;
    }
    const response = await this.authorized(operation, url.href, signal);
    if (!response.ok) throw await this.statusError(operation, response);
    const list = readBackupList(await this.readJson(operation, response, signal));
    if (list === null) {
      throw new SailPointError(
        'UPSTREAM_BAD_RESPONSE',
        this.tenant,
        `SailPoint tenant "${this.tenant}": ${operation} answered with something other than a list of BackupResponse records`,
        { status: response.status },
      );
    }
    return list;
  }

  /**
   * Deletes a backup (deleteBackup) or an uploaded configuration (deleteUpload), as SailPoint's
   * own client does: `deleted` on its 204, `not-found` on a 404 (a retry after a lost 204 finds
   * the record gone too), `refused` on a 400, SailPoint's answer to a request it will not do.
   */
  async delete(operation: 'deleteBackup' | 'deleteUpload', id: string, signal?: AbortSignal): Promise<'deleted' | 'not-found' | 'refused'> {
    const collection = operation === 'deleteBackup' ? 'v2024/configuration-hub/backups/' : 'v2024/configuration-hub/backups/uploads/';
    const url = new URL(`${collection}${encodeURIComponent(id)}`, this.base);
    const response = await this.authorized(operation, url.href, signal, 'DELETE');
    const outcome = response.ok ? 'deleted' : response.status === 404 ? 'not-found' : response.status === 400 ? 'refused' : undefined;
    if (!outcome) throw await this.statusError(operation, response);
    await discardBody(response);
    return outcome;
  }

  /**
   * One API exchange; a 401 means the token died early, so it is renewed (once for every process
   * sharing it) and the call tried once more.
   */
  private async authorized(operation: Operation, url: string, signal: AbortSignal | undefined, method = 'GET'): Promise<Response> {
    const stale = await this.currentSession();
    const first = await this.send(operation, url, () => this.apiRequest(stale, method), signal);
    if (first.status !== 401) return first;
    await discardBody(first);
    await this.forget(stale);
    const fresh = await this.currentSession();
    const second = await this.send(operation, url, () => this.apiRequest(fresh, method), signal);
    if (second.status !== 401) return second;
    await discardBody(second);
    throw new SailPointError(
      'UPSTREAM_AUTH_FAILED',
      this.tenant,
      `SailPoint tenant "${this.tenant}": ${operation} was refused with HTTP 401 even with a new access token`,
      { status: 401 },
    );
  }

  private apiRequest(session: Session, method: string): RequestInit {
    return {
      method,
      headers: {
        authorization: `Bearer ${session.token}`,
        accept: 'application/json',
        // Configuration Hub's v2024 endpoints do not require it, but other v2024 endpoints do; it is harmless here.
        'x-sailpoint-experimental': 'true',
      },
    };
  }

  /** One request from the budget; a budget with nothing left in time is the gateway's refusal, not the tenant's (local). */
  private async takeBudget(operation: Operation, signal: AbortSignal | undefined): Promise<void> {
    if (!this.budget) return;
    try {
      await this.budget(signal);
    } catch (error) {
      if (!(error instanceof BudgetExhausted)) throw error;
      throw new SailPointError('UPSTREAM_THROTTLED', this.tenant, `SailPoint tenant "${this.tenant}": ${operation} found no call left in the upstream budget`, {
        local: true,
      });
    }
  }

  private currentSession(): Promise<Session> {
    const session = this.session;
    if (session && Date.now() < session.renewAt) return Promise.resolve(session);
    // Every caller that finds the token stale joins the one renewal under way.
    this.renewal ??= this.sharedToken
      .current(() => this.requestToken())
      .then((fresh) => (this.session = fresh))
      .finally(() => (this.renewal = undefined));
    return this.renewal;
  }

  /** Drops a token that answered 401, here and for every process sharing it, unless a concurrent caller has already replaced it. */
  private async forget(stale: Session): Promise<void> {
    if (this.session === stale) this.session = undefined;
    await this.sharedToken.drop(stale);
  }

  private async requestToken(): Promise<Session> {
    const requestedAt = Date.now();
    const response = await this.send('token', new URL('oauth/token', this.base).href, () => ({
      method: 'POST',
      headers: { accept: 'application/json' },
      body: this.credentials,
    }));
    if (!response.ok) throw await this.statusError('token', response);
    const body = await this.readJson('token', response);
    const token = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const accessToken = token.access_token;
    const expiresIn = token.expires_in;
    if (typeof accessToken !== 'string' || accessToken === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new SailPointError(
        'UPSTREAM_BAD_RESPONSE',
        this.tenant,
        `SailPoint tenant "${this.tenant}": the token answer lacks access_token or expires_in`,
        { status: response.status },
      );
    }
    const ttlMs = expiresIn * 1000;
    return {
      token: accessToken,
      renewAt: requestedAt + ttlMs - Math.min(MAX_RENEWAL_MARGIN_MS, ttlMs / 10),
      expiresAt: requestedAt + ttlMs,
    };
  }

  /**
   * One HTTP exchange with its deadline. 429 answers are waited out and retried while the call's
   * total wait stays within budget; 5xx answers and dropped connections are retried `retries`
   * times after a jittered backoff; an aborted `signal` ends it all with UPSTREAM_TIMEOUT.
   */
  private async send(
    operation: Operation,
    url: string,
    prepare: () => RequestInit,
    signal?: AbortSignal,
  ): Promise<Response> {
    let throttledMs = 0;
    let throttledTries = 0;
    let retried = 0;
    for (;;) {
      await this.takeBudget(operation, signal);
      const init = prepare();
      const exchange = AbortSignal.timeout(this.timeoutMs);
      let response: Response;
      try {
        response = await this.fetchImpl(url, { ...init, signal: signal ? AbortSignal.any([signal, exchange]) : exchange });
      } catch (error) {
        const failure = this.transportError(operation, error, signal);
        if (failure.code !== 'UPSTREAM_UNAVAILABLE' || retried >= this.retries) throw failure;
        await this.backoff(operation, retried++, signal);
        continue;
      }
      if (response.status === 429) {
        const waitMs = Math.max(MIN_THROTTLE_WAIT_MS, this.retryAfterMs(response.headers.get('retry-after')));
        await discardBody(response);
        if (throttledMs + waitMs > this.maxThrottleWaitMs || ++throttledTries >= MAX_THROTTLED_TRIES) {
          throw new SailPointError(
            'UPSTREAM_THROTTLED',
            this.tenant,
            `SailPoint tenant "${this.tenant}": ${operation} is still rate limited (HTTP 429) after ${throttledMs} ms of waiting`,
            { status: 429, retryAfterMs: waitMs },
          );
        }
        throttledMs += waitMs;
        await this.wait(operation, waitMs, signal);
        continue;
      }
      if (response.status >= 500) {
        await discardBody(response);
        if (retried < this.retries) {
          await this.backoff(operation, retried++, signal);
          continue;
        }
        throw new SailPointError(
          'UPSTREAM_UNAVAILABLE',
          this.tenant,
          `SailPoint tenant "${this.tenant}": ${operation} failed with HTTP ${response.status}`,
          { status: response.status },
        );
      }
      return response;
    }
  }

  /** Full jitter: a random wait below a ceiling that doubles per retry, so retrying clients spread out. */
  private backoff(operation: Operation, retry: number, signal: AbortSignal | undefined): Promise<void> {
    return this.wait(operation, Math.random() * RETRY_BACKOFF_MS * 2 ** retry, signal);
  }

  /** A pause inside one call, cut short (as a timeout) when the call's deadline passes. */
  private async wait(operation: Operation, ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      throw this.transportError(operation, error, signal);
    }
  }

  private async readJson(operation: Operation, response: Response, signal?: AbortSignal): Promise<unknown> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.transportError(operation, error, signal);
    }
    try {
      return JSON.parse(text);
    } catch {
      // The parser's own message quotes the body, so it is not kept as the cause.
      throw new SailPointError(
        'UPSTREAM_BAD_RESPONSE',
        this.tenant,
        `SailPoint tenant "${this.tenant}": ${operation} answered HTTP ${response.status} with a body that is not JSON`,
        { status: response.status },
      );
    }
  }

  private async statusError(operation: Operation, response: Response): Promise<SailPointError> {
    await discardBody(response);
    const { status } = response;
    // The token endpoint refuses bad credentials with 400 or 401; an API answers 403 to a token without the rights.
    const authFailed = status === 401 || status === 403 || (operation === 'token' && status === 400);
    return new SailPointError(
      authFailed ? 'UPSTREAM_AUTH_FAILED' : 'UPSTREAM_BAD_RESPONSE',
      this.tenant,
      `SailPoint tenant "${this.tenant}": ${operation} was answered with HTTP ${status}`,
      { status },
    );
  }

  private transportError(operation: Operation, error: unknown, signal: AbortSignal | undefined): SailPointError {
    if (signal?.aborted) {
      return new SailPointError('UPSTREAM_TIMEOUT', this.tenant, `SailPoint tenant "${this.tenant}": ${operation} ran past the call's deadline`, {
        cause: error,
      });
    }
    if (error instanceof Error && error.name === 'TimeoutError') {
      return new SailPointError(
        'UPSTREAM_TIMEOUT',
        this.tenant,
        `SailPoint tenant "${this.tenant}": ${operation} did not answer within ${this.timeoutMs} ms`,
        { cause: error },
      );
    }
    return new SailPointError(
      'UPSTREAM_UNAVAILABLE',
      this.tenant,
      `SailPoint tenant "${this.tenant}": ${operation} could not reach the tenant`,
      { cause: error },
    );
  }

  /** Retry-After is seconds or an HTTP date; without a usable value, one second. */
  private retryAfterMs(header: string | null): number {
    if (header !== null && /^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
    const date = header === null ? Number.NaN : Date.parse(header);
    return Number.isNaN(date) ? 1000 : Math.max(0, date - Date.now());
  }
}

/** Releases the connection of an answer whose body is not wanted. */
async function discardBody(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
