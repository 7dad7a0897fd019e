// Shared state in Redis, for replicas behind one load balancer: every replica reads the read models
// the others fetched, takes refresh leases from the others, counts upstream calls with them, and
// hears the events they publish (Redis pub/sub, through yoga's Redis event target).
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants } from 'node:zlib';
import { bulkhead } from 'cockatiel';
import { createRedisCache } from '@envelop/response-cache-redis';
import type { Cache } from '@graphql-yoga/plugin-response-cache';
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { log } from '../observability/log.js';
import { heldSlots, type SharedEvents, type SharedState, type Sliced, type SlotClaim, type Slots, type Stored } from './index.js';
import { MemoryState } from './memory.js';

const PREFIX = 'backup-graph:';
/**
 * Where stored values live: the prefix and the format of what they hold (a job's stored form, a
 * list's slices). Gateways of two formats on one Redis (a rolling upgrade) each read only values
 * they can decode, while leases, budgets and slots, which mean the same to both, stay shared.
 */
export const VALUE_PREFIX = `${PREFIX}v2:`;
/** Decoded values kept per replica, so that an unchanged read model is parsed once, not per request. */
const MAX_DECODED = 1_000;
/** A Redis command that takes longer fails; the gateway then acts on its own (see each method). */
const COMMAND_TIMEOUT_MS = 1_000;
/**
 * Values past this many bytes of JSON are stored compressed: a source's jobs repeat their member
 * names, accounts, vaults and plans on every job, and a slice of them compresses tenfold.
 */
const COMPRESS_FROM_BYTES = 8 * 1024;
/**
 * A slice outlives the head that names it by this much, its time to live renewed at each write of
 * a head that still names it: a reader that holds a head finds its slices.
 */
const SLICE_MARGIN_MS = 60_000;
/**
 * A slice a new version of its value no longer names lives this much longer, for the readers that
 * read the head before; one that reads it later reads the head again. Short: until then Redis holds
 * both versions of each slice a write replaced.
 */
const REPLACED_SLICE_MS = 2_000;
/** Reads of the head a reader makes when slices it names are gone, before it takes the value for missing. */
const HEAD_READS = 3;
/** The first byte of a compressed value; JSON never starts with it. */
const COMPRESSED = 0x00;
/**
 * A replica renews the slots it holds this often, and a slot not renewed for three times as long
 * goes back: the slots of a replica that died without releasing them return within that.
 */
const SLOT_RENEW_MS = 10_000;
const SLOT_TTL_MS = 3 * SLOT_RENEW_MS;

/**
 * Each claim is a sorted set of the slots taken from it, scored by when each runs out (Redis' own
 * clock, so replicas' clocks need not agree). KEYS: the claims; ARGV: the time to live, the slot's
 * name, then each claim's limit. Returns the index of the first full claim, or -1 once taken.
 */
const TAKE_SLOTS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= tonumber(ARGV[i + 2]) then return i - 1 end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now + tonumber(ARGV[1]), ARGV[2])
  redis.call('PEXPIRE', key, ARGV[1])
end
return -1`;

/** KEYS: claims; ARGV: the time to live, then the name of the slot held in each claim. Pushes back when they run out. */
const RENEW_SLOTS = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, 'XX', now + tonumber(ARGV[1]), ARGV[i + 1])
  redis.call('PEXPIRE', key, ARGV[1])
end
return 0`;

/**
 * Dates travel as `{"$date": epochMs}`: read models hold Date fields, which plain JSON would turn into strings.
 * The replacer reads the holder, because JSON.stringify has already called toJSON on the value it passes.
 */
function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, plain: unknown) {
    const original = this[key];
    return original instanceof Date ? { $date: original.getTime() } : plain;
  });
}

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

/**
 * A value as Redis keeps it: JSON, or past COMPRESS_FROM_BYTES a marker byte and the JSON
 * compressed, off the event loop (zlib's thread pool).
 */
async function pack(value: unknown): Promise<string | Buffer> {
  const text = encode(value);
  if (text.length < COMPRESS_FROM_BYTES) return text;
  // Quality 4: within a few times of gzip's speed, and far smaller than it on this JSON. A window of
  // 1 MiB (2^20) instead of Brotli's 4: about as small on a slice, with a quarter of the encoder's
  // ring buffer held outside the heap while it runs.
  const compressed = await compress(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_LGWIN]: 20, [constants.BROTLI_PARAM_SIZE_HINT]: text.length } });
  return Buffer.concat([Buffer.of(COMPRESSED), compressed]);
}

/**
 * Slices packed at once. Each compression holds a Brotli encoder's buffers outside the JavaScript
 * heap from its start to its end, and a write that touches dozens of slices (a fill's merge) would
 * otherwise hold dozens of them together: memory the process keeps long after they are freed.
 */
const packing = bulkhead(2, Number.POSITIVE_INFINITY);

async function unpack<T>(stored: Buffer): Promise<T> {
  return decode<T>(stored[0] === COMPRESSED ? (await decompress(stored.subarray(1))).toString('utf8') : stored.toString('utf8'));
}

function decode<T>(text: string): T {
  return JSON.parse(text, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const date = (value as { $date?: unknown }).$date;
      if (typeof date === 'number' && Object.keys(value).length === 1) return new Date(date);
    }
    return value;
  }) as T;
}

function sliceKey(key: string, version: string): string {
  return `${VALUE_PREFIX}${key}:slice:${version}`;
}

/** A transaction's replies, or its first command's error: EXEC reports those per command, without failing. */
async function checked(batch: ReturnType<Redis['multi']>): Promise<unknown[]> {
  const replies = (await batch.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0]!;
  return replies.map(([, reply]) => reply);
}

/** A Redis by its address without credentials, as the start-up line names it. */
export function describeRedis(url: string): string {
  const address = new URL(url);
  return `redis ${address.hostname}:${address.port || '6379'}`;
}

/** What Redis keeps under a sliced value's own key: its head, and the version of each slice, each under a key of its own. */
interface SlicedHead<Head> {
  head: Head;
  slices: { id: string; version: string }[];
}

export class RedisState implements SharedState {
  readonly description: string;
  failedWrites = 0;
  /** Slices this replica wrote to Redis since start: what a write of a sliced value cost beyond its head. */
  slicesWritten = 0;
  private readonly client: Redis;
  /** Decoded values by key, each with the version its `:version` key named when it was read or written. */
  private readonly decoded = new Map<string, { version: string; stored: Stored<unknown> }>();
  /** Leases this replica holds, given back when it closes so that the others need not wait for them to run out. */
  private readonly held = new Set<string>();
  private readonly url: string;
  /** The pub/sub connections, opened when the gateway first asks for its event target. */
  private pubSub: { target: SharedEvents; clients: Redis[] } | undefined;
  /** Set by close(): the unsubscriptions of the subscribers it ends then fail, and say nothing new. */
  private closed = false;
  /** The slots this replica holds in Redis, by name, with their claims' keys; renewed while held. */
  private readonly slotsHeld = new Map<string, readonly string[]>();
  private readonly replicaId = randomUUID();
  private slotsTaken = 0;
  private renewal: NodeJS.Timeout | undefined;
  /** Where slots are counted while Redis is away: each replica on its own, as its limiters then are. */
  private readonly localSlots = new MemoryState();

  constructor(url: string) {
    this.description = describeRedis(url);
    this.url = url;
    this.client = new Redis(url, {
      // Fail fast while Redis is away instead of queueing every request behind a reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: COMMAND_TIMEOUT_MS,
      lazyConnect: false,
    });
    // ioredis reports connection trouble as events; without a listener Node would treat them as crashes.
    this.client.on('error', (error: Error) => warnOnce(error.name));
  }

  /** Resolves once Redis answers, or rejects: a gateway told to share state should not start without it. */
  async ready(): Promise<void> {
    if (this.client.status !== 'ready') await new Promise<void>((resolve, reject) => {
      this.client.once('ready', resolve);
      this.client.once('end', () => reject(new Error('Redis closed the connection')));
      setTimeout(() => reject(new Error('Redis did not answer within 5 s')), 5_000).unref();
    });
    await this.client.ping();
  }

  /**
   * Redis pub/sub: a connection that publishes and one that listens (a listening connection can
   * do nothing else). Events carry Dates as the stored values do. Unlike the state's own commands,
   * these wait for Redis while it is away rather than fail at once: an event is worth a delay.
   */
  events(): SharedEvents {
    if (!this.pubSub) {
      const open = () => {
        const client = new Redis(this.url, { maxRetriesPerRequest: null });
        client.on('error', (error: Error) => warnOnce(error.name));
        return client;
      };
      const clients = [open(), open()];
      const [publishClient, subscribeClient] = clients.map((client) => loggingFailures(client, () => this.closed));
      this.pubSub = { target: createRedisEventTarget({ publishClient: publishClient!, subscribeClient: subscribeClient!, serializer: { stringify: encode, parse: decode } }), clients };
    }
    return this.pubSub.target;
  }

  /** A miss when Redis fails: the caller then fetches upstream, still within the budget. */
  async read<T>(key: string): Promise<Stored<T> | undefined> {
    try {
      const version = await this.client.get(`${VALUE_PREFIX}${key}:version`);
      if (version === null) return undefined;
      const memo = this.decoded.get(key);
      if (memo?.version === version) return memo.stored as Stored<T>;
      const packed = await this.client.getBuffer(`${VALUE_PREFIX}${key}`);
      if (packed === null) return undefined;
      const stored = await unpack<Stored<T>>(packed);
      this.remember(key, version, stored);
      return stored;
    } catch {
      return undefined;
    }
  }

  async write<T>(key: string, stored: Stored<T>, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.round(ttlMs));
    try {
      const packed = await pack(stored);
      // Every write is a version of its own: a value rewritten with the same fetchedAt (a slice
      // merged into a large read model) must still replace what the other replicas decoded.
      const version = randomUUID();
      await this.client
        .multi()
        .set(`${VALUE_PREFIX}${key}`, packed, 'PX', ttl)
        .set(`${VALUE_PREFIX}${key}:version`, version, 'PX', ttl)
        .exec();
      this.remember(key, version, stored);
    } catch (error) {
      this.failedWrite(error, key);
    }
  }

  /**
   * The next reader finds nothing and refreshes, the budget still bounding what that costs; but
   * replicas no longer share this value, which an operator must be able to see.
   */
  private failedWrite(error: unknown, key: string): void {
    this.failedWrites++;
    const name = error instanceof Error ? error.name : 'Error';
    log('warn', 'shared-state', `[shared-state] a write to Redis failed (${name}); replicas do not share this value until one succeeds`, { error: name, key: key.split(':')[0] });
  }

  /**
   * The head, then only the slices this replica does not hold. A slice that is gone (replaced by a
   * newer version since the head was read, or expired) sends the reader back to the head; should
   * slices still be gone after HEAD_READS, the value is missing, never a list with a hole.
   */
  async readSliced<Head, Item>(key: string): Promise<Stored<Sliced<Head, Item>> | undefined> {
    try {
      for (let attempt = 0; attempt < HEAD_READS; attempt++) {
        const version = await this.client.get(`${VALUE_PREFIX}${key}:version`);
        if (version === null) return undefined;
        const memo = this.decoded.get(key) as { version: string; stored: Stored<Sliced<Head, Item>> } | undefined;
        if (memo?.version === version) return memo.stored;
        const packed = await this.client.getBuffer(`${VALUE_PREFIX}${key}`);
        if (packed === null) return undefined;
        const { value, fetchedAt } = await unpack<Stored<SlicedHead<Head>>>(packed);
        const held = new Map(memo?.stored.value.slices.map((slice) => [slice.version, slice]));
        const missing = value.slices.filter((slice) => !held.has(slice.version));
        const fetched = missing.length === 0 ? [] : await this.client.mgetBuffer(missing.map((slice) => sliceKey(key, slice.version)));
        if (fetched.some((bytes) => bytes === null)) continue;
        const items = await Promise.all(fetched.map((bytes) => unpack<Item[]>(bytes!)));
        items.forEach((list, index) => held.set(missing[index]!.version, { ...missing[index]!, items: list }));
        const stored = { value: { head: value.head, slices: value.slices.map((slice) => held.get(slice.version)!) }, fetchedAt };
        // Under the version read first: should the value have changed between the two reads, the next read fetches it again.
        this.remember(key, version, stored);
        return stored;
      }
      return undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Writes the slices Redis lacks (those this replica did not read or write there, and those that
   * expired), renews the others, then the head that names them, in that order: a reader never
   * finds a head whose slices were not written. The slices the value no longer names go soon after.
   */
  async writeSliced<Head, Item>(key: string, stored: Stored<Sliced<Head, Item>>, ttlMs: number): Promise<void> {
    const ttl = Math.max(1, Math.round(ttlMs));
    try {
      const memo = this.decoded.get(key) as { stored: Stored<Sliced<Head, Item>> } | undefined;
      const before = new Set(memo?.stored.value.slices.map((slice) => slice.version));
      const { head, slices } = stored.value;
      const held = slices.filter((slice) => before.has(slice.version));
      const renewed = held.length === 0 ? [] : await checked(held.reduce((batch, slice) => batch.pexpire(sliceKey(key, slice.version), ttl + SLICE_MARGIN_MS), this.client.multi()));
      const gone = new Set(held.filter((_, index) => renewed[index] === 0));
      const missing = slices.filter((slice) => !before.has(slice.version) || gone.has(slice));
      const packed = await Promise.all(missing.map((slice) => packing.execute(() => pack(slice.items))));
      const version = randomUUID();
      const named = new Set(slices.map((slice) => slice.version));
      const batch = this.client.multi();
      missing.forEach((slice, index) => batch.set(sliceKey(key, slice.version), packed[index]!, 'PX', ttl + SLICE_MARGIN_MS));
      const headOnly: Stored<SlicedHead<Head>> = { value: { head, slices: slices.map(({ id, version: sliceVersion }) => ({ id, version: sliceVersion })) }, fetchedAt: stored.fetchedAt };
      batch.set(`${VALUE_PREFIX}${key}`, await pack(headOnly), 'PX', ttl).set(`${VALUE_PREFIX}${key}:version`, version, 'PX', ttl);
      for (const old of before) if (!named.has(old)) batch.pexpire(sliceKey(key, old), REPLACED_SLICE_MS, 'LT');
      await checked(batch);
      this.slicesWritten += missing.length;
      this.remember(key, version, stored);
    } catch (error) {
      this.failedWrite(error, key);
    }
  }

  private remember(key: string, version: string, stored: Stored<unknown>): void {
    this.decoded.delete(key);
    if (this.decoded.size >= MAX_DECODED) this.decoded.delete(this.decoded.keys().next().value!);
    this.decoded.set(key, { version, stored });
  }

  /** When Redis fails, every replica takes the lease: it still refreshes at most once at a time itself. */
  async lease(key: string, ttlMs: number): Promise<boolean> {
    try {
      const taken = (await this.client.set(`${PREFIX}lease:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
      if (taken) this.held.add(key);
      return taken;
    } catch {
      return true;
    }
  }

  async leased(key: string): Promise<boolean> {
    try {
      return (await this.client.exists(`${PREFIX}lease:${key}`)) === 1;
    } catch {
      return false;
    }
  }

  async release(key: string): Promise<void> {
    this.held.delete(key);
    try {
      await this.client.del(`${PREFIX}lease:${key}`);
    } catch {
      // The lease runs out by itself.
    }
  }

  /** Counted in Redis for every replica; while Redis is away, each replica counts its own. */
  async takeSlots(claims: readonly SlotClaim[]): Promise<Slots> {
    const keys = claims.map(({ key }) => `${PREFIX}slots:${key}`);
    const name = `${this.replicaId}:${++this.slotsTaken}`;
    let full: number;
    try {
      full = (await this.client.eval(TAKE_SLOTS, keys.length, ...keys, SLOT_TTL_MS, name, ...claims.map(({ limit }) => limit))) as number;
    } catch {
      return this.localSlots.takeSlots(claims);
    }
    if (full >= 0) return { taken: false, full };
    this.slotsHeld.set(name, keys);
    this.renewal ??= setInterval(() => void this.renewSlots(), SLOT_RENEW_MS).unref();
    return heldSlots(() => void this.releaseSlots(name));
  }

  private async renewSlots(): Promise<void> {
    const held = [...this.slotsHeld];
    if (held.length === 0) return;
    const renewing = this.client.multi();
    for (const [name, keys] of held) renewing.eval(RENEW_SLOTS, keys.length, ...keys, SLOT_TTL_MS, ...keys.map(() => name));
    try {
      await renewing.exec();
    } catch {
      // Tried again in SLOT_RENEW_MS, well before the slots run out.
    }
  }

  private async releaseSlots(name: string): Promise<void> {
    const keys = this.slotsHeld.get(name);
    if (!keys) return;
    this.slotsHeld.delete(name);
    try {
      await Promise.all(keys.map((key) => this.client.zrem(key, name)));
    } catch {
      // They run out by themselves once no longer renewed.
    }
  }

  /** While Redis is away, each replica counts on its own (rate-limiter-flexible's insurance limiter). */
  limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: `${PREFIX}budget:${name}`,
      points,
      duration: durationSeconds,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
    });
  }

  /**
   * envelop's Redis store over this connection. A failed command is a miss, or an answer not kept;
   * a failed invalidation leaves answers that their time to live still bounds. The store keeps, per
   * entity type, a set of every answer ever stored and, per answer, a set of its entities, none of
   * them with a time to live; each store here gives them one, so Redis holds nothing past its answers.
   */
  responseCache(): Cache {
    const entitiesOf = (responseId: string) => `${responseId}:entities`;
    const store = createRedisCache({ redis: this.client, buildRedisOperationResultCacheKey: entitiesOf });
    const warn = (what: string, error: unknown) => {
      this.failedWrites++;
      const name = error instanceof Error ? error.name : 'Error';
      log('warn', 'response-cache', `[response-cache] ${what} in Redis failed (${name})`, { error: name });
    };
    return {
      get: async (responseId) => {
        try {
          return await store.get(responseId);
        } catch {
          return undefined;
        }
      },
      set: async (responseId, result, entities, ttl) => {
        const named = [...entities];
        try {
          await store.set(responseId, result, named, ttl);
          const bounded = this.client.multi().pexpire(entitiesOf(responseId), ttl);
          for (const { typename, id } of named) {
            bounded.unlink(typename);
            // NX then GT: an entity's list lives as long as its longest-lived answer.
            if (id !== undefined) bounded.pexpire(`${typename}:${id}`, ttl, 'NX').pexpire(`${typename}:${id}`, ttl, 'GT');
          }
          await bounded.exec();
        } catch (error) {
          warn('Storing an answer', error);
        }
      },
      invalidate: async (entities) => {
        try {
          await store.invalidate(entities);
        } catch (error) {
          warn('Dropping answers', error);
        }
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.renewal);
    await Promise.all([...this.held].map((key) => this.release(key)));
    await Promise.all([...this.slotsHeld.keys()].map((name) => this.releaseSlots(name)));
    this.client.disconnect();
    for (const client of this.pubSub?.clients ?? []) client.disconnect();
  }
}

/**
 * The client as the event target sees it: it neither awaits nor catches what it sends, so a failed
 * publish or (un)subscribe is logged here rather than left an unhandled rejection (unless `closing`).
 */
function loggingFailures(client: Redis, closing: () => boolean): Redis {
  const sent = new Set<PropertyKey>(['publish', 'subscribe', 'unsubscribe']);
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (!sent.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) =>
        (value as (...args: unknown[]) => Promise<unknown>).apply(target, args).catch((error: unknown) => {
          if (!closing()) warnOnce(error instanceof Error ? error.name : 'Error');
        });
    },
  });
}

let lastWarning = 0;
/** Connection errors repeat on every reconnect attempt; one line a minute says it. */
function warnOnce(errorName: string): void {
  if (Date.now() - lastWarning < 60_000) return;
  lastWarning = Date.now();
  log('warn', 'shared-state', `[shared-state] Redis is not reachable (${errorName}); each replica acts on its own until it is`, { error: errorName });
}
