// A large source's list in a real redis-server, one key per creation-time slice of settled jobs and
// one in-flight slice under a small head: a refresh at steady state writes only the slices its
// change touched (the in-flight slice alone when only jobs under way progressed), a job that settles
// moves from the in-flight slice to its creation-time slice in one head, a second replica converges
// to exactly the writer's list (reusing the jobs of the slices it holds), and a slice that is gone
// is a miss that the next write repairs, never a list with a hole.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsBackupJobModel } from '../src/aws/mapper.js';
import type { AwsBackupSource } from '../src/aws/source.js';
import type { BackupJobModel } from '../src/model/job.js';
import { systemReader } from '../src/live-updates.js';
import type { Snapshot } from '../src/read-model/source-read-model.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { Sliced } from '../src/shared-state/index.js';
import { RedisState, VALUE_PREFIX } from '../src/shared-state/redis.js';
import { SourceRegistry } from '../src/source-registry.js';
import { SANDBOX_NOW } from './support/gateway.js';
import { REDIS_AVAILABLE, startRedis, type RedisServer } from './support/redis.js';

const SOURCE = 'aws-us-east-1';
const KEY = `snapshot:${SOURCE}`;
const MINUTE = 60_000;
/** The id of the slice that holds the jobs not settled (see SourceReadModel's cut). */
const IN_FLIGHT = 'in-flight';

/** The gateway's own reader: nothing to charge, no deadline. */
const reader = systemReader;

describe.skipIf(!REDIS_AVAILABLE)('a large source in Redis, one key per slice', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let client: Redis;
  const states: RedisState[] = [];
  const registries: SourceRegistry[] = [];

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandbox({ now: SANDBOX_NOW, awsJobs: 20_000, awsAccounts: 10, awsRegions: 1, awsFrozenClock: true })]);
    client = new Redis(redis.url);
  }, 60_000);
  afterAll(async () => {
    for (const registry of registries) registry.destroy();
    await Promise.all(states.map((state) => state.close()));
    client?.disconnect();
    await Promise.all([redis?.close(), sandbox?.close()]);
  });

  /** A replica: its own Redis connection and read model of the AWS source (its whole window kept), refreshing at every read. */
  async function replica() {
    const state = new RedisState(redis.url);
    await state.ready();
    states.push(state);
    const sources = sandbox.config.sources
      .filter((source) => source.kind === 'aws')
      .map((source) => ({ ...source, retainedWindowHours: 30 * 24, budget: { calls: 1_000_000, perSeconds: 1 }, freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 600_000 } }));
    const registry = SourceRegistry.fromConfig({ ...sandbox.config, sources }, state);
    registries.push(registry);
    return { state, model: registry.readModel(SOURCE)!, source: registry.get(SOURCE) as AwsBackupSource };
  }

  /** The slices the head in Redis names, and the bytes they hold there. */
  async function storedSlices(): Promise<{ slices: Sliced<unknown, BackupJobModel>['slices']; versions: string[]; bytes: number }> {
    const reading = new RedisState(redis.url);
    try {
      await reading.ready();
      const stored = await reading.readSliced<unknown, BackupJobModel>(KEY);
      const { slices } = stored!.value;
      const versions = slices.map((slice) => slice.version);
      const lengths = await Promise.all(versions.map((version) => client.strlen(`${VALUE_PREFIX}${KEY}:slice:${version}`)));
      return { slices, versions, bytes: lengths.reduce((sum, length) => sum + length, 0) };
    } finally {
      await reading.close();
    }
  }

  const netInput = async () => Number(/total_net_input_bytes:(\d+)/.exec(await client.info('stats'))![1]);

  function expectSameList(a: Snapshot<BackupJobModel>, b: Snapshot<BackupJobModel>): void {
    const keys = b.jobs.map((job) => job.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(a.jobs.map((job) => job.key));
    expect(b.jobs).toEqual(a.jobs);
  }

  it('writes only the slices a refresh touched, and a second replica converges to the same list, reusing the jobs of the others', async () => {
    const writer = await replica();
    const isSettled = (job: BackupJobModel) => writer.source.isSettled(job as AwsBackupJobModel);
    await writer.model.read(reader());
    // The older slices fill in behind the first read.
    for (let waited = 0; (await writer.model.current())?.completeAfter !== null; waited += 100) {
      expect(waited).toBeLessThan(60_000);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const other = await replica();
    const before = (await other.model.current())!;
    expectSameList((await writer.model.current())!, before);
    const stored = await storedSlices();
    const { versions, bytes } = stored;
    expect(versions.length).toBeGreaterThanOrEqual(8);
    // Compressed, a job costs Redis far less than its JSON (some 1.5 KB).
    expect(bytes / before.jobs.length).toBeLessThan(300);

    // Ten minutes later: jobs were created, and jobs under way finished.
    sandbox.aws.clock.advance(10 * MINUTE);
    const written = writer.state.slicesWritten;
    const inputBefore = await netInput();
    const refreshed = (await writer.model.read(reader())).snapshot!;
    const slicesWritten = writer.state.slicesWritten - written;
    const input = (await netInput()) - inputBefore;
    const after = await storedSlices();
    const renewed = after.versions.filter((version) => !versions.includes(version)).length;
    expect(slicesWritten).toBe(renewed);
    expect(slicesWritten).toBeGreaterThanOrEqual(1);
    expect(slicesWritten).toBeLessThanOrEqual(4);
    expect(input).toBeLessThan(after.bytes / 4);

    const stateOf = (job: BackupJobModel | undefined) => (job as AwsBackupJobModel | undefined)?.state;
    const settled = before.jobs.filter((job) => refreshed.byKey.has(job.key) && stateOf(refreshed.byKey.get(job.key)) !== stateOf(job) && isSettled(refreshed.byKey.get(job.key)!));
    expect(settled.length).toBeGreaterThan(0);
    expect(refreshed.jobs.length).toBeGreaterThan(before.jobs.length);
    const converged = (await other.model.current())!;
    expectSameList(refreshed, converged);
    // A job that settled left the in-flight slice for its creation-time slice, in the one head that names both.
    const slicesHolding = (key: string, slices: Sliced<unknown, BackupJobModel>['slices']) => slices.filter((slice) => slice.items.some((job) => job.key === key)).map((slice) => slice.id);
    for (const job of settled) {
      expect(slicesHolding(job.key, stored.slices)).toEqual([IN_FLIGHT]);
      expect(slicesHolding(job.key, after.slices)).toEqual([expect.not.stringMatching(IN_FLIGHT)]);
    }
    for (const slice of after.slices) expect(slice.items.every((job) => isSettled(job) === (slice.id !== IN_FLIGHT))).toBe(true);
    // The slices the refresh left alone were not fetched nor decoded again: their jobs are the very objects the replica had.
    const held = new Set(before.jobs);
    const reused = converged.jobs.filter((job) => held.has(job)).length;
    expect(reused).toBeGreaterThan(converged.jobs.length * 0.8);

    // Seconds later only jobs under way progressed: the in-flight slice alone is written again.
    sandbox.aws.clock.advance(5_000);
    const progressedFrom = await storedSlices();
    const writtenBefore = writer.state.slicesWritten;
    const progressed = (await writer.model.read(reader())).snapshot!;
    const progressedTo = await storedSlices();
    const moved = progressed.jobs.filter((job) => refreshed.byKey.get(job.key) !== job);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.every((job) => !isSettled(job) && refreshed.byKey.has(job.key))).toBe(true);
    expect(progressed.jobs).toHaveLength(refreshed.jobs.length);
    expect(writer.state.slicesWritten - writtenBefore).toBe(1);
    const rewritten = progressedTo.slices.filter((slice) => !progressedFrom.versions.includes(slice.version));
    expect(rewritten.map((slice) => slice.id)).toEqual([IN_FLIGHT]);
    expectSameList(progressed, (await other.model.current())!);

    // A job an action deleted leaves both replicas' lists.
    const deleted = progressed.jobs[progressed.jobs.length >> 1]!;
    await writer.model.applyAction({ removedKey: deleted.key });
    const withoutIt = (await writer.model.current())!;
    expect(withoutIt.byKey.has(deleted.key)).toBe(false);
    const seen = (await other.model.current())!;
    expectSameList(withoutIt, seen);
    expect(seen.jobs).toHaveLength(progressed.jobs.length - 1);
  }, 120_000);

  it('takes a slice that is gone for a miss, never a list with a hole, until the next write puts it back', async () => {
    const writer = await replica();
    const full = (await writer.model.current())!;
    const { versions } = await storedSlices();
    await client.del(`${VALUE_PREFIX}${KEY}:slice:${versions[versions.length >> 1]}`);
    // A replica that holds none of the slices must fetch that one: it finds none, and reads nothing.
    const late = await replica();
    expect(await late.model.current()).toBeUndefined();
    expect(await late.state.readSliced(KEY)).toBeUndefined();

    sandbox.aws.clock.advance(MINUTE);
    const refreshed = (await writer.model.read(reader())).snapshot!;
    expect(refreshed.jobs.length).toBeGreaterThanOrEqual(full.jobs.length);
    expectSameList(refreshed, (await late.model.current())!);
  }, 60_000);

  it('writes the slices Redis lacks, lets replaced ones go, and puts back one that expired', async () => {
    const [one, two] = [new RedisState(redis.url), new RedisState(redis.url)];
    states.push(one, two);
    await Promise.all([one.ready(), two.ready()]);
    const slice = (id: string, version: string, items: number[]) => ({ id, version, items });
    const value = (fetchedAt: number, slices: Sliced<string, number>['slices']) => ({ value: { head: 'h', slices }, fetchedAt });
    const ttl = (version: string) => client.pttl(`${VALUE_PREFIX}t:list:slice:${version}`);
    const items = async () => (await two.readSliced<string, number>('t:list'))?.value.slices.flatMap((s) => s.items);

    await one.writeSliced('t:list', value(1, [slice('1', 'a', [1, 2]), slice('0', 'b', [3])]), 60_000);
    const first = (await two.readSliced<string, number>('t:list'))!;
    expect(first.value.slices.flatMap((s) => s.items)).toEqual([1, 2, 3]);
    await one.writeSliced('t:list', value(2, [slice('1', 'c', [0, 1, 2]), slice('0', 'b', [3])]), 60_000);
    expect(one.slicesWritten).toBe(3);
    // The replaced slice lingers for the readers of the head before; the one kept outlives the head.
    expect(await ttl('a')).toBeLessThanOrEqual(2_000);
    expect(await ttl('b')).toBeGreaterThan(60_000);
    const second = (await two.readSliced<string, number>('t:list'))!;
    expect(second.value.slices.flatMap((s) => s.items)).toEqual([0, 1, 2, 3]);
    expect(second.value.slices[1]!.items).toBe(first.value.slices[1]!.items);

    // Slice b expired: a reader without it misses the whole value, and the next write puts it back.
    await client.del(`${VALUE_PREFIX}t:list:slice:b`);
    const three = new RedisState(redis.url);
    states.push(three);
    await three.ready();
    expect(await three.readSliced('t:list')).toBeUndefined();
    await one.writeSliced('t:list', value(3, [slice('1', 'c', [0, 1, 2]), slice('0', 'b', [3])]), 60_000);
    expect(one.slicesWritten).toBe(4);
    expect((await three.readSliced<string, number>('t:list'))?.value.slices.flatMap((s) => s.items)).toEqual([0, 1, 2, 3]);
    expect(await items()).toEqual([0, 1, 2, 3]);
    expect(one.failedWrites).toBe(0);
  });
});
