// The list cache: joined while under way (always), shared while fresh (opt-in TTL), forgotten on failure.
import { describe, expect, it } from 'vitest';
import { ListCache } from '../src/list-cache.js';

describe('ListCache', () => {
  it('calls through every time when its TTL is 0', async () => {
    let calls = 0;
    const cache = new ListCache<number>(0);
    await cache.get('k', async () => ++calls);
    await cache.get('k', async () => ++calls);
    expect(calls).toBe(2);
  });

  it('lets callers that ask while a call is under way share it, even with a TTL of 0', async () => {
    let calls = 0;
    let answer!: (value: number) => void;
    const cache = new ListCache<number>(0);
    const load = () => {
      calls++;
      return new Promise<number>((resolve) => (answer = resolve));
    };
    const joined = [cache.get('k', load), cache.get('k', load), cache.get('other', async () => 9)];
    answer(5);
    expect(await Promise.all(joined)).toEqual([5, 5, 9]);
    expect(calls).toBe(1);
    await cache.get('k', async () => ++calls);
    expect(calls).toBe(2);
  });

  it('serves one answer while it is fresh, counted from its arrival, then asks again', async () => {
    let now = 0;
    let calls = 0;
    const cache = new ListCache<number>(1_000, () => now);
    expect(await cache.get('k', async () => ++calls)).toBe(1);
    now = 999;
    expect(await cache.get('k', async () => ++calls)).toBe(1);
    now = 1_000;
    expect(await cache.get('k', async () => ++calls)).toBe(2);
  });

  it('lets concurrent callers share one call under way, and forgets a failure', async () => {
    let calls = 0;
    const cache = new ListCache<number>(60_000);
    const failing = () => {
      calls++;
      return Promise.reject(new Error('down'));
    };
    const both = [cache.get('k', failing), cache.get('k', failing)];
    await expect(Promise.all(both)).rejects.toThrow('down');
    expect(calls).toBe(1);
    expect(await cache.get('k', async () => 7)).toBe(7);
  });
});
