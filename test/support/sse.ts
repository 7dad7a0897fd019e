// A GraphQL over Server-Sent Events client as a browser would be one: it posts the operation with
// `Accept: text/event-stream` and reads the stream's events as they arrive.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
  /** When it arrived (performance.now()). */
  at: number;
}

export interface SseSubscription {
  /** The HTTP status of the answer. */
  status: number;
  /** Every `next` and `complete` event so far, in order. */
  readonly events: SseEvent[];
  /** Keep-alive comments (`:`) so far, the first one included. */
  readonly pings: number;
  /** Whether the server has ended the stream. */
  readonly ended: boolean;
  /** Resolves with the events once at least `count` `next` events have arrived; rejects after `timeoutMs`. */
  next(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /** Ends the stream from the client's side, as a closed browser tab does. */
  close(): void;
}

export async function subscribe(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<SseSubscription> {
  const events: SseEvent[] = [];
  let pings = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const end = () => {
    ended = true;
    notify();
  };
  // node:http rather than fetch: the bench holds hundreds of these in one process beside the gateway,
  // and fetch's web streams would cost that process more per event than the gateway spends on it.
  const body = JSON.stringify({ query, variables });
  const request = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body), ...headers },
  });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    request.once('response', resolve).once('error', reject).end(body);
  });
  // Past the answer, an error is the stream's end (close() aborts it as a closed tab does).
  request.on('error', end);
  response.on('error', end);
  response.setEncoding('utf8');
  let buffer = '';
  response.on('data', (chunk: string) => {
    buffer += chunk;
    const at = performance.now();
    let start = 0;
    let blockEnd: number;
    while ((blockEnd = buffer.indexOf('\n\n', start)) >= 0) {
      const block = buffer.slice(start, blockEnd);
      start = blockEnd + 2;
      if (block.startsWith(':')) {
        pings += 1;
        continue;
      }
      events.push(lazyEvent(block, at));
      notify();
    }
    buffer = buffer.slice(start);
  });
  response.once('close', end);
  const nextEvents = () => events.filter((event) => event.event === 'next');
  return {
    status: response.statusCode!,
    events,
    get pings() {
      return pings;
    },
    get ended() {
      return ended;
    },
    next(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (nextEvents().length >= count) {
            finish();
            resolve(nextEvents());
          } else if (ended) {
            finish();
            reject(new Error(`the stream ended after ${nextEvents().length} of ${count} events: ${JSON.stringify(events)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${nextEvents().length} of ${count} events within ${timeoutMs} ms: ${JSON.stringify(events)}`));
        }, timeoutMs);
        const finish = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close() {
      request.destroy();
    },
  };
}

/**
 * An event whose fields are read from its block when first asked for: the bench holds hundreds of
 * these clients in one process, and a client of its own would spend only its own time on each.
 */
function lazyEvent(block: string, at: number): SseEvent {
  let fields: Map<string, string> | undefined;
  const field = (name: string) =>
    (fields ??= new Map(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]))).get(name);
  let data: unknown;
  return {
    get event() {
      return field('event') ?? 'message';
    },
    get data() {
      const text = field('data') ?? '';
      return (data ??= text === '' ? null : JSON.parse(text));
    },
    at,
  };
}

/** The extensions of the error a refused subscription sends before the server ends its stream. */
export async function refusalOf(url: string, query: string, headers: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const refused = await subscribe(url, query, {}, headers);
  const [event] = await refused.next(1);
  for (let waited = 0; !refused.ended; waited += 10) {
    if (waited >= 5_000) throw new Error('the refused subscription was not ended');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return (event!.data as { errors: { extensions: Record<string, unknown> }[] }).errors[0]!.extensions;
}
