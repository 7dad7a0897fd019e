// The embedded default: shared state kept in this process, for a gateway that runs alone.
import { createInMemoryCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { heldSlots, type SharedEvents, type SharedState, type Sliced, type SlotClaim, type Slots, type Stored } from './index.js';

/** Entries kept at most; the least recently written go first. */
const MAX_ENTRIES = 50_000;

export class MemoryState implements SharedState {
  readonly description = 'memory';
  readonly failedWrites = 0;
  private readonly entries = new Map<string, { stored: Stored<unknown>; expiresAt: number }>();
  private readonly leases = new Map<string, number>();
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  /** Slots taken, by claim key; a key whose slots are all back is gone. */
  private readonly slots = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** One process: a pub/sub's own in-memory event target serves it. */
  events(): SharedEvents | undefined {
    return undefined;
  }

  async read<T>(key: string): Promise<Stored<T> | undefined> {
    return this.held<T>(key);
  }

  private held<T>(key: string): Stored<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.stored as Stored<T>;
  }

  async write<T>(key: string, stored: Stored<T>, ttlMs: number): Promise<void> {
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { stored, expiresAt: this.now() + ttlMs });
  }

  /** One process: a sliced value is kept as it is, its slices shared by reference. */
  readSliced<Head, Item>(key: string): Promise<Stored<Sliced<Head, Item>> | undefined> {
    return this.read(key);
  }

  peekSliced<Head, Item>(key: string): Stored<Sliced<Head, Item>> | null {
    return this.held<Sliced<Head, Item>>(key) ?? null;
  }

  writeSliced<Head, Item>(key: string, stored: Stored<Sliced<Head, Item>>, ttlMs: number): Promise<void> {
    return this.write(key, stored, ttlMs);
  }

  /** Decided within one turn of the event loop, so that two callers asking together never both get it. */
  async lease(key: string, ttlMs: number): Promise<boolean> {
    if (this.isLeased(key)) return false;
    this.leases.set(key, this.now() + ttlMs);
    return true;
  }

  async leased(key: string): Promise<boolean> {
    return this.isLeased(key);
  }

  private isLeased(key: string): boolean {
    const until = this.leases.get(key);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.leases.delete(key);
    return false;
  }

  async release(key: string): Promise<void> {
    this.leases.delete(key);
  }

  /** Decided within one turn of the event loop, as leases are. */
  async takeSlots(claims: readonly SlotClaim[]): Promise<Slots> {
    const full = claims.findIndex(({ key, limit }) => (this.slots.get(key) ?? 0) >= limit);
    if (full >= 0) return { taken: false, full };
    for (const { key } of claims) this.slots.set(key, (this.slots.get(key) ?? 0) + 1);
    return heldSlots(() => {
      for (const { key } of claims) {
        const left = this.slots.get(key)! - 1;
        if (left === 0) this.slots.delete(key);
        else this.slots.set(key, left);
      }
    });
  }

  limiter(name: string, points: number, durationSeconds: number): RateLimiterAbstract {
    // One counter per budget for every user of this state, as Redis keeps one for every replica.
    const key = JSON.stringify([name, points, durationSeconds]);
    let limiter = this.limiters.get(key);
    if (!limiter) this.limiters.set(key, (limiter = new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds })));
    return limiter;
  }

  responseCache(maxEntries: number): Cache {
    return createInMemoryCache({ max: maxEntries });
  }

  async close(): Promise<void> {
    this.entries.clear();
  }
}
