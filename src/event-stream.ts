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
import { giveUp, type EventSink, type Reading, type SharedSubscriptionEvents } from './shared-subscription-events.js';

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

/**
 * Frames a stream keeps for a subscriber that reads slower than they come; past it, the oldest go.
 * They are the frames its group shares (see frameOf), so a slow subscriber costs references, not copies.
 */
const UNSENT_FRAMES = 1_000;

/**
 * A subscription's events as the bytes of a Node readable, which the server pipes to the
 * connection. The events come from `read` (see shared-subscription-events.ts), which hands them to
 * the stream's sink as its group reads them. The frames ready in one turn of the event loop go in
 * one write, while the connection keeps up; the sink is ready for more while it does and what waits
 * for this turn's write is under the readable's high-water mark. A subscriber that reads slowly
 * keeps its group's frames in a bounded queue here, and holds up no one else.
 */
function eventStream(read: (sink: EventSink) => Reading): Readable {
  let queued: Buffer[] = [];
  let queuedBytes = 0;
  let flushing = false;
  let ended = false;
  let finished = false;
  // Whether the readable takes more: false from a push it refused to its next read.
  let wanted = true;
  // As yoga's: none while the connection holds what it was sent.
  const keepAlive = setInterval(() => wanted && send(KEEP_ALIVE), KEEP_ALIVE_MS);
  const flush = () => {
    flushing = false;
    if (body.destroyed || finished || !wanted) return;
    if (queued.length > 0) {
      // About a high-water mark's worth a push: a subscriber catching up on a long queue copies a
      // few of its group's frames at a time into its connection, not the whole queue at once.
      let count = 1;
      let bytes = queued[0]!.length;
      while (count < queued.length && bytes + queued[count]!.length <= body.readableHighWaterMark) bytes += queued[count++]!.length;
      const chunk = queued.splice(0, count);
      queuedBytes -= bytes;
      wanted = body.push(count === 1 ? chunk[0] : Buffer.concat(chunk, bytes));
      if (queued.length > 0) {
        if (wanted) schedule();
        return;
      }
    }
    if (ended) {
      finished = true;
      body.push(null);
    } else if (wanted) reading.resume();
  };
  const schedule = () => {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };
  function send(frame: Buffer): void {
    queued.push(frame);
    queuedBytes += frame.length;
    if (queued.length > UNSENT_FRAMES) queuedBytes -= queued.shift()!.length;
    schedule();
  }
  const body = new Readable({
    read() {
      wanted = true;
      if (queued.length > 0 || ended) schedule();
      else reading.resume();
    },
    destroy(error, callback) {
      clearInterval(keepAlive);
      reading.stop();
      callback(error);
    },
  });
  send(KEEP_ALIVE);
  const reading = read({
    send: (result) => send(frameOf(result)),
    end(failed) {
      clearInterval(keepAlive);
      ended = true;
      if (failed) send(UNEXPECTED);
      send(COMPLETE);
    },
    get ready() {
      return wanted && !ended && queuedBytes < body.readableHighWaterMark;
    },
  });
  return body;
}

/** Serves the subscriptions that yoga would send as Server-Sent Events through eventStream, their events read by `shared`. */
export function useEventStream(shared: SharedSubscriptionEvents): Plugin {
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
        const body = eventStream((sink) => shared.read(request, events, sink));
        request.signal.addEventListener('abort', () => body.destroy(), { once: true });
        return new fetchAPI.Response(body as unknown as BodyInit, { status: 200, headers: headers() });
      }, EVENT_STREAM);
    },
  };
}
