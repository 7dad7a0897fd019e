// A GraphQL over Server-Sent Events client as a browser's fetch would be one: it posts the operation
// with `Accept: text/event-stream` and reads the stream's events as they arrive.
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
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let pings = 0;
  let ended = false;
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const read = async () => {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) {
            pings += 1;
            continue;
          }
          const fields = new Map(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
          const data = fields.get('data') ?? '';
          events.push({ event: fields.get('event') ?? 'message', data: data === '' ? null : JSON.parse(data), at: performance.now() });
          notify();
        }
      }
    } catch {
      // Aborted by close().
    } finally {
      ended = true;
      notify();
    }
  };
  void read();
  const nextEvents = () => events.filter((event) => event.event === 'next');
  return {
    status: response.status,
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
      controller.abort();
    },
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
