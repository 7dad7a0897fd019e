// Live updates of backup jobs: what each new version of a source's list changed, published once by
// the replica that stored it to the subscribers of every replica; and, while anyone here subscribes
// to a source, a watcher that reads it through its read model as often as it may be refreshed, so
// that subscribers cost the upstream what one reader does, and nothing when there are none.
import { createPubSub, type PubSub } from 'graphql-yoga';
import type { Limits } from './config/index.js';
import { jobUpdates, type JobUpdate, type WatchedField } from './model/changes.js';
import { subscriptionLimit } from './model/errors.js';
import type { BackupJobModel } from './model/job.js';
import { log } from './observability/log.js';
import type { Reader, SourceChange } from './read-model/source-read-model.js';
import type { SourceRegistry } from './source-registry.js';
import { WATCHED_BY_KIND } from './sources.js';

/** What one new version of a source's list changed, as its subscribers receive it. */
export interface SourceUpdates {
  readonly sourceName: string;
  readonly updates: readonly JobUpdate[];
}

export type SubscriptionLimits = Pick<Limits, 'maxSubscriptions' | 'maxSubscriptionsPerCaller'>;

/** The pub/sub channel of one source (a Redis channel with REDIS_URL): one per source, so that a replica hears only what its subscribers watch. */
const topicOf = (sourceName: string) => `backup-graph:jobs:${sourceName}`;

/**
 * Updates a subscription keeps that have not been read; past it, the oldest go. They wait here
 * while its group reads another member's subscription (shared-subscription-events.ts), for the
 * moment that member leaves, and while every member of its group is backed up. The subscriptions
 * of one source hold the same updates, so those kept cost each subscription references only.
 */
const SUBSCRIBER_BUFFER = 100;
/** A watcher reads a source at most this often, however short its refreshAfterMs. */
const MIN_WATCH_MS = 100;
/**
 * How long after a snapshot turns due a watcher reads it: the read must find it due (older than
 * refreshAfterMs), and a timer may fire up to a millisecond early by Date.now().
 */
const DUE_MARGIN_MS = 2;
/** While a refresh a watcher started is under way, how often it looks for its result. */
const POLL_MS = 50;

/** The one pub/sub subscription to a source that this process's subscribers of it share. */
interface Feed {
  readonly takers: Set<(updates: SourceUpdates) => void>;
  stop(): void;
}

interface Watcher {
  subscribers: number;
  timer: NodeJS.Timeout | undefined;
}

export class LiveUpdates {
  private readonly pubSub: PubSub<Record<string, [SourceUpdates]>>;
  private readonly watchers = new Map<string, Watcher>();
  private readonly feeds = new Map<string, Feed>();

  constructor(
    private readonly registry: SourceRegistry,
    private readonly limits: SubscriptionLimits,
  ) {
    const eventTarget = registry.state.events();
    this.pubSub = createPubSub<Record<string, [SourceUpdates]>>(eventTarget ? { eventTarget } : {});
    // Every replica publishes what it stores, subscribed to or not: the subscribers may be on another.
    // They listen as long as the registry's read models live, which is as long as the gateway.
    for (const source of registry.all) {
      const watched = WATCHED_BY_KIND.get(source.kind) ?? [];
      registry.readModel(source.name)!.onChange((change) => this.publish(change, watched));
    }
  }

  /**
   * The updates of the given sources, each passed through `select` (which filters and flattens
   * them), until the iterator is returned. Refused with SUBSCRIPTION_LIMIT past the limits, which
   * count the subscriptions of every process sharing the registry's state (see takeSlots).
   */
  async subscribe<T>(caller: string, sourceNames: readonly string[], select: (updates: SourceUpdates) => readonly T[]): Promise<AsyncIterableIterator<T>> {
    const { maxSubscriptionsPerCaller, maxSubscriptions } = this.limits;
    const slots = await this.registry.state.takeSlots([
      { key: `subscriptions:caller:${caller}`, limit: maxSubscriptionsPerCaller },
      { key: 'subscriptions', limit: maxSubscriptions },
    ]);
    if (!slots.taken) throw slots.full === 0 ? subscriptionLimit('maxSubscriptionsPerCaller', maxSubscriptionsPerCaller) : subscriptionLimit('maxSubscriptions', maxSubscriptions);
    const unwatch = sourceNames.map((name) => this.watch(name));
    // Updates this subscriber has not taken yet, and its reader while it waits for one.
    const queue: SourceUpdates[] = [];
    let wake: ((updates: SourceUpdates | undefined) => void) | undefined;
    const take = (updates: SourceUpdates) => {
      if (wake) {
        const woken = wake;
        wake = undefined;
        woken(updates);
        return;
      }
      queue.push(updates);
      if (queue.length > SUBSCRIBER_BUFFER) queue.shift();
    };
    const unlisten = sourceNames.map((name) => this.listen(name, take));
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const stop of [...unlisten, ...unwatch]) stop();
      slots.release();
      wake?.(undefined);
    };
    const pending: T[] = [];
    const done = (): IteratorReturnResult<undefined> => ({ done: true, value: undefined });
    // An iterator of its own rather than an async generator: a generator waiting for the next
    // update cannot be returned until one comes, and a client that left would hold its slot till then.
    const iterator: AsyncIterableIterator<T> = {
      async next() {
        while (pending.length === 0) {
          if (closed) return done();
          const updates = queue.shift() ?? (await new Promise<SourceUpdates | undefined>((resolve) => (wake = resolve)));
          if (updates === undefined) return done();
          pending.push(...select(updates));
        }
        return { done: false, value: pending.shift()! };
      },
      async return() {
        close();
        return done();
      },
      async throw(error: unknown) {
        close();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /**
   * Calls `take` with each update of the source published on any replica, until the returned
   * function is called. The subscribers of a source in this process share one pub/sub subscription:
   * an update is handed to each of them here rather than queued by the pub/sub once per subscriber.
   */
  private listen(sourceName: string, take: (updates: SourceUpdates) => void): () => void {
    let feed = this.feeds.get(sourceName);
    if (!feed) {
      const events = this.pubSub.subscribe(topicOf(sourceName));
      const takers = new Set<(updates: SourceUpdates) => void>();
      const started: Feed = { takers, stop: () => void events.return() };
      feed = started;
      this.feeds.set(sourceName, started);
      void (async () => {
        for await (const updates of events) {
          // One subscriber that fails to take an update costs the others nothing.
          for (const taker of takers) {
            try {
              taker(updates);
            } catch (error) {
              log('warn', 'live', `[live] ${sourceName}: a subscriber could not take an update (${error instanceof Error ? error.name : 'error'})`, { source: sourceName });
            }
          }
        }
      })()
        .catch((error: unknown) => {
          log('warn', 'live', `[live] ${sourceName}: the source's updates stopped (${error instanceof Error ? error.name : 'error'}); the next subscriber listens again`, { source: sourceName });
        })
        .finally(() => {
          // A feed whose updates ended takes no new subscriber: the next one starts its own.
          if (this.feeds.get(sourceName) === started) this.feeds.delete(sourceName);
        });
    }
    const held = feed;
    held.takers.add(take);
    return () => {
      if (!held.takers.delete(take) || held.takers.size > 0) return;
      held.stop();
      if (this.feeds.get(sourceName) === held) this.feeds.delete(sourceName);
    };
  }

  private publish(change: SourceChange<BackupJobModel>, watched: readonly WatchedField[]): void {
    // A first read filling in older jobs lists them for the first time; nothing happened to them.
    if (change.backfill) return;
    const updates = jobUpdates(change.added, change.dropped, watched);
    if (updates.length > 0) this.pubSub.publish(topicOf(change.sourceName), { sourceName: change.sourceName, updates });
  }

  /** Keeps a watcher on the source while the returned function has not been called. */
  private watch(sourceName: string): () => void {
    let watcher = this.watchers.get(sourceName);
    if (!watcher) {
      watcher = { subscribers: 0, timer: undefined };
      this.watchers.set(sourceName, watcher);
      void this.tick(sourceName, watcher);
    }
    watcher.subscribers += 1;
    const held = watcher;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.subscribers -= 1;
      if (held.subscribers > 0) return;
      clearTimeout(held.timer);
      if (this.watchers.get(sourceName) === held) this.watchers.delete(sourceName);
    };
  }

  /**
   * Reads the source as any reader would, which refreshes it once it is due (on whichever replica
   * takes the refresh lease, within the source's upstream budget), and comes back when the
   * snapshot it finds turns due again.
   */
  private async tick(sourceName: string, watcher: Watcher): Promise<void> {
    const model = this.registry.readModel(sourceName)!;
    await model.read(systemReader());
    if (this.watchers.get(sourceName) !== watcher) return;
    const fetchedAt = await model.fetchedAt();
    if (this.watchers.get(sourceName) !== watcher) return;
    const now = Date.now();
    const due = fetchedAt === null ? now : fetchedAt + Math.max(MIN_WATCH_MS, model.adapter.freshness.refreshAfterMs) + DUE_MARGIN_MS;
    // A snapshot not yet due is read the moment it turns due; one past due is being refreshed.
    watcher.timer = setTimeout(() => void this.tick(sourceName, watcher), due > now ? due - now : POLL_MS);
    watcher.timer.unref();
  }
}

/**
 * The gateway itself as a reader: no caller's share to charge (the source's upstream budget still
 * bounds its calls) and no deadline of a request (each upstream call has its own).
 */
export function systemReader(): Reader {
  return {
    signal: new AbortController().signal,
    parts: new Map(),
    served: [],
    beyondSnapshot: false,
    charge: async () => undefined,
    refund: async () => undefined,
    away: (wait) => wait(),
  };
}
