// A cluster worker for test/cluster-state.test.ts: does on its WorkerState what the test asks over
// IPC, and answers; a read also says whether it returned the very object the worker saw last, and
// what it hears on a topic of its event target is kept until asked for.
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { WorkerState } from '../../src/shared-state/cluster.js';
import type { Slice, Sliced } from '../../src/shared-state/index.js';

export interface StateQuestion {
  question: number;
  op: 'write' | 'rewrite' | 'read' | 'writeSliced' | 'readSliced' | 'lease' | 'leased' | 'release' | 'consume' | 'listen' | 'publish' | 'heard' | 'takeSlot' | 'releaseSlot';
  key: string;
  value?: unknown;
  fetchedAt?: number;
  ttlMs?: number;
  limiter?: { name: string; points: number; durationSeconds: number };
  /** takeSlot: how many slots `key` has. */
  limit?: number;
}

const state = new WorkerState('test');
/** The value object this worker last wrote or read, per key. */
const seen = new Map<string, unknown>();
const limiters = new Map<string, RateLimiterAbstract>();
/** The items of each slice version this worker last wrote or read. */
const seenSlices = new Map<string, readonly unknown[]>();
/** The releases of the slots this worker holds, per key, the latest last. */
const slotsHeld = new Map<string, (() => void)[]>();
/** What this worker heard on each topic it listens to (`key`). */
const heard = new Map<string, unknown[]>();

async function answer(asked: StateQuestion): Promise<unknown> {
  switch (asked.op) {
    case 'write':
      seen.set(asked.key, asked.value);
      return state.write(asked.key, { value: asked.value, fetchedAt: asked.fetchedAt! }, asked.ttlMs!);
    case 'rewrite':
      // What a refresh that found nothing new stores: the same object, fetched later.
      return state.write(asked.key, { value: seen.get(asked.key), fetchedAt: asked.fetchedAt! }, asked.ttlMs!);
    case 'read': {
      const stored = await state.read(asked.key);
      if (!stored) return null;
      const same = stored.value === seen.get(asked.key);
      seen.set(asked.key, stored.value);
      return { value: stored.value, fetchedAt: stored.fetchedAt, same };
    }
    case 'writeSliced': {
      // A slice whose version the worker saw is its own items, as a read model's unchanged slice is.
      const { head, slices } = asked.value as Sliced<unknown, unknown>;
      const own = slices.map((slice): Slice<unknown> => ({ ...slice, items: seenSlices.get(slice.version) ?? slice.items }));
      for (const slice of own) seenSlices.set(slice.version, slice.items);
      return state.writeSliced(asked.key, { value: { head, slices: own }, fetchedAt: asked.fetchedAt! }, asked.ttlMs!);
    }
    case 'readSliced': {
      const stored = await state.readSliced(asked.key);
      if (!stored) return null;
      const same = stored.value.slices.map((slice) => seenSlices.get(slice.version) === slice.items);
      for (const slice of stored.value.slices) seenSlices.set(slice.version, slice.items);
      return { value: stored.value, fetchedAt: stored.fetchedAt, same };
    }
    case 'lease':
      return state.lease(asked.key, asked.ttlMs!);
    case 'leased':
      return state.leased(asked.key);
    case 'release':
      return state.release(asked.key);
    case 'listen':
      heard.set(asked.key, []);
      return state.events().addEventListener(asked.key, (event) => heard.get(asked.key)!.push((event as CustomEvent<unknown>).detail));
    case 'publish':
      return state.events().dispatchEvent(new CustomEvent(asked.key, { detail: asked.value }));
    case 'heard':
      return heard.get(asked.key) ?? [];
    case 'takeSlot': {
      const slots = await state.takeSlots([{ key: asked.key, limit: asked.limit! }]);
      if (!slots.taken) return false;
      slotsHeld.set(asked.key, [...(slotsHeld.get(asked.key) ?? []), slots.release]);
      return true;
    }
    case 'releaseSlot':
      return slotsHeld.get(asked.key)?.pop()?.();
    case 'consume': {
      const { name, points, durationSeconds } = asked.limiter!;
      let limiter = limiters.get(name);
      if (!limiter) {
        limiter = state.limiter(name, points, durationSeconds);
        limiters.set(name, limiter);
      }
      return limiter.consume(asked.key).then(
        () => true,
        () => false,
      );
    }
  }
}

process.on('message', (message: unknown) => {
  const asked = message as Partial<StateQuestion>;
  if (typeof asked?.question !== 'number') return;
  void answer(asked as StateQuestion).then((result) => process.send!({ answer: asked.question, result: result ?? null }));
});
process.send!({ ready: true });
