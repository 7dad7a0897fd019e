// Shared subscription events: subscribers of one document, variables and view get one execution per
// event between them, and with the gateway's event stream one serialization; a different view or
// different variables get their own, with their own answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLScalarType } from 'graphql';
import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useEventStream } from '../src/event-stream.js';
import { useSharedSubscriptionEvents } from '../src/shared-subscription-events.js';
import { subscribe, type SseSubscription } from './support/sse.js';

interface Context {
  view: string;
}

const TICKS = 'subscription Ticks($prefix: String!) { tick { label(prefix: $prefix) stamp } }';

describe('useSharedSubscriptionEvents', () => {
  const pubSub = createPubSub<{ tick: [{ n: number }] }>();
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
    const yoga = createYoga<object, Context>({
      schema: createSchema<Context>({
        typeDefs: /* GraphQL */ `
          scalar Stamp
          type Tick { label(prefix: String!): String! stamp: Stamp! }
          type Query { unused: Boolean }
          type Subscription { tick: Tick! }
        `,
        resolvers: {
          Stamp,
          Subscription: { tick: { subscribe: () => pubSub.subscribe('tick'), resolve: (tick: { n: number }) => tick } },
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
      plugins: [useSharedSubscriptionEvents<Context>({ viewOf: (context) => context.view, contextOfEvent: (context) => ({ ...context }) }), useEventStream()],
    });
    server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

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
});
