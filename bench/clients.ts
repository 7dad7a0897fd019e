// The bench's own load loop (global fetch, one request at a time per connection), for what
// autocannon's fixed list of requests cannot do: a new body for every request, a pace per
// connection, several callers at once. It awaits every request it sends and counts each once, as
// answered or lost, with its latency and error codes.
import { GRAPHQL_HEADERS } from './processes.js';

/** A request the gateway has not answered after this long is lost: its own deadline is shorter. */
const LOST_AFTER_S = 20;

/** What the load loop counted. */
export interface Counts {
  /** Requests the load loop sent; every one was awaited to its end, so sent = answered + lost. */
  sent: number;
  /** Requests that got an HTTP answer, body and all, whatever its status. */
  answered: number;
  /** Requests that got no answer: a network error, or none within LOST_AFTER_S. Each counts once. */
  lost: number;
  /** The lost requests by cause: `timeout`, or the network error's code. */
  lostByCause: Record<string, number>;
  /** Requests under way when the measured time ran out (at most one per connection); each was awaited, and is in answered or lost. */
  inFlightAtEnd: number;
  non2xx: number;
  /** Answers that carried at least one error, by code (an answer with two codes counts for both). */
  errorsByCode: Record<string, number>;
  answersWithErrors: number;
  /** Answers with a Retry-After header. */
  withRetryAfter: number;
}

export interface LoadResult extends Counts {
  latenciesMs: number[];
  /** From the first request to the last one settled. */
  elapsedS: number;
}

export interface LoadOptions {
  /** Where each connection sends its requests. */
  url: (connection: number) => string;
  connections: number;
  durationS: number;
  /** The body of a connection's request of that turn (counted from 0 per connection). */
  body: (connection: number, turn: number) => string;
  headers?: Record<string, string>;
  /**
   * Each connection sends one request every `intervalMs`, the connections' first requests spread
   * evenly over one interval (an answer later than the next turn delays it, with no catching up);
   * absent, each sends its next request as soon as it has the answer.
   */
  intervalMs?: number;
  /** Each connection sends at most this many requests (absent: as many as the duration allows). */
  requests?: number;
  /** No request is sent once this is aborted; the ones under way are awaited as at the end of the duration. */
  stop?: AbortSignal;
}

/**
 * `connections` workers, each sending one request at a time until the time runs out; then every
 * request still under way is awaited, to its answer or to LOST_AFTER_S, so that each request sent
 * is counted once, as answered or as lost.
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const { connections, intervalMs } = options;
  const headers = { ...GRAPHQL_HEADERS, ...options.headers };
  const result: LoadResult = {
    sent: 0,
    answered: 0,
    lost: 0,
    lostByCause: {},
    inFlightAtEnd: 0,
    non2xx: 0,
    errorsByCode: {},
    answersWithErrors: 0,
    withRetryAfter: 0,
    latenciesMs: [],
    elapsedS: 0,
  };
  const startedAt = performance.now();
  const endAt = startedAt + options.durationS * 1000;
  const worker = async (connection: number) => {
    let nextAt = startedAt + (intervalMs === undefined ? 0 : (connection * intervalMs) / connections);
    for (let turn = 0; nextAt < endAt && turn < (options.requests ?? Infinity); turn++) {
      const wait = nextAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (options.stop?.aborted) break;
      result.sent++;
      const sentAt = performance.now();
      const outcome = await send(options.url(connection), options.body(connection, turn), headers);
      const settledAt = performance.now();
      nextAt = intervalMs === undefined ? settledAt : Math.max(settledAt, nextAt + intervalMs);
      if (settledAt >= endAt) result.inFlightAtEnd++;
      if ('lost' in outcome) {
        result.lost++;
        result.lostByCause[outcome.lost] = (result.lostByCause[outcome.lost] ?? 0) + 1;
        continue;
      }
      result.answered++;
      result.latenciesMs.push(settledAt - sentAt);
      if (outcome.status < 200 || outcome.status >= 300) result.non2xx++;
      if (outcome.retryAfter !== null) result.withRetryAfter++;
      const codes = errorCodes(outcome.body);
      if (codes.length > 0) result.answersWithErrors++;
      for (const code of new Set(codes)) result.errorsByCode[code] = (result.errorsByCode[code] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, connection) => worker(connection)));
  result.elapsedS = (performance.now() - startedAt) / 1000;
  return result;
}

/** One request with global fetch, to its whole answer, or to why it got none. */
export async function send(
  url: string,
  body: string,
  headers: Record<string, string> = GRAPHQL_HEADERS,
): Promise<{ status: number; body: string; retryAfter: string | null } | { lost: string }> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(LOST_AFTER_S * 1000) });
    return { status: response.status, body: await response.text(), retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') return { lost: 'timeout' };
    const code = error instanceof Error ? (error.cause as { code?: unknown } | undefined)?.code : undefined;
    return { lost: typeof code === 'string' ? code : error instanceof Error ? error.message : String(error) };
  }
}

/** The value at or below which the share of the sorted values lies (nearest rank). */
export function percentile(sorted: readonly number[], share: number): number {
  return sorted.length > 0 ? sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)]! : Number.NaN;
}

/** The codes of an answer's errors (NOT_JSON for a body that is not JSON). */
export function errorCodes(body: string): string[] {
  // Most answers carry none: parsing every dashboard would cost the load loop CPU the gateway beside it could use.
  if (body.startsWith('{') && !body.includes('"errors"')) return [];
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    return (parsed.errors ?? []).map((error) => String(error.extensions?.code ?? 'NO_CODE'));
  } catch {
    return ['NOT_JSON'];
  }
}
