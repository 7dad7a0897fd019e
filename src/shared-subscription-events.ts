// One stream of results for every subscriber that would get the same answers: the same document,
// variables and view (what the caller may see and do). Each subscriber keeps its own subscription
// (its slot, its source's events), but the group reads only one of them, its first
// member's, through execution and yoga's plugins, and hands each result to every member's sink
// (event-stream.ts writes one frame per result object). With hundreds of subscribers of one filter,
// an event costs one pass through those layers rather than one per subscriber. For a member whose
// stream the group reads next to go on from where the group stands, a subscription's source must
// keep its events from the moment it is subscribed to, and hand every subscriber the same object
// for one event, which is how the group knows what it handed on (the gateway's live updates do both).
// Each event executes in a context of its own, as a request would: a subscription outlives any
// request's deadline and budget, and an event's answer reads the sources as they are when it comes.
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import { log } from './observability/log.js';

export interface SubscriptionEvents<Context> {
  /**
   * Names everything in a subscriber's context that can change an answer beyond its document and
   * variables; subscribers whose views differ never share a result.
   */
  viewOf(context: Context): string;
  /** The context one event executes in, made from the subscription's. */
  contextOfEvent(context: Context): Context;
}

/** Where the results of one subscriber's stream go: its connection. */
export interface EventSink {
  /** One result of the stream; it never waits, and keeps what its connection has not taken yet. */
  send(result: ExecutionResult): void;
  /** The stream is over: it ended, or failed (its events could not be made). */
  end(failed: boolean): void;
  /** Whether its connection takes more now; when it turns so, it calls its reading's resume(). */
  readonly ready: boolean;
}

/** A sink's hold on its subscription's results. */
export interface Reading {
  /** Gives the subscription up: the subscriber left. */
  stop(): void;
  /** The sink is ready for more. */
  resume(): void;
}

export interface SharedSubscriptionEvents {
  readonly plugin: Plugin;
  /**
   * Hands `sink` the results of the request's subscription, `events` (as yoga's plugins left
   * them), until the reading is stopped.
   */
  read(request: Request, events: AsyncIterable<ExecutionResult>, sink: EventSink): Reading;
}

/** One subscriber's stream, as its group knows it. */
interface Member {
  readonly key: string;
  group: Group | undefined;
  /** The source event its stream last passed on to be executed: the one its next result answers. */
  taken: unknown;
}

interface Reader {
  readonly member: Member;
  readonly results: AsyncIterator<ExecutionResult>;
  readonly sink: EventSink;
  /** While the group waits for this member's next result: ends the wait, for the member left. */
  interrupt: (() => void) | undefined;
}

const GONE = Symbol('gone');

/** Ends a subscription's events from the reader's side; how the subscription ends is its own concern. */
export function giveUp(iterator: AsyncIterator<unknown>): void {
  void Promise.resolve(iterator.return?.()).catch(() => undefined);
}

/**
 * The subscribers of one key, in the order they came. The first one's results are read; when it
 * leaves, the next one's are, from where the group stands: every member's subscription has kept the
 * source's events since it began, and those the group has handed on already are passed over.
 * The next result is read while any member's connection takes more: one that reads slower than the
 * others is handed the results all the same, and keeps what it cannot take yet in its sink.
 */
class Group {
  /** The source events whose results every member has been handed. */
  readonly delivered = new WeakSet<object>();
  private readonly readers: Reader[] = [];
  private reading = false;
  private waiting: (() => void) | undefined;

  constructor(private readonly forget: () => void) {}

  join(member: Member, results: AsyncIterator<ExecutionResult>, sink: EventSink): Reading {
    const reader: Reader = { member, results, sink, interrupt: undefined };
    member.group = this;
    this.readers.push(reader);
    if (!this.reading) void this.read();
    return {
      stop: () => {
        const at = this.readers.indexOf(reader);
        if (at < 0) return;
        this.readers.splice(at, 1);
        reader.interrupt?.();
        giveUp(results);
        if (this.readers.length === 0) this.forget();
        this.resume();
      },
      resume: () => this.resume(),
    };
  }

  /**
   * Whether the group waits for its members' connections: events published since sit unread in its
   * stream, and a subscriber that joined now would be handed them, from before it subscribed.
   */
  get stalled(): boolean {
    return this.waiting !== undefined;
  }

  private resume(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private async read(): Promise<void> {
    this.reading = true;
    try {
      while (this.readers.length > 0) {
        if (!this.readers.some((reader) => reader.sink.ready)) {
          await new Promise<void>((resolve) => (this.waiting = resolve));
          continue;
        }
        const lead = this.readers[0]!;
        const pending = lead.results.next();
        // A result that comes after its reader left is the next reader's to hand on: it has not been marked delivered.
        pending.catch(() => undefined);
        // A wait of its own for each result: a promise that lived as long as the member would keep
        // every result raced against it, and with them their frames.
        const gone = new Promise<typeof GONE>((resolve) => (lead.interrupt = () => resolve(GONE)));
        const next = await Promise.race([pending, gone]);
        lead.interrupt = undefined;
        // A reader that left ends only its own stream.
        if (next === GONE || !this.readers.includes(lead)) continue;
        if (next.done) return this.end(false);
        if (typeof lead.member.taken === 'object' && lead.member.taken !== null) this.delivered.add(lead.member.taken);
        for (const reader of this.readers) reader.sink.send(next.value);
      }
    } catch (error) {
      // The members' streams end as a client expects a stream to end, the error masked as yoga masks one.
      log('warn', 'subscription', `[subscription] a stream's events failed (${error instanceof Error ? error.name : 'error'}); it ends with an unexpected error`);
      this.end(true);
    } finally {
      this.reading = false;
    }
  }

  private end(failed: boolean): void {
    this.forget();
    for (const reader of this.readers.splice(0)) {
      giveUp(reader.results);
      reader.sink.end(failed);
    }
  }
}

/**
 * The subscription's source events as the stream to execute: those its group has already handed on
 * are passed over, and the one passed on last is kept as `member.taken`.
 */
function tracked(events: AsyncIterable<unknown>, member: Member): AsyncIterableIterator<unknown> {
  const source = events[Symbol.asyncIterator]();
  const iterator: AsyncIterableIterator<unknown> = {
    async next() {
      for (;;) {
        const next = await source.next();
        const seen = !next.done && typeof next.value === 'object' && next.value !== null && member.group?.delivered.has(next.value);
        if (seen) continue;
        member.taken = next.done ? undefined : next.value;
        return next;
      }
    },
    async return(value?: unknown) {
      return (await source.return?.(value)) ?? { done: true, value: undefined };
    },
    async throw(error: unknown) {
      if (source.throw) return source.throw(error);
      throw error;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

export function sharedSubscriptionEvents<Context>({ viewOf, contextOfEvent }: SubscriptionEvents<Context>): SharedSubscriptionEvents {
  // By identity: the parse cache gives one document per text; a copy only shares less.
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  let unshared = 0;
  const members = new WeakMap<Request, Member>();
  const groups = new Map<string, Group>();

  const executionKey = (args: ExecutionArgs): string => {
    let id = documentIds.get(args.document);
    if (id === undefined) documentIds.set(args.document, (id = ++documents));
    return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null, viewOf(args.contextValue as Context)]);
  };

  const plugin: Plugin = {
    onSubscribe({ setSubscribeFn }) {
      // graphql-js' own subscribe, but for the execution of each event.
      setSubscribeFn(async (args) => {
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) return stream;
        const member: Member = { key: executionKey(args), group: undefined, taken: undefined };
        const { request } = args.contextValue as { request?: Request };
        if (request) members.set(request, member);
        return mapAsyncIterator(tracked(stream, member), (payload: unknown) =>
          execute({ ...args, contextValue: contextOfEvent(args.contextValue as Context), rootValue: payload }),
        );
      });
    },
  };

  return {
    plugin,
    read(request, events, sink) {
      const member = members.get(request) ?? { key: `unshared:${++unshared}`, group: undefined, taken: undefined };
      let group = groups.get(member.key);
      // A stalled group goes on for its members; a newcomer starts the next one, which later ones join.
      if (!group || group.stalled) {
        const started: Group = new Group(() => {
          if (groups.get(member.key) === started) groups.delete(member.key);
        });
        groups.set(member.key, (group = started));
      }
      return group.join(member, events[Symbol.asyncIterator](), sink);
    },
  };
}
