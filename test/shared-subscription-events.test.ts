// Shared subscription events: subscribers of one document, variables and view get one execution per
// event between them, and with the gateway's event stream one serialization; a different view or
// different variables get their own, with their own answer.
import { EventEmitter, on } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLScalarType, type ExecutionResult } from 'graphql';
import { createSchema, createYoga, mapAsyncIterator } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEventStream } from '../src/event-stream.js';
import { sharedSubscriptionEvents } from '../src/shared-subscription-events.js';
import { subscribe, type SseSubscription } from './support/sse.js';

interface Context {
  view: string;
}

// The last test asks whether results can be collected: it needs the collector at hand.
setFlagsFromString('--expose_gc');

const TICKS = 'subscription Ticks($prefix: String!) { tick { label(prefix: $prefix) stamp } }';

describe('sharedSubscriptionEvents', () => {
  // A source that keeps its events from the moment it is subscribed to, as the gateway's live
  // updates do (yoga's pub/sub starts listening only when first read).
  const ticks = new EventEmitter();
  const pubSub = { publish: (_topic: 'tick', tick: { n: number }) => ticks.emit('tick', tick) };
  const subscribeToTicks = () => mapAsyncIterator(on(ticks, 'tick') as AsyncIterableIterator<[{ n: number }]>, ([tick]) => tick);
  /** How often each view's label was resolved. */
  const executions = new Map<string, number>();
  /** How often a stamp was written as JSON: its value says so whenever JSON.stringify meets it. */
  let serializations = 0;
  const Stamp = new GraphQLScalarType({
    name: 'Stamp',
    serialize: () => ({
      toJSON: () => {
        serializations += 1;
        return 'stamp';
      },
    }),
  });
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const shared = sharedSubscriptionEvents<Context>({ viewOf: (context) => context.view, contextOfEvent: (context) => ({ ...context }) });
    const yoga = createYoga<object, Context>({
      schema: createSchema<Context>({
        typeDefs: /* GraphQL */ `
          scalar Stamp
          type Tick { label(prefix: String!): String! stamp: Stamp! }
          type Query { unused: Boolean }
          type Subscription { tick: Tick! bulky: String! }
        `,
        resolvers: {
          Stamp,
          Subscription: {
            tick: { subscribe: subscribeToTicks, resolve: (tick: { n: number }) => tick },
            // 64 KiB an event: a client that stops reading fills its connection's buffers within a few dozen.
            bulky: { subscribe: subscribeToTicks, resolve: (tick: { n: number }) => `${tick.n} `.padEnd(64 * 1024, '.') },
          },
          Tick: {
            stamp: () => true,
            label: (tick: { n: number }, { prefix }: { prefix: string }, context: Context) => {
              executions.set(context.view, (executions.get(context.view) ?? 0) + 1);
              return `${prefix} ${tick.n} for ${context.view}`;
            },
          },
        },
      }),
      context: ({ request }) => ({ view: request.headers.get('x-view') ?? 'none' }),
      plugins: [shared.plugin, useEventStream(shared)],
    });
    server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Publishes ticks numbered 0 until every subscription has heard one: then each stream is open on the server. */
  const untilOpen = async (open: SseSubscription[]) => {
    while (open.some((subscription) => subscription.events.length === 0)) {
      pubSub.publish('tick', { n: 0 });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const numbersOf = (subscription: SseSubscription, field: 'tick' | 'bulky') =>
    subscription.events
      .filter((event) => event.event === 'next')
      .map((event) => {
        const value = (event.data as { data: Record<string, { label: string } | string> }).data[field]!;
        // A bulky event starts with its number, a tick's label has it second.
        return Number.parseInt(typeof value === 'string' ? value : value.label.split(' ')[1]!, 10);
      })
      .filter((n) => n > 0);

  const labelsOf = async (subscription: SseSubscription, count: number) =>
    (await subscription.next(count)).map((event) => (event.data as { data: { tick: { label: string } } }).data.tick.label);

  it('executes and serializes each event once for subscribers of one document, variables and view, and apart for another view or other variables', async () => {
    const open = await Promise.all([
      ...Array.from({ length: 5 }, () => subscribe(url, TICKS, { prefix: 'tick' }, { 'x-view': 'a' })),
      subscribe(url, TICKS, { prefix: 'tick' }, { 'x-view': 'b' }),
      subscribe(url, TICKS, { prefix: 'other' }, { 'x-view': 'a' }),
    ]);
    try {
      // Every stream is open on the server once an event reaches each.
      while (open.some((subscription) => subscription.events.length === 0)) {
        pubSub.publish('tick', { n: 0 });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      const heard = open.map((subscription) => subscription.events.length);
      executions.clear();
      serializations = 0;
      pubSub.publish('tick', { n: 1 });
      pubSub.publish('tick', { n: 2 });
      const labels = await Promise.all(open.map(async (subscription, index) => (await labelsOf(subscription, heard[index]! + 2)).slice(-2)));
      expect(labels.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => ['tick 1 for a', 'tick 2 for a']));
      expect(labels[5]).toEqual(['tick 1 for b', 'tick 2 for b']);
      expect(labels[6]).toEqual(['other 1 for a', 'other 2 for a']);
      // Two events: the five subscribers of view a once each, the other variables once, view b once.
      expect(Object.fromEntries(executions)).toEqual({ a: 4, b: 2 });
      // And as many serializations: three results an event, each written once for its subscribers.
      expect(serializations).toBe(6);
    } finally {
      for (const subscription of open) subscription.close();
    }
  });

  it('goes on handing every subscriber of a group each event once, in order, after the subscriber whose stream it read leaves', async () => {
    // The first to come is the one whose stream the group reads.
    const first = await subscribe(url, TICKS, { prefix: 'tick' }, { 'x-view': 'c' });
    await untilOpen([first]);
    const others = await Promise.all(Array.from({ length: 3 }, () => subscribe(url, TICKS, { prefix: 'tick' }, { 'x-view': 'c' })));
    try {
      await untilOpen(others);
      executions.clear();
      for (const n of [1, 2, 3]) pubSub.publish('tick', { n });
      await Promise.all(others.map((subscription) => subscription.next(subscription.events.length + 3)));
      first.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const n of [4, 5, 6]) pubSub.publish('tick', { n });
      await new Promise((resolve) => setTimeout(resolve, 100));
      for (const other of others) expect(numbersOf(other, 'tick')).toEqual([1, 2, 3, 4, 5, 6]);
      // Once each: the next subscriber's stream passed over the events the group had handed on.
      expect(Object.fromEntries(executions)).toEqual({ c: 6 });
    } finally {
      for (const subscription of [first, ...others]) subscription.close();
    }
  });

  it('hands the events on to the subscribers that read while one of the group does not', async () => {
    const body = JSON.stringify({ query: 'subscription { bulky }', variables: {} });
    const stalled = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-view': 'd', 'content-length': Buffer.byteLength(body) } });
    const response = await new Promise<IncomingMessage>((resolve, reject) => stalled.once('response', resolve).once('error', reject).end(body));
    response.pause();
    const reader = await subscribe(url, 'subscription { bulky }', {}, { 'x-view': 'd' });
    try {
      await untilOpen([reader]);
      const heard = reader.events.length;
      // Ten times what the stalled client's connection can hold.
      for (let n = 1; n <= 300; n++) pubSub.publish('tick', { n });
      await reader.next(heard + 300);
      expect(numbersOf(reader, 'bulky')).toEqual(Array.from({ length: 300 }, (_, index) => index + 1));
      // And the stalled client, reading again, gets the events it was kept.
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.resume();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(text).toContain('"bulky":"300 ');
    } finally {
      reader.close();
      stalled.destroy();
    }
  });

  it('hands a subscriber that joins a group whose members all stopped reading only the events that come after it', async () => {
    const body = JSON.stringify({ query: 'subscription { bulky }', variables: {} });
    const stalled = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-view': 'e', 'content-length': Buffer.byteLength(body) } });
    const response = await new Promise<IncomingMessage>((resolve, reject) => stalled.once('response', resolve).once('error', reject).end(body));
    response.pause();
    try {
      // Ten times what the stalled client's connection can hold: the group stops reading, the rest waits in its stream.
      for (let n = 1; n <= 300; n++) pubSub.publish('tick', { n });
      await new Promise((resolve) => setTimeout(resolve, 300));
      const newcomer = await subscribe(url, 'subscription { bulky }', {}, { 'x-view': 'e' });
      try {
        await new Promise((resolve) => setTimeout(resolve, 100));
        for (let n = 301; n <= 305; n++) pubSub.publish('tick', { n });
        await newcomer.next(5);
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(numbersOf(newcomer, 'bulky')).toEqual([301, 302, 303, 304, 305]);
      } finally {
        newcomer.close();
      }
    } finally {
      stalled.destroy();
    }
  });

  it('keeps none of the results it handed on while the member whose stream it reads stays', async () => {
    const gc = runInNewContext('gc') as () => void;
    const collected = async () => {
      for (let round = 0; round < 2; round++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        gc();
      }
    };
    const shared = sharedSubscriptionEvents<object>({ viewOf: () => '', contextOfEvent: (context) => context });
    const results: WeakRef<object>[] = [];
    // 200 results, then a wait for the next, as a subscription waits between refreshes.
    const events: AsyncIterable<ExecutionResult> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          if (results.length === 200) return new Promise<never>(() => undefined);
          const result = { data: { n: results.length } };
          results.push(new WeakRef(result));
          return { done: false, value: result };
        },
      }),
    };
    let handed = 0;
    const reading = shared.read(new Request('http://gateway.test/graphql'), events, { send: () => void (handed += 1), end: () => undefined, ready: true });
    try {
      while (handed < 200) await new Promise((resolve) => setTimeout(resolve, 5));
      await collected();
      expect(results.filter((result) => result.deref() !== undefined).length).toBeLessThan(5);
    } finally {
      reading.stop();
    }
  });
});
