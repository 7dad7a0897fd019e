// Shared state for the workers of one gateway (node:cluster) without Redis: the primary process
// keeps the one MemoryState, and each worker reaches it over the IPC channel.
//
// A read must not cost a round trip: every request reads each source's snapshot. So the primary
// tells every worker, as each write happens, which version a key now holds, when it was fetched and
// when it expires; a worker keeps that table and the values it has seen, and reads locally while the
// version it holds is current. A value crosses the channel once per version and worker, when first
// read (or once, to the primary, when written). A refresh that found nothing new stores the same
// value again with a new fetch time: that goes as a touch, without the value, and every worker keeps
// the value object it has (and so what the read model built on it). A sliced value (a source's job
// list) crosses by slice: a write sends the slices the primary lacks, a read the slices the worker
// lacks, and a slice whose version both hold stays the objects each already has. Leases go to the
// primary and back; so do slots, which the primary gives back for a worker that dies; limiters are
// rate-limiter-flexible's cluster limiters, counted in the primary. An event a worker publishes
// goes to the primary, which hands it to every worker.
import cluster, { type Worker } from 'node:cluster';
import { createInMemoryCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { CacheEntityRecord } from '@envelop/response-cache';
import { RateLimiterCluster, RateLimiterClusterMaster, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { log } from '../observability/log.js';
import { heldSlots, type SharedEvents, type SharedState, type Slice, type Sliced, type SlotClaim, type Slots, type Stored } from './index.js';
import { MemoryState } from './memory.js';

/** The channel of these messages on the IPC link, beside rate-limiter-flexible's and prom-client's. */
const CHANNEL = 'backup-graph:state';
/** The topic on which a worker that drops cached answers tells the others to drop theirs. */
const INVALIDATE_ANSWERS = 'backup-graph:response-cache:invalidate';
/** Values kept per worker, as RedisState keeps its decoded values. */
const MAX_VALUES = 1_000;
/** Versions known per worker, as many as the primary keeps entries. */
const MAX_VERSIONS = 50_000;

/** Which value a key holds, as the primary announces it to every worker. */
interface Version {
  version: string;
  fetchedAt: number;
  expiresAt: number;
}

/** A value as the primary keeps it: the value and its version, under the fetch time of the Stored around it. */
interface Versioned {
  version: string;
  value: unknown;
  expiresAt: number;
}

/** A slice as it crosses the channel: without its items where the other side holds its version. */
interface SliceOnTheWire {
  id: string;
  version: string;
  items?: readonly unknown[];
}

/** A sliced value as it crosses the channel. */
interface SlicedOnTheWire {
  head: unknown;
  slices: SliceOnTheWire[];
}

type FromWorker =
  | { channel: typeof CHANNEL; op: 'get'; id: number; key: string }
  | { channel: typeof CHANNEL; op: 'getSliced'; id: number; key: string; held: string[] }
  | ({ channel: typeof CHANNEL; op: 'writeSliced'; key: string; version: string; fetchedAt: number; expiresAt: number } & SlicedOnTheWire)
  | { channel: typeof CHANNEL; op: 'write'; key: string; version: string; fetchedAt: number; expiresAt: number; value: unknown }
  | { channel: typeof CHANNEL; op: 'touch'; key: string; version: string; fetchedAt: number; expiresAt: number }
  | { channel: typeof CHANNEL; op: 'lease'; id: number; key: string; ttlMs: number }
  | { channel: typeof CHANNEL; op: 'leased'; id: number; key: string }
  | { channel: typeof CHANNEL; op: 'release'; key: string }
  | { channel: typeof CHANNEL; op: 'takeSlots'; id: number; hold: number; claims: readonly SlotClaim[] }
  | { channel: typeof CHANNEL; op: 'releaseSlots'; hold: number }
  | { channel: typeof CHANNEL; op: 'publish'; topic: string; detail: unknown }
  | { channel: typeof CHANNEL; op: 'publishAcked'; id: number; topic: string; detail: unknown };

type FromPrimary =
  | { channel: typeof CHANNEL; op: 'reply'; id: number; result: unknown }
  | ({ channel: typeof CHANNEL; op: 'set'; key: string } & Version)
  | { channel: typeof CHANNEL; op: 'resend'; key: string; version: string }
  | { channel: typeof CHANNEL; op: 'event'; topic: string; detail: unknown };

function isOurs<T extends { channel: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}

/** The slices of a value by version; none when the value is not sliced. */
function slicesOf(value: unknown): Map<string, Slice<unknown>> {
  const slices = (value as Partial<Sliced<unknown, unknown>> | undefined)?.slices;
  return new Map(Array.isArray(slices) ? slices.map((slice) => [slice.version, slice]) : []);
}

/** Map.set, the oldest entry going first past `max`. */
function setBounded<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * In the primary: answers the workers' state messages from one MemoryState, and counts their
 * limiters. Messages are handled one after another, each to its end, so that a touch and a write
 * of the same key never interleave.
 */
export function serveStateToWorkers(): void {
  const state = new MemoryState();
  new RateLimiterClusterMaster();
  /** Which worker holds each lease, so that a worker that dies gives its leases back at once. */
  const holders = new Map<string, number>();
  /** The slots each worker holds, by the number it gave them, given back when it dies. */
  const slotsHeld = new Map<number, Map<number, () => void>>();
  let queue = Promise.resolve();

  const toEveryWorker = (message: FromPrimary) => {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker?.isConnected()) worker.send(message);
  };
  const announce = (key: string, version: Version) => toEveryWorker({ channel: CHANNEL, op: 'set', key, ...version });

  const store = async (key: string, versioned: Versioned, fetchedAt: number) => {
    const ttlMs = versioned.expiresAt - Date.now();
    if (ttlMs <= 0) return;
    await state.write<Versioned>(key, { value: versioned, fetchedAt }, ttlMs);
    announce(key, { version: versioned.version, fetchedAt, expiresAt: versioned.expiresAt });
  };

  const handle = async (worker: Worker, message: FromWorker): Promise<void> => {
    const reply = (id: number, result: unknown) => worker.send({ channel: CHANNEL, op: 'reply', id, result } satisfies FromPrimary);
    switch (message.op) {
      case 'get': {
        const stored = await state.read<Versioned>(message.key);
        reply(message.id, stored ? { ...stored.value, fetchedAt: stored.fetchedAt } : null);
        return;
      }
      case 'getSliced': {
        const stored = await state.read<Versioned>(message.key);
        if (!stored) {
          reply(message.id, null);
          return;
        }
        const { head, slices } = stored.value.value as Sliced<unknown, unknown>;
        const held = new Set(message.held);
        const value: SlicedOnTheWire = { head, slices: slices.map((slice) => (held.has(slice.version) ? { id: slice.id, version: slice.version } : slice)) };
        reply(message.id, { ...stored.value, value, fetchedAt: stored.fetchedAt });
        return;
      }
      case 'writeSliced': {
        const held = slicesOf((await state.read<Versioned>(message.key))?.value.value);
        const slices = message.slices.map((slice) => (slice.items ? (slice as Slice<unknown>) : held.get(slice.version)));
        // A slice the primary no longer holds (another worker wrote since, or the value expired): only the whole value will do.
        if (slices.some((slice) => slice === undefined)) {
          worker.send({ channel: CHANNEL, op: 'resend', key: message.key, version: message.version } satisfies FromPrimary);
          return;
        }
        await store(message.key, { version: message.version, value: { head: message.head, slices }, expiresAt: message.expiresAt }, message.fetchedAt);
        return;
      }
      case 'write':
        await store(message.key, { version: message.version, value: message.value, expiresAt: message.expiresAt }, message.fetchedAt);
        return;
      case 'touch': {
        const stored = await state.read<Versioned>(message.key);
        // The value changed or expired since the worker read it: only the value itself will do.
        if (stored?.value.version !== message.version) {
          worker.send({ channel: CHANNEL, op: 'resend', key: message.key, version: message.version } satisfies FromPrimary);
          return;
        }
        await store(message.key, { ...stored.value, expiresAt: message.expiresAt }, message.fetchedAt);
        return;
      }
      case 'lease': {
        const taken = await state.lease(message.key, message.ttlMs);
        if (taken) holders.set(message.key, worker.id);
        reply(message.id, taken);
        return;
      }
      case 'leased':
        reply(message.id, await state.leased(message.key));
        return;
      case 'release':
        holders.delete(message.key);
        await state.release(message.key);
        return;
      case 'takeSlots': {
        const slots = await state.takeSlots(message.claims);
        // A worker that died while its request waited here has been cleared already: nothing to hold for it.
        if (slots.taken && worker.isDead()) slots.release();
        else if (slots.taken) {
          const held = slotsHeld.get(worker.id) ?? new Map<number, () => void>();
          slotsHeld.set(worker.id, held.set(message.hold, slots.release));
        }
        reply(message.id, slots.taken ? null : slots.full);
        return;
      }
      case 'releaseSlots':
        slotsHeld.get(worker.id)?.get(message.hold)?.();
        slotsHeld.get(worker.id)?.delete(message.hold);
        return;
      case 'publish':
        toEveryWorker({ channel: CHANNEL, op: 'event', topic: message.topic, detail: message.detail });
        return;
      case 'publishAcked':
        // The reply goes after the event on every worker's channel, so whatever the primary hands a
        // worker later (a new connection) reaches it after the event.
        toEveryWorker({ channel: CHANNEL, op: 'event', topic: message.topic, detail: message.detail });
        reply(message.id, true);
        return;
    }
  };

  cluster.on('message', (worker, message: unknown) => {
    if (!isOurs<FromWorker>(message)) return;
    queue = queue
      .then(() => handle(worker, message))
      .catch((error: unknown) => log('error', 'shared-state', `[shared-state] a worker's ${message.op} failed in the primary: ${error instanceof Error ? error.message : String(error)}`));
  });
  cluster.on('exit', (worker) => {
    for (const [key, holder] of holders) {
      if (holder !== worker.id) continue;
      holders.delete(key);
      void state.release(key);
    }
    for (const release of slotsHeld.get(worker.id)?.values() ?? []) release();
    slotsHeld.delete(worker.id);
  });
}

/** In a worker: the shared state the primary keeps (see serveStateToWorkers). */
export class WorkerState implements SharedState {
  readonly failedWrites = 0;
  /** The version each key holds, as the primary last announced it (or this worker last wrote it). */
  private readonly versions = new Map<string, Version>();
  /** Values this worker has read or written, by key, each with its version. */
  private readonly values = new Map<string, { version: string; stored: Stored<unknown> }>();
  private readonly pending = new Map<number, (result: unknown) => void>();
  /** Leases this worker holds, given back when it closes. */
  private readonly held = new Set<string>();
  private nextId = 0;
  private nextVersion = 0;
  private nextHold = 0;
  /** Where this worker's subscribers listen; what it publishes goes through the primary to every worker. */
  private relay: RelayedEvents | undefined;
  private readonly listener = (message: unknown) => {
    if (isOurs<FromPrimary>(message)) this.receive(message);
  };

  constructor(readonly description: string) {
    process.on('message', this.listener);
  }

  async read<T>(key: string): Promise<Stored<T> | undefined> {
    const local = this.local<T>(key);
    if (local) return local;
    const entry = (await this.request({ op: 'get', key })) as (Versioned & { fetchedAt: number }) | null;
    if (!entry) {
      this.versions.delete(key);
      return undefined;
    }
    const stored = { value: entry.value as T, fetchedAt: entry.fetchedAt };
    this.learn(key, entry, stored);
    return stored;
  }

  /** The value as this worker holds it, while that is the version the primary announced last. */
  private local<T>(key: string): Stored<T> | undefined {
    const version = this.versions.get(key);
    if (!version || version.expiresAt <= Date.now()) return undefined;
    const known = this.values.get(key);
    if (known?.version !== version.version) return undefined;
    if (known.stored.fetchedAt !== version.fetchedAt) known.stored = { value: known.stored.value, fetchedAt: version.fetchedAt };
    return known.stored as Stored<T>;
  }

  peekSliced<Head, Item>(key: string): Stored<Sliced<Head, Item>> | null {
    return this.local<Sliced<Head, Item>>(key) ?? null;
  }

  /** Asks the primary for the slices this worker does not hold; the others stay the objects it has. */
  async readSliced<Head, Item>(key: string): Promise<Stored<Sliced<Head, Item>> | undefined> {
    const local = this.local<Sliced<Head, Item>>(key);
    if (local) return local;
    const held = slicesOf(this.values.get(key)?.stored.value);
    const entry = (await this.request({ op: 'getSliced', key, held: [...held.keys()] })) as (Version & { value: SlicedOnTheWire }) | null;
    if (!entry) {
      this.versions.delete(key);
      return undefined;
    }
    const slices = entry.value.slices.map((slice) => (slice.items ? slice : held.get(slice.version)!) as Slice<Item>);
    const stored = { value: { head: entry.value.head as Head, slices }, fetchedAt: entry.fetchedAt };
    this.learn(key, entry, stored);
    return stored;
  }

  /** Sends the slices the primary lacks as far as this worker knows; should it lack more, it asks for the whole value (resend). */
  async writeSliced<Head, Item>(key: string, stored: Stored<Sliced<Head, Item>>, ttlMs: number): Promise<void> {
    const expiresAt = Date.now() + ttlMs;
    const held = slicesOf(this.values.get(key)?.stored.value);
    const version = `${process.pid}.${++this.nextVersion}`;
    const slices = stored.value.slices.map((slice) => (held.has(slice.version) ? { id: slice.id, version: slice.version } : slice));
    this.send({ op: 'writeSliced', key, version, fetchedAt: stored.fetchedAt, expiresAt, head: stored.value.head, slices });
    this.learn(key, { version, fetchedAt: stored.fetchedAt, expiresAt }, stored);
  }

  async write<T>(key: string, stored: Stored<T>, ttlMs: number): Promise<void> {
    const expiresAt = Date.now() + ttlMs;
    const known = this.values.get(key);
    if (known && known.stored.value === stored.value && this.versions.get(key)?.version === known.version) {
      this.send({ op: 'touch', key, version: known.version, fetchedAt: stored.fetchedAt, expiresAt });
      this.learn(key, { version: known.version, fetchedAt: stored.fetchedAt, expiresAt }, stored);
      return;
    }
    const version = `${process.pid}.${++this.nextVersion}`;
    this.send({ op: 'write', key, version, fetchedAt: stored.fetchedAt, expiresAt, value: stored.value });
    this.learn(key, { version, fetchedAt: stored.fetchedAt, expiresAt }, stored);
  }

  async lease(key: string, ttlMs: number): Promise<boolean> {
    const taken = (await this.request({ op: 'lease', key, ttlMs })) as boolean;
    if (taken) this.held.add(key);
    return taken;
  }

  async leased(key: string): Promise<boolean> {
    return (await this.request({ op: 'leased', key })) as boolean;
  }

  async release(key: string): Promise<void> {
    this.held.delete(key);
    this.send({ op: 'release', key });
  }

  /** Counted in the primary, which knows each hold by the number this worker gave it. */
  async takeSlots(claims: readonly SlotClaim[]): Promise<Slots> {
    const hold = ++this.nextHold;
    const full = (await this.request({ op: 'takeSlots', hold, claims })) as number | null;
    if (full !== null) return { taken: false, full };
    return heldSlots(() => this.send({ op: 'releaseSlots', hold }));
  }

  events(): SharedEvents {
    this.relay ??= new RelayedEvents((topic, detail) => this.send({ op: 'publish', topic, detail }));
    return this.relay;
  }

  /** Counted in the primary; the options are part of the name, as the primary makes one limiter per name. */
  limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
    return new RateLimiterCluster({ keyPrefix: `${name}:${points}:${durationSeconds}`, points, duration: durationSeconds });
  }

  /**
   * This worker's own cache of answers; dropping answers drops them in every worker, so that an
   * answer never outlives, in any worker, the version of a source it was built from.
   */
  responseCache(maxEntries: number): Cache {
    const local = createInMemoryCache({ max: maxEntries });
    const events = this.events();
    events.addEventListener(INVALIDATE_ANSWERS, (event) => void local.invalidate((event as CustomEvent<CacheEntityRecord[]>).detail));
    return {
      get: (id) => local.get(id),
      set: (id, data, entities, ttl) => local.set(id, data, entities, ttl),
      // Here at once; in the other workers before the primary answers, so before any connection it
      // hands them after: the answer that caused it waits for that (see useSnapshotResponseCache).
      invalidate: async (entities) => {
        const records = [...entities];
        const relayed = this.request({ op: 'publishAcked', topic: INVALIDATE_ANSWERS, detail: records });
        await local.invalidate(records);
        await relayed;
      },
    };
  }

  async close(): Promise<void> {
    for (const key of [...this.held]) await this.release(key);
    process.off('message', this.listener);
  }

  private learn(key: string, version: Version, stored: Stored<unknown>): void {
    setBounded(this.versions, key, { version: version.version, fetchedAt: version.fetchedAt, expiresAt: version.expiresAt }, MAX_VERSIONS);
    setBounded(this.values, key, { version: version.version, stored }, MAX_VALUES);
  }

  private receive(message: FromPrimary): void {
    switch (message.op) {
      case 'reply': {
        const resolve = this.pending.get(message.id);
        this.pending.delete(message.id);
        resolve?.(message.result);
        return;
      }
      case 'set':
        setBounded(this.versions, message.key, { version: message.version, fetchedAt: message.fetchedAt, expiresAt: message.expiresAt }, MAX_VERSIONS);
        return;
      case 'resend': {
        const known = this.values.get(message.key);
        const version = this.versions.get(message.key);
        if (known?.version !== message.version || version?.version !== message.version) return;
        this.send({ op: 'write', key: message.key, version: message.version, fetchedAt: version.fetchedAt, expiresAt: version.expiresAt, value: known.stored.value });
        return;
      }
      case 'event':
        this.relay?.deliver(message.topic, message.detail);
        return;
    }
  }

  private send(message: DistributiveOmit<FromWorker, 'channel'>): void {
    process.send!({ channel: CHANNEL, ...message });
  }

  /** One question to the primary; the channel is ordered, so the answer follows every announcement sent before it. */
  private request(message: DistributiveOmit<Extract<FromWorker, { id: number }>, 'channel' | 'id'>): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ ...message, id } as DistributiveOmit<FromWorker, 'channel'>);
    });
  }
}

/** An event target whose events are dispatched by the primary, to every worker's listeners, this one's included. */
class RelayedEvents extends EventTarget {
  constructor(private readonly publish: (topic: string, detail: unknown) => void) {
    super();
  }

  override dispatchEvent(event: Event): boolean {
    this.publish(event.type, (event as CustomEvent<unknown>).detail);
    return true;
  }

  deliver(topic: string, detail: unknown): void {
    super.dispatchEvent(new CustomEvent(topic, { detail }));
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
