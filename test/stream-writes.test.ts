// Turn writes: the events of a subscription that are ready in one turn of the event loop reach the
// client's connection in one write to its socket, and each event still arrives whole and in order.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTurnWrites } from '../src/stream-writes.js';
import { subscribe } from './support/sse.js';

const TICKS = 'subscription { tick }';

/** Serves `tick` over SSE, with or without useTurnWrites, counting the writes to each connection's socket. */
async function serve(turnWrites: boolean): Promise<{ url: string; writes: () => number; publish: (n: number) => void; close: () => Promise<void> }> {
  const pubSub = createPubSub<{ tick: [number] }>();
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: 'type Query { unused: Boolean } type Subscription { tick: Int! }',
      resolvers: { Subscription: { tick: { subscribe: () => pubSub.subscribe('tick'), resolve: (n: number) => n } } },
    }),
    plugins: turnWrites ? [useTurnWrites()] : [],
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('useTurnWrites', () => {
  const servers: Awaited<ReturnType<typeof serve>>[] = [];
  beforeAll(async () => {
    servers.push(await serve(true), await serve(false));
  });
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  /** The writes that five events published in one turn took, and the ticks the client read. */
  async function fiveInOneTurn(server: Awaited<ReturnType<typeof serve>>): Promise<{ writes: number; ticks: unknown[] }> {
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

  it('writes the events of one turn to the socket at once, where without it each event is a write of its own', async () => {
    const [turned, plain] = [await fiveInOneTurn(servers[0]!), await fiveInOneTurn(servers[1]!)];
    expect(turned).toEqual({ writes: 1, ticks: [1, 2, 3, 4, 5] });
    expect(plain).toEqual({ writes: 5, ticks: [1, 2, 3, 4, 5] });
  });
});
