// State that every replica of the gateway must share: cached read models, refresh leases,
// upstream budgets, whole answers, subscription slots, and the events replicas publish to each
// other's subscribers.
// One process keeps it in memory; with REDIS_URL, replicas share it through Redis.
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import type { PubSubEventTarget } from 'graphql-yoga';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

/** A value as it was stored, with when its data was fetched upstream. */
export interface Stored<T> {
  value: T;
  fetchedAt: number;
}

/**
 * A large value kept in slices (a source's job list: its settled jobs cut by creation time, and its
 * jobs in flight in a slice of their own): a small head, and slices each named by a version. A
 * slice's version names its items for good: whoever changes a slice's items gives it a new version,
 * and a slice whose version is unchanged is the same items. So a store writes only the slices whose
 * version it does not hold, a reader fetches and decodes only those, and the items of the others
 * stay the very objects it already had.
 */
export interface Sliced<Head, Item> {
  readonly head: Head;
  readonly slices: readonly Slice<Item>[];
}

export interface Slice<Item> {
  /** Unique among a value's slices (a creation-time slice's number, say). */
  readonly id: string;
  /** Unique across every writer and every version of the value (a random id). */
  readonly version: string;
  readonly items: readonly Item[];
}

/** One count a slot is taken from, and how many slots it has. */
export interface SlotClaim {
  key: string;
  limit: number;
}

/** What taking slots gave: the slots, held until released; or the index of the first claim that had none left. */
export type Slots = { taken: true; release(): void } | { taken: false; full: number };

/** Slots taken, whose `giveBack` runs once however often they are released. */
export function heldSlots(giveBack: () => void): Slots {
  let released = false;
  return {
    taken: true,
    release: () => {
      if (released) return;
      released = true;
      giveBack();
    },
  };
}

/** Where a pub/sub's events travel: each topic carries one payload per event. */
export type SharedEvents = PubSubEventTarget<Record<string, [unknown]>>;

export interface SharedState {
  /** The value stored under `key`, if any; an implementation may keep decoded values to save work. */
  read<T>(key: string): Promise<Stored<T> | undefined>;
  /** Stores a value for `ttlMs`, replacing what was there. */
  write<T>(key: string, stored: Stored<T>, ttlMs: number): Promise<void>;
  /**
   * A sliced value, assembled from the slices its head names, all of one version of the value:
   * never a mix of two versions, and never with a slice missing (that is a miss).
   */
  readSliced<Head, Item>(key: string): Promise<Stored<Sliced<Head, Item>> | undefined>;
  /**
   * What readSliced would give, when this process can tell it without waiting (a value it holds
   * and knows to be the latest); null when only readSliced can. Absent where nothing is held here.
   */
  peekSliced?<Head, Item>(key: string): Stored<Sliced<Head, Item>> | null;
  /** Stores a sliced value for `ttlMs`, sending only the slices whose versions the store lacks. */
  writeSliced<Head, Item>(key: string, stored: Stored<Sliced<Head, Item>>, ttlMs: number): Promise<void>;
  /**
   * Takes the lease on `key` for `ttlMs` if nobody holds it: true when this caller now holds it.
   * A lease is how replicas agree on who refreshes a read model, so that only one of them calls upstream.
   */
  lease(key: string, ttlMs: number): Promise<boolean>;
  /** Whether anybody holds the lease on `key`. */
  leased(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
  /**
   * One slot of each claim, all or none, counted by every process sharing this state; held until
   * released, or until the process holding them ends (a worker that dies, a replica that stops
   * renewing them), so that nothing that ended keeps a slot.
   */
  takeSlots(claims: readonly SlotClaim[]): Promise<Slots>;
  /** A limiter of `points` per window of `durationSeconds`, counted by every replica together. */
  limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract;
  /**
   * A store of whole answers (envelop's response cache), kept where the rest of this state is: in
   * this process (at most `maxEntries`, the least recently used going first), or in Redis for every
   * replica. Each entity an answer names keeps its own list of answers, which `invalidate` drops.
   */
  responseCache(maxEntries: number): Cache;
  /**
   * Where events published on one replica reach the subscribers of every replica; undefined when
   * this process is alone (a pub/sub then keeps its events in memory).
   */
  events(): SharedEvents | undefined;
  /** Writes that did not reach the shared store since start (each also logged): replicas stop sharing while they fail. */
  readonly failedWrites: number;
  /** Where the state lives, for the start-up line: "memory" or the Redis address without credentials. */
  readonly description: string;
  close(): Promise<void>;
}
