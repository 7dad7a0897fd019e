// The gateway's Server-Sent Events: yoga's wire format (a keep-alive comment, `next` events, a
// `complete` event), the events of one turn in one write to the socket, nothing of yoga's internal
// error extensions, and a client that stops reading stops the server asking its stream for more.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { GraphQLScalarType } from 'graphql';
import { createPubSub, createSchema, createYoga, type Plugin } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEventStream } from '../src/event-stream.js';
import { sharedSubscriptionEvents } from '../src/shared-subscription-events.js';
import { subscribe } from './support/sse.js';

const TICKS = 'subscription { tick }';

interface Served {
  url: string;
  /** The writes to every connection's socket so far. */
  writes(): number;
  publish(n: number): void;
  /** How many ticks the stream of `bulky` has been asked for. */
  pulled(): number;
  /** Whether the stream of `slow`, whose subscription takes 300 ms to set up, has been given up. */
  slowReturned(): boolean;
  close(): Promise<void>;
}

/** Serves `tick` (from a pub/sub), `countdown` (three ticks, then the end), `failing` and `bulky` over SSE, with the given plugins. */
async function serve(plugins: Plugin[]): Promise<Served> {
  const pubSub = createPubSub<{ tick: [number] }>();
  let pulled = 0;
  let slowReturned = false;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'scalar Huge type Query { unused: Boolean } type Subscription { tick: Int! countdown: Int! failing: Int bulky: String! slow: Int huge: Huge }',
      resolvers: {
        // A value JSON cannot write: the stream's serialization fails.
        Huge: new GraphQLScalarType({ name: 'Huge', serialize: () => 2n }),
        Subscription: {
          slow: {
            subscribe: async () => {
              await new Promise((resolve) => setTimeout(resolve, 300));
              const events: AsyncIterableIterator<number> = {
                next: async () => ({ done: false, value: 1 }),
                return: async () => {
                  slowReturned = true;
                  return { done: true, value: undefined };
                },
                [Symbol.asyncIterator]: () => events,
              };
              return events;
            },
            resolve: (n: number) => n,
          },
          huge: {
            subscribe: async function* () {
              yield 1;
            },
            resolve: () => 1,
          },
          tick: { subscribe: () => pubSub.subscribe('tick'), resolve: (n: number) => n },
          countdown: {
            subscribe: async function* () {
              yield* [3, 2, 1];
            },
            resolve: (n: number) => n,
          },
          failing: {
            subscribe: async function* () {
              yield 1;
            },
            resolve: () => {
              throw new Error('a secret detail');
            },
          },
          bulky: {
            subscribe: async function* () {
              for (;;) {
                pulled += 1;
                yield pulled;
              }
            },
            resolve: (n: number) => `${n}`.padEnd(64 * 1024, '.'),
          },
        },
      },
    }),
    maskedErrors: { isDev: false },
    plugins,
  });
  const server: Server = createServer(yoga);
  let writes = 0;
  server.on('connection', (socket: Socket & { _writev?: (...args: unknown[]) => void; _write: (...args: unknown[]) => void }) => {
    // The socket's own write and writev: one call each time Node hands the kernel what was written.
    const { _write, _writev } = socket;
    socket._write = (...args) => {
      writes += 1;
      _write.apply(socket, args);
    };
    if (_writev) {
      socket._writev = (...args) => {
        writes += 1;
        _writev.apply(socket, args);
      };
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    writes: () => writes,
    publish: (n) => pubSub.publish('tick', n),
    pulled: () => pulled,
    slowReturned: () => slowReturned,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The raw text of a subscription's stream until it ends or `ms` pass. */
async function rawStream(url: string, query: string, ms: number): Promise<string> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } });
    request.once('error', reject).once('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const timer = setTimeout(() => {
        request.destroy();
        resolve(text);
      }, ms);
      response.once('end', () => {
        clearTimeout(timer);
        resolve(text);
      });
    });
    request.end(body);
  });
}

describe('useEventStream', () => {
  const servers: Served[] = [];
  beforeAll(async () => {
    const shared = sharedSubscriptionEvents<object>({ viewOf: () => '', contextOfEvent: (context) => context });
    servers.push(await serve([shared.plugin, useEventStream(shared)]), await serve([]));
  });
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  /** The writes that five events published in one turn took, and the ticks the client read. */
  async function fiveInOneTurn(server: Served): Promise<{ writes: number; ticks: unknown[] }> {
    const subscription = await subscribe(server.url, TICKS);
    try {
      // The stream is open on the server once its first event arrives.
      while (subscription.events.length === 0) {
        server.publish(0);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const heard = subscription.events.length;
      const before = server.writes();
      for (let n = 1; n <= 5; n++) server.publish(n);
      const events = await subscription.next(heard + 5);
      return { writes: server.writes() - before, ticks: events.slice(heard).map((event) => (event.data as { data: { tick: number } }).data.tick) };
    } finally {
      subscription.close();
    }
  }

  it('writes the events of one turn to the socket at once, where yoga alone writes each event on its own', async () => {
    const [ours, yogas] = [await fiveInOneTurn(servers[0]!), await fiveInOneTurn(servers[1]!)];
    expect(ours).toEqual({ writes: 1, ticks: [1, 2, 3, 4, 5] });
    expect(yogas.ticks).toEqual([1, 2, 3, 4, 5]);
    expect(yogas.writes).toBeGreaterThanOrEqual(5);
  });

  it("sends a finished stream in yoga's wire format, byte for byte", async () => {
    const [ours, yogas] = await Promise.all(servers.map((server) => rawStream(server.url, 'subscription { countdown }', 5_000)));
    expect(ours).toBe(':\n\nevent: next\ndata: {"data":{"countdown":3}}\n\nevent: next\ndata: {"data":{"countdown":2}}\n\nevent: next\ndata: {"data":{"countdown":1}}\n\nevent: complete\ndata:\n\n');
    expect(ours).toBe(yogas);
  });

  it("sends an event's masked error as yoga does, without the marks yoga keeps for itself", async () => {
    const [ours, yogas] = await Promise.all(servers.map((server) => rawStream(server.url, 'subscription { failing }', 5_000)));
    expect(ours).toContain('"message":"Unexpected error."');
    expect(ours).not.toContain('unexpected');
    expect(ours).not.toContain('secret');
    expect(ours).toBe(yogas);
  });

  it("sends each stream its own response's headers, whatever another stream's request asked", async () => {
    const headersOf = async (origin?: string) => {
      const body = JSON.stringify({ query: 'subscription { countdown }' });
      const request = httpRequest(servers[0]!.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body), ...(origin ? { origin } : {}) },
      });
      const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => request.once('response', resolve).once('error', reject).end(body));
      response.resume();
      return response.headers;
    };
    const fromPage = await headersOf('https://ops.example.com');
    const fromTool = await headersOf();
    expect(fromPage['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(fromPage['content-type']).toBe('text/event-stream');
    // A request without an origin (curl, a server) gets no CORS headers, none left by the page's stream.
    expect(fromTool['access-control-allow-origin']).toBeUndefined();
    expect(fromTool['content-type']).toBe('text/event-stream');
  });

  it('ends a stream whose event cannot be written with a masked error and its complete event, the server going on', async () => {
    const text = await rawStream(servers[0]!.url, 'subscription { huge }', 5_000);
    expect(text).toBe(':\n\nevent: next\ndata: {"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}\n\nevent: complete\ndata:\n\n');
    expect(await rawStream(servers[0]!.url, 'subscription { countdown }', 5_000)).toContain('event: complete');
  });

  it('gives up the subscription of a client that left while it was being set up', async () => {
    const body = JSON.stringify({ query: 'subscription { slow }' });
    const request = httpRequest(servers[0]!.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } });
    request.on('error', () => undefined).end(body);
    await new Promise((resolve) => setTimeout(resolve, 100));
    request.destroy();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(servers[0]!.slowReturned()).toBe(true);
  });

  it('keeps an idle stream alive with a comment every 300 ms under NODE_ENV=test, as yoga does', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const idle = await subscribe(servers[0]!.url, TICKS);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(idle.pings).toBeGreaterThanOrEqual(3);
      expect(idle.ended).toBe(false);
    } finally {
      idle.close();
    }
  });

  it('stops asking the stream for events while the client does not read, and goes on when it does', async () => {
    const server = servers[0]!;
    const body = JSON.stringify({ query: 'subscription { bulky }' });
    const request = httpRequest(server.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } });
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => request.once('response', resolve).once('error', reject).end(body));
    try {
      response.pause();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const stalled = server.pulled();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // 64 KiB an event: the socket's buffers hold some dozens; an unbounded stream would be at thousands.
      expect(server.pulled()).toBe(stalled);
      expect(stalled).toBeLessThan(200);
      let read = 0;
      response.on('data', (chunk: Buffer) => (read += chunk.length));
      response.resume();
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(read).toBeGreaterThan(0);
      expect(server.pulled()).toBeGreaterThan(stalled);
    } finally {
      request.destroy();
    }
  });
});
