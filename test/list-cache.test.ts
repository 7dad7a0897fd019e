// The opt-in list cache: shared while fresh, joined while under way, forgotten on failure.
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

  it('serves one answer while it is fresh, then asks again', async () => {
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
