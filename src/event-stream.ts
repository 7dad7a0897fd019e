// Subscriptions over Server-Sent Events, each event's frame made once and written straight to its
// connection. yoga's own processor serializes and encodes every event once per subscriber and
// passes it through a web ReadableStream; with hundreds of subscribers of one filter that cost more
// than the events' execution. Here subscribers that share an event's result (see
// shared-subscription-events.ts) share its frame too, and the frames of one stream that are ready
// in one turn of the event loop reach its connection in one write. The wire format is yoga's
// (GraphQL over SSE, distinct connections mode): a `:` comment at once and as a keep-alive, a
// `next` event per result, a `complete` event at the end.
import { Readable } from 'node:stream';
import type { ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLFormattedError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { log } from './observability/log.js';

/** yoga's keep-alive interval, and its shorter one under NODE_ENV=test, which the tests rely on as they do on yoga's. */
const KEEP_ALIVE_MS = process.env.NODE_ENV === 'test' ? 300 : 12_000;
const EVENT_STREAM = 'text/event-stream';
const KEEP_ALIVE = Buffer.from(':\n\n');
const COMPLETE = Buffer.from('event: complete\ndata:\n\n');
const UNEXPECTED = Buffer.from('event: next\ndata: {"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}\n\n');
/** A stream's headers, made anew for each: the server's Headers write later headers (CORS) into the object they were made from. */
const headers = () => ({ 'Content-Type': EVENT_STREAM, Connection: 'keep-alive', 'Cache-Control': 'no-cache', 'Content-Encoding': 'none' });

/** Frames by result: every subscriber handed the same result object writes the same bytes. */
const frames = new WeakMap<object, Buffer>();

function frameOf(result: ExecutionResult): Buffer {
  let frame = frames.get(result);
  if (!frame) frames.set(result, (frame = Buffer.from(`event: next\ndata: ${JSON.stringify(withoutInternals(result))}\n\n`)));
  return frame;
}

/**
 * The result without what yoga keeps in extensions for itself (an HTTP status, the mark of an
 * unexpected error), as its own processors send it; yoga does not export that step.
 */
function withoutInternals(result: ExecutionResult): ExecutionResult | FormattedExecutionResult {
  if (!result.errors?.length && !result.extensions?.['http']) return result;
  const { http: _http, ...extensions } = result.extensions ?? {};
  // Spread over the result, so that its members keep their order on the wire.
  const formatted: FormattedExecutionResult = { ...(result as FormattedExecutionResult), extensions: Object.keys(extensions).length > 0 ? extensions : undefined };
  if (result.errors) formatted.errors = result.errors.map(publicError);
  return formatted;
}

function publicError(error: GraphQLError): GraphQLFormattedError {
  // A plugin may have left a plain object where an error was; yoga sends it as it is.
  if (typeof error.toJSON !== 'function') return error;
  const { extensions: all, ...formatted } = error.toJSON();
  const { http: _http, unexpected: _unexpected, ...extensions } = all ?? {};
  return Object.keys(extensions).length > 0 ? { ...formatted, extensions } : formatted;
}

/** Ends a subscription's events from the reader's side; how the subscription ends is its own concern. */
function giveUp(iterator: AsyncIterator<unknown>): void {
  void Promise.resolve(iterator.return?.()).catch(() => undefined);
}

/**
 * A stream's events as the bytes of a Node readable, which the server pipes to the connection. It
 * asks for the next event only while the connection keeps up and what waits for this turn's write is
 * under the readable's high-water mark: a subscriber that reads slowly leaves its events in its
 * subscription's bounded buffer rather than in this process's memory, and a stream whose events are
 * always ready still lets the event loop turn.
 */
function eventStream(events: AsyncIterable<ExecutionResult>): Readable {
  const iterator = events[Symbol.asyncIterator]();
  let queued: Buffer[] = [];
  let queuedBytes = 0;
  let flushing = false;
  let ended = false;
  // Whether the readable takes more: false from a push it refused to its next read.
  let wanted = true;
  let wake: (() => void) | undefined;
  const rouse = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  // As yoga's: none while the connection holds what it was sent.
  const keepAlive = setInterval(() => wanted && send(KEEP_ALIVE), KEEP_ALIVE_MS);
  const body = new Readable({
    read() {
      wanted = true;
      rouse();
    },
    destroy(error, callback) {
      clearInterval(keepAlive);
      rouse();
      giveUp(iterator);
      callback(error);
    },
  });
  const flush = () => {
    flushing = false;
    if (body.destroyed) return;
    wanted = body.push(queued.length === 1 ? queued[0] : Buffer.concat(queued, queuedBytes));
    [queued, queuedBytes] = [[], 0];
    if (ended) body.push(null);
    else if (wanted) rouse();
  };
  function send(frame: Buffer): void {
    queued.push(frame);
    queuedBytes += frame.length;
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  }
  send(KEEP_ALIVE);
  void (async () => {
    let last = [COMPLETE];
    try {
      while (!body.destroyed) {
        if (!wanted || queuedBytes >= body.readableHighWaterMark) {
          await new Promise<void>((resolve) => (wake = resolve));
          continue;
        }
        const next = await iterator.next();
        if (next.done) break;
        send(frameOf(next.value));
      }
    } catch (error) {
      // The stream ends as a client expects a stream to end, with the error masked as yoga masks one.
      log('warn', 'subscription', `[subscription] a stream's events failed (${error instanceof Error ? error.name : 'error'}); it ends with an unexpected error`);
      last = [UNEXPECTED, COMPLETE];
    }
    clearInterval(keepAlive);
    ended = true;
    for (const frame of last) send(frame);
  })();
  return body;
}

/** Serves the subscriptions that yoga would send as Server-Sent Events through eventStream. */
export function useEventStream(): Plugin {
  const subscriptions = new WeakSet<Request>();
  return {
    onSubscribe({ args }) {
      const { request } = args.contextValue as { request?: Request };
      if (request) subscriptions.add(request);
    },
    onResultProcess({ request, result, resultProcessor, setResultProcessor }) {
      // yoga streams a subscription's results only as Server-Sent Events: a processor it chose for one is that.
      if (!resultProcessor || !isAsyncIterable(result) || !subscriptions.has(request)) return;
      setResultProcessor((streamed, fetchAPI) => {
        const events = streamed as AsyncIterable<ExecutionResult>;
        // A client may leave while its subscription is being set up, before there is a connection to
        // close: its events are not asked for, and its subscription is given up at once.
        if (request.signal.aborted) {
          giveUp(events[Symbol.asyncIterator]());
          return new fetchAPI.Response(null, { status: 200, headers: headers() });
        }
        const body = eventStream(events);
        request.signal.addEventListener('abort', () => body.destroy(), { once: true });
        return new fetchAPI.Response(body as unknown as BodyInit, { status: 200, headers: headers() });
      }, EVENT_STREAM);
    },
  };
}
