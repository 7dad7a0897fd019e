// The shared read model of one source on its own, on a clock the test moves: when it reads
// upstream, what it serves meanwhile, and what it remembers of lookups.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ErrorCode, SourceError } from '../src/model/errors.js';
import type { ReadableJob } from '../src/model/order.js';
import { SourceReadModel, type Reader, type SourceAdapter, type TimeSlicedListing } from '../src/read-model/source-read-model.js';
import { MemoryState } from '../src/shared-state/memory.js';

type Job = ReadableJob & { settled: boolean };

/** An upstream in memory that counts its calls and fails when told to. */
class CountingAdapter implements SourceAdapter<Job> {
  readonly name = 'src';
  readonly timeoutMs = 1_000;
  readonly freshness = { refreshAfterMs: 1_000, maxStalenessMs: 5_000, staleIfErrorMs: 60_000 };
  lists = 0;
  lookups: string[] = [];
  failing = false;
  /** Resolves the list call under way, for tests that hold one open. */
  hold: Promise<void> | undefined;
  jobs: Job[] = [job(1), job(2)];
  lookupJob?: (key: string) => Promise<Job | null>;

  constructor(withLookups = false) {
    if (withLookups) {
      this.lookupJob = async (key) => {
        this.lookups.push(key);
        return key.endsWith('missing') ? null : { ...job(99, key.endsWith('done')), key };
      };
    }
  }

  async listJobs(): Promise<Job[]> {
    this.lists++;
    await this.hold;
    if (this.failing) throw new SourceError(ErrorCode.UPSTREAM_UNAVAILABLE, this.name, 'list', 'HTTP 503', 503);
    return [...this.jobs];
  }

  isSettled(j: Job): boolean {
    return j.settled;
  }
}

function job(n: number, settled = true): Job {
  return { key: `src:${n}`, sourceName: 'src', createdAt: n * 1000, settled };
}

function setup(withLookups = false) {
  let now = 1_000_000;
  const clock = () => now;
  const adapter = new CountingAdapter(withLookups);
  const model = new SourceReadModel(adapter, new MemoryState(clock), clock);
  const charged: string[] = [];
  const refunded: string[] = [];
  const reader = (): Reader => ({
    signal: new AbortController().signal,
    parts: new Map(),
    served: [],
    beyondSnapshot: false,
    charge: async (name) => void charged.push(name),
    refund: async (name) => void refunded.push(name),
    away: (wait) => wait(),
  });
  return { adapter, model, reader, charged, refunded, advance: (ms: number) => (now += ms) };
}

/** An upstream that lists a week of jobs by creation time, a page of 1,000 at a time, and counts the slices asked for. */
class TimeSlicedAdapter extends CountingAdapter {
  slicesListed = 0;
  readonly byTime: TimeSlicedListing<Job>;

  constructor(count: number, now: number) {
    super();
    const weekMs = 7 * 24 * 60 * 60 * 1000;
    // Spread over the week, newest a minute old, and listed in an order that is not theirs, as AWS lists.
    this.jobs = Array.from({ length: count }, (_, index) => ({ key: `src:${(index * 7919) % count}`, sourceName: 'src', createdAt: 0, settled: true }));
    for (const listed of this.jobs) listed.createdAt = now - 60_000 - Number(listed.key.slice(4)) * Math.floor((weekMs - 120_000) / count);
    this.byTime = {
      windowMs: weekMs,
      retainMs: weekMs,
      listCreated: async (after, before, maxPages = Number.POSITIVE_INFINITY) => {
        if (maxPages === Number.POSITIVE_INFINITY) this.slicesListed++;
        const inRange = this.jobs.filter(({ createdAt }) => (after === null || createdAt! > after) && (before === null || createdAt! <= before));
        const pages = Math.min(maxPages, Math.max(1, Math.ceil(inRange.length / 1_000)));
        return { jobs: inRange.slice(0, pages * 1_000).map((listed) => ({ ...listed })), complete: pages * 1_000 >= inRange.length, pages };
      },
      listChanged: async () => ({ jobs: [], progressNext: null }),
    };
  }
}

const keysOf = (jobs: readonly ReadableJob[] | undefined) => jobs?.map((j) => j.key);

describe('SourceReadModel', () => {
  it('reads upstream once, sorted newest first, and serves that read until refreshAfterMs', async () => {
    const { adapter, model, reader, charged, advance } = setup();
    const part = await model.read(reader());
    expect(keysOf(part.snapshot?.jobs)).toEqual(['src:2', 'src:1']);
    expect(part).toMatchObject({ stale: false, error: null });
    advance(1_000);
    await model.read(reader());
    expect(adapter.lists).toBe(1);
    expect(charged).toEqual(['src']);
  });

  it('shares one read among readers that ask while it is under way', async () => {
    const { adapter, model, reader } = setup();
    let release!: () => void;
    adapter.hold = new Promise((resolve) => (release = resolve));
    const parts = [model.read(reader()), model.read(reader()), model.read(reader())];
    release();
    for (const part of await Promise.all(parts)) expect(part.snapshot?.jobs).toHaveLength(2);
    expect(adapter.lists).toBe(1);
  });

  it('between refreshAfterMs and maxStalenessMs serves what it has at once and refreshes behind it', async () => {
    const { adapter, model, reader, advance } = setup();
    await model.read(reader());
    adapter.jobs.push(job(3));
    advance(2_000);
    const served = await model.read(reader());
    expect(keysOf(served.snapshot?.jobs)).toEqual(['src:2', 'src:1']);
    // The refresh behind it needs no clock, only its turn on the event loop.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(adapter.lists).toBe(2);
    expect(keysOf((await model.read(reader())).snapshot?.jobs)).toEqual(['src:3', 'src:2', 'src:1']);
  });

  it('past maxStalenessMs makes the reader wait for a fresh read', async () => {
    const { adapter, model, reader, advance } = setup();
    await model.read(reader());
    adapter.jobs.push(job(3));
    advance(5_001);
    expect(keysOf((await model.read(reader())).snapshot?.jobs)).toEqual(['src:3', 'src:2', 'src:1']);
    expect(adapter.lists).toBe(2);
  });

  it('dates a refresh that found nothing new by when it asked, and keeps the very jobs it had', async () => {
    const { adapter, model, reader, advance } = setup();
    const first = (await model.read(reader())).snapshot!;
    advance(5_001);
    const again = (await model.read(reader())).snapshot!;
    expect(again.fetchedAt).toBe(first.fetchedAt + 5_001);
    expect(again.jobs).toBe(first.jobs);
    await model.read(reader());
    expect(adapter.lists).toBe(2);
  });

  it('tells its listeners what each new version changed, and nothing of a refresh that changed nothing', async () => {
    const { adapter, model, reader, advance } = setup();
    const told: { added: string[]; dropped: string[]; backfill: boolean }[] = [];
    const stop = model.onChange((change) => told.push({ added: keysOf(change.added)!, dropped: keysOf(change.dropped)!, backfill: change.backfill }));
    const first = (await model.read(reader())).snapshot!;
    adapter.jobs = [job(2), job(3, false)];
    advance(5_001);
    const second = (await model.read(reader())).snapshot!;
    expect(second.jobs[1]).toBe(first.jobs[0]);
    advance(5_001);
    await model.read(reader());
    stop();
    adapter.jobs = [job(2), job(3)];
    advance(5_001);
    await model.read(reader());
    expect(adapter.lists).toBe(4);
    expect(told).toEqual([{ added: ['src:3'], dropped: ['src:1'], backfill: false }]);
  });

  it('serves the last good read marked stale while refreshes fail, up to staleIfErrorMs, then nothing', async () => {
    const { adapter, model, reader, advance } = setup();
    const good = await model.read(reader());
    adapter.failing = true;
    advance(30_000);
    const stale = await model.read(reader());
    expect(stale.snapshot).toBe(good.snapshot);
    expect(stale.stale).toBe(true);
    expect((stale.error as SourceError).code).toBe('UPSTREAM_UNAVAILABLE');
    advance(30_001);
    const gone = await model.read(reader());
    expect(gone.snapshot).toBeNull();
    expect((gone.error as SourceError).code).toBe('UPSTREAM_UNAVAILABLE');
  });

  it('serves a stale read rather than an error when the reader may not cause a refresh', async () => {
    const { adapter, model, reader, advance } = setup();
    await model.read(reader());
    advance(6_000);
    const refused = new Error('over budget');
    const part = await model.read({ ...reader(), charge: async () => Promise.reject(refused) });
    expect(part).toMatchObject({ stale: true, error: refused });
    expect(part.snapshot?.jobs).toHaveLength(2);
    expect(adapter.lists).toBe(1);
  });

  it('charges one caller one read for a refresh, however many readers find it due at once', async () => {
    const { adapter, model, advance } = setup();
    const charges: string[] = [];
    const reader = (who: string, refuse = false): Reader => ({
      signal: new AbortController().signal,
      parts: new Map(),
      served: [],
      beyondSnapshot: false,
      away: (wait) => wait(),
      refund: async () => undefined,
      // A charge that takes a while to decide, as one through Redis does.
      charge: async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        charges.push(who);
        if (refuse) throw new Error(`${who} is over its share`);
      },
    });
    await model.read(reader('first'));
    advance(6_000);
    const parts = await Promise.all([model.read(reader('refused', true)), ...Array.from({ length: 49 }, (_, i) => model.read(reader(`r${i}`)))]);
    // The first charge was refused: the next reader paid, and the other 48 joined its refresh.
    expect(charges).toEqual(['first', 'refused', 'r0']);
    expect(adapter.lists).toBe(2);
    expect(parts.slice(1).every((part) => part.snapshot?.jobs.length === 2 && !part.stale)).toBe(true);
  });

  it('gives a reader back its charge when the refresh it paid for fails, in the background or while it waits', async () => {
    const { adapter, model, reader, charged, refunded, advance } = setup();
    await model.read(reader());
    adapter.failing = true;
    advance(2_000);
    const servedMeanwhile = await model.read(reader());
    expect(servedMeanwhile.snapshot?.jobs).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 10));
    advance(10_000);
    const waited = await model.read(reader());
    expect(waited.stale).toBe(true);
    expect(charged).toEqual(['src', 'src', 'src']);
    expect(refunded).toEqual(['src', 'src']);
  });

  it('gives one reader one state of the source, however often it reads', async () => {
    const { adapter, model, reader, advance } = setup();
    const one = reader();
    const first = await model.read(one);
    advance(10_000);
    expect(await model.read(one)).toBe(first);
    expect(adapter.lists).toBe(1);
  });

  it('answers lookups from the list; without a lookup of its own, a key the list lacks is null', async () => {
    const { adapter, model, reader } = setup();
    const found = await model.lookup(['src:1', 'src:7'], reader());
    expect(keysOf(found.filter((j): j is Job => j !== null && !(j instanceof Error)))).toEqual(['src:1']);
    expect(found[1]).toBeNull();
    expect(adapter.lists).toBe(1);
  });

  it('looks up keys the list lacks once, keeping settled jobs for long and others and misses for maxStalenessMs', async () => {
    const { adapter, model, reader, advance } = setup(true);
    const keys = ['src:a-done', 'src:b-running', 'src:c-missing'];
    const first = await model.lookup(keys, reader());
    expect(first.map((j) => (j === null || j instanceof Error ? j : j.key))).toEqual(['src:a-done', 'src:b-running', null]);
    await model.lookup(keys, reader());
    expect(adapter.lookups).toEqual(keys);
    advance(5_001);
    await model.lookup(keys, reader());
    expect(adapter.lookups).toEqual([...keys, 'src:b-running', 'src:c-missing']);
  });

  it('fills in a large source behind its first read by merging its slices a batch at a time, each job once', async () => {
    const now = 1_000_000_000_000;
    const adapter = new TimeSlicedAdapter(100_000, now);
    const model = new SourceReadModel(adapter, new MemoryState(() => now), () => now);
    const merged: number[] = [];
    model.onChange((change) => {
      if (change.backfill) merged.push(change.added.length);
    });
    const first = await model.read(setup().reader());
    expect(first.snapshot!.completeAfter).not.toBeNull();
    let held = first.snapshot!.jobs.length;
    let snapshot = first.snapshot!;
    while (snapshot.completeAfter !== null) {
      await sleep(20);
      snapshot = (await model.current())!;
    }
    model.stop();
    expect(new Set(keysOf(snapshot.jobs)).size).toBe(100_000);
    expect(snapshot.jobs.length).toBe(100_000);
    // Every merge but the last brought at least a quarter of the list it went into (or 32,000 jobs):
    // the list was copied a few times over the fill, not once for each of its slices.
    for (const added of merged.slice(0, -1)) {
      expect(added).toBeGreaterThanOrEqual(Math.min(32_000, held / 4));
      held += added;
    }
    expect(merged.length).toBeLessThan(adapter.slicesListed / 2);
  });

  it('fills in a source that replicas share once between them: one replica sweeps at a time', async () => {
    let now = 1_000_000_000_000;
    const alone = new TimeSlicedAdapter(100_000, now);
    const adapters = [new TimeSlicedAdapter(100_000, now), new TimeSlicedAdapter(100_000, now)];
    const fill = async (models: SourceReadModel<Job>[]) => {
      for (const model of models) await model.read(setup().reader());
      // Each replica refreshes in turn, and each refresh may start a sweep of its own.
      while ((await models[0]!.current())!.completeAfter !== null) {
        for (const model of models) {
          now += 1_100;
          expect((await model.read(setup().reader())).error).toBeNull();
        }
        // Slices of the sweep in real time between refreshes, while its lease lasts on this clock.
        await sleep(200);
      }
      for (const model of models) model.stop();
    };
    await fill([new SourceReadModel(alone, new MemoryState(() => now), () => now)]);
    const shared = new MemoryState(() => now);
    await fill(adapters.map((adapter) => new SourceReadModel(adapter, shared, () => now)));
    const together = adapters[0]!.slicesListed + adapters[1]!.slicesListed;
    expect(alone.slicesListed).toBeGreaterThan(10);
    // A slice more where the sweep passed from one replica to the other, at most.
    expect(together).toBeLessThanOrEqual(alone.slicesListed + 2);
  });
});
