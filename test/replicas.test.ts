// Replicas of the gateway sharing one real redis-server: they share the read models, the single
// flight and the upstream budgets, so a tenant never sees more than its rate limit however many
// replicas serve, and three replicas cost the upstreams what one does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPHQL_HEADERS, spawnGateway, writeGatewayConfig, type GatewayProcess } from '../bench/processes.js';
import type { BudgetConfig } from '../src/budget.js';
import type { SourceConfig } from '../src/config/index.js';
import type { Freshness } from '../src/read-model/source-read-model.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { RedisState, VALUE_PREFIX } from '../src/shared-state/redis.js';
import { SANDBOX_NOW } from './support/gateway.js';
import { poll as pollEach } from './support/poll.js';
import { REDIS_AVAILABLE, startRedis, type RedisServer } from './support/redis.js';

const DASHBOARD = '{ backupJobs(first: 100) { edges { node { id } } } }';

/** Each test starts gateway processes and polls them for seconds: on a loaded 2-core machine that takes a while. */
const REPLICA_TEST_TIMEOUT_MS = 120_000;

describe.skipIf(!REDIS_AVAILABLE)('shared state in Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let folder: string;
  const running: GatewayProcess[] = [];

  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandbox({ now: SANDBOX_NOW })]);
    folder = mkdtempSync(join(tmpdir(), 'backup-graph-replicas-'));
  });
  afterAll(async () => {
    stopAll();
    await Promise.all([redis?.close(), sandbox?.close()]);
    rmSync(folder, { recursive: true, force: true });
  });

  /** Replicas of the real entry point over the sandbox, sharing the Redis, with every source's freshness set; the sandbox's counts start over. */
  async function replicas(count: number, name: string, freshness: Freshness, sailPointBudget?: BudgetConfig, over: Sandbox = sandbox): Promise<string[]> {
    const sources = over.config.sources.map(({ credentials: _static, ...source }: SourceConfig & { credentials?: unknown }) => ({
      ...source,
      freshness,
      ...(sailPointBudget && source.kind === 'sailpoint' ? { budget: sailPointBudget } : {}),
    }));
    const path = writeGatewayConfig(mkdtempSync(join(folder, `${name}-`)), { sources, security: { limits: { callerBudget: { calls: 1_000_000, perSeconds: 1 } } } });
    // Each test starts from an empty Redis: no read model, lease or budget left by the replicas before.
    const client = new Redis(redis.url);
    await client.flushall();
    client.disconnect();
    const started = Array.from({ length: count }, () => spawnGateway(path, { env: { REDIS_URL: redis.url } }));
    running.push(...started);
    const urls = await Promise.all(started.map(async (gateway) => `http://127.0.0.1:${await gateway.port}/graphql`));
    // What the sandbox counts from here on is what these replicas cost.
    over.aws.calls.reset();
    over.sailPoint.calls.reset();
    return urls;
  }

  function stopAll(): void {
    for (const gateway of running.splice(0)) gateway.child.kill('SIGTERM');
  }

  /** Each URL polled by `clients` loops for `ms`; the answers' error codes, and how many answers came back. */
  const poll = (urls: readonly string[], clients: number, ms: number, pauseMs = 0, query = DASHBOARD) => pollEach(urls, clients, ms, pauseMs, query);

  const upstreamCalls = () => sandbox.aws.calls.count() + sandbox.sailPoint.calls.count();

  it('shares snapshots with Dates, leases and limiters between clients of one Redis', async () => {
    const [one, two] = [new RedisState(redis.url), new RedisState(redis.url)];
    try {
      await Promise.all([one.ready(), two.ready()]);
      const fetchedAt = Date.now();
      await one.write('t:snapshot', { value: [{ key: 'a', createdAt: new Date(fetchedAt) }], fetchedAt }, 5_000);
      expect(await two.read('t:snapshot')).toEqual({ value: [{ key: 'a', createdAt: new Date(fetchedAt) }], fetchedAt });
      expect(await one.lease('t:lease', 5_000)).toBe(true);
      expect(await two.lease('t:lease', 5_000)).toBe(false);
      expect(await two.leased('t:lease')).toBe(true);
      await one.release('t:lease');
      expect(await two.lease('t:lease', 5_000)).toBe(true);
      const [a, b] = [one.limiter('t', 3, 60), two.limiter('t', 3, 60)];
      await a.consume('k');
      await b.consume('k');
      await a.consume('k');
      await expect(b.consume('k')).rejects.toMatchObject({ remainingPoints: 0 });
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('counts slots across replicas, gives back those released, and not those a replica stopped renewing', async () => {
    const [one, two] = [new RedisState(redis.url), new RedisState(redis.url)];
    const client = new Redis(redis.url);
    try {
      await Promise.all([one.ready(), two.ready()]);
      const mine = [{ key: 't:caller:a', limit: 2 }, { key: 't:all', limit: 3 }];
      const theirs = [{ key: 't:caller:b', limit: 2 }, { key: 't:all', limit: 3 }];
      const first = await one.takeSlots(mine);
      expect(first.taken).toBe(true);
      expect((await two.takeSlots(mine)).taken).toBe(true);
      expect(await one.takeSlots(mine)).toEqual({ taken: false, full: 0 });
      expect((await two.takeSlots(theirs)).taken).toBe(true);
      expect(await one.takeSlots(theirs)).toEqual({ taken: false, full: 1 });
      if (first.taken) first.release();
      let again = await two.takeSlots(theirs);
      for (let waited = 0; !again.taken && waited < 2_000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        again = await two.takeSlots(theirs);
      }
      expect(again.taken).toBe(true);
      // What a replica that died leaves: a slot it no longer renews, whose time has run out.
      await client.zadd('backup-graph:slots:t:dead', 1, 'gone:1');
      expect((await one.takeSlots([{ key: 't:dead', limit: 1 }])).taken).toBe(true);
      expect(await two.takeSlots([{ key: 't:dead', limit: 1 }])).toEqual({ taken: false, full: 0 });
    } finally {
      client.disconnect();
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('share the records jobs point at: a recovery point, plan and vault one replica read cost the other nothing', async () => {
    const [first, second] = await replicas(2, 'records', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 300_000 });
    const job = sandbox.aws.store
      .jobs('us-east-1')
      .map(({ record }) => record)
      .find((record) => record.AccountId === sandbox.aws.store.accounts[0] && record.State === 'COMPLETED' && record.CreatedBy && record.RecoveryPointArn)!;
    const query = `{ awsBackupJob(backupJobId: "${job.BackupJobId}", sourceName: "aws-us-east-1") {
      recoveryPoint { recoveryPointArn creationDate } backupPlan { backupPlanName } backupVault { backupVaultName creationDate } } }`;
    const ask = async (url: string) => (await fetch(url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query }) })).json();
    const records = () => ['DescribeRecoveryPoint', 'GetBackupPlan', 'DescribeBackupVault'].map((operation) => sandbox.aws.calls.count(operation));

    const one = await ask(first!);
    expect(one.errors).toBeUndefined();
    expect(one.data.awsBackupJob.recoveryPoint.recoveryPointArn).toBe(job.RecoveryPointArn);
    expect(records()).toEqual([1, 1, 1]);
    // Dates included: the other replica decodes what this one stored.
    expect(await ask(second!)).toEqual(one);
    expect(records()).toEqual([1, 1, 1]);
    stopAll();
  }, REPLICA_TEST_TIMEOUT_MS);

  it('three replicas polled with the same dashboard cost the upstreams no more than 1.2 times what one costs', async () => {
    const freshness = { refreshAfterMs: 500, maxStalenessMs: 2_000, staleIfErrorMs: 60_000 };
    const alone = await replicas(1, 'alone', freshness);
    const one = await poll(alone, 3, 6_000, 50);
    const oneCost = upstreamCalls();
    stopAll();

    const three = await replicas(3, 'three', freshness);
    const all = await poll(three, 1, 6_000, 50);
    const threeCost = upstreamCalls();
    stopAll();

    expect(one.codes).toEqual([]);
    expect(all.codes).toEqual([]);
    expect(one.answers).toBeGreaterThan(20);
    expect(oneCost).toBeGreaterThan(10);
    expect(threeCost).toBeLessThanOrEqual(oneCost * 1.2);
  }, REPLICA_TEST_TIMEOUT_MS);

  it('share one SailPoint access token per tenant, which Redis holds sealed, renewed once for both when SailPoint revokes it', async () => {
    const urls = await replicas(2, 'token', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 });
    // A probe calls each tenant straight from the replica that serves it.
    const probes = '{ backupSources { name health { reachable } } }';
    const tenants = sandbox.sailPoint.tenants;
    const tokenRequests = () => tenants.map((tenant) => sandbox.sailPoint.calls.count('token', tenant.name));
    const probed = async () => {
      const { codes, answers } = await poll(urls, 2, 1_500, 200, probes);
      expect(codes).toEqual([]);
      expect(answers).toBeGreaterThanOrEqual(4);
    };

    await probed();
    expect(tokenRequests()).toEqual(tenants.map(() => 1));

    const held = await redisBytes();
    expect(held.toString('latin1')).toContain('sailpoint-token:');
    const secrets = [...sandbox.sailPoint.issuedTokens(), ...tenants.map((tenant) => tenant.clientSecret)];
    expect(secrets.length).toBeGreaterThan(tenants.length);
    for (const secret of secrets) expect(held.includes(secret)).toBe(false);

    sandbox.sailPoint.calls.reset();
    sandbox.sailPoint.revokeTokens();
    await probed();
    expect(tokenRequests()).toEqual(tenants.map(() => 1));
  }, REPLICA_TEST_TIMEOUT_MS);

  /** Every key Redis holds and the bytes of its value, whatever its type. */
  async function redisBytes(): Promise<Buffer> {
    const client = new Redis(redis.url);
    try {
      const keys = await client.keysBuffer('*');
      const values = await Promise.all(
        keys.map(async (key): Promise<Buffer[]> => {
          const type = await client.type(key);
          if (type === 'string') return [(await client.getBuffer(key)) ?? Buffer.alloc(0)];
          if (type === 'hash') return Object.entries(await client.hgetallBuffer(key)).flatMap(([field, value]) => [Buffer.from(field), value]);
          if (type === 'list') return client.lrangeBuffer(key, 0, -1);
          if (type === 'set') return client.smembersBuffer(key);
          if (type === 'zset') return client.zrangeBuffer(key, '0', '-1');
          return [];
        }),
      );
      return Buffer.concat([...keys, ...values.flat()]);
    } finally {
      client.disconnect();
    }
  }

  it('share a large source read by what changed: both serve its whole list, filled in by one of them', async () => {
    // 20,000 jobs: past the pages a first read takes in full, so the list fills in by slices and refreshes read what changed.
    const large = await startSandbox({ now: SANDBOX_NOW, awsJobs: 20_000, awsAccounts: 10, awsRegions: 1, awsFrozenClock: true });
    try {
      const freshness = { refreshAfterMs: 500, maxStalenessMs: 2_000, staleIfErrorMs: 60_000 };
      const two = await replicas(2, 'large', freshness, undefined, large);
      // Counted within the week a large source keeps in memory (its retained window), where a count is exact.
      const since = large.aws.clock.now() - 3 * 24 * 60 * 60 * 1000;
      const COUNT = `{ backupJobs(first: 5, filter: { sourceKinds: [AWS_BACKUP], createdAfter: "${new Date(since).toISOString()}" }) { totalCount sources { completeAfter } } }`;
      // Each replica's count, and where its list is complete from (null once the fill of the week is done).
      const counts = async () =>
        Promise.all(
          two.map(async (url) => {
            const response = await fetch(url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query: COUNT }) });
            const { totalCount, sources } = ((await response.json()) as { data: { backupJobs: { totalCount: number | null; sources: { completeAfter: string | null }[] } } }).data.backupJobs;
            return [totalCount, sources[0]?.completeAfter ?? null] as const;
          }),
        );
      const expected = large.aws.store.countCreated('us-east-1', { after: since });
      const retained = large.aws.store.countCreated('us-east-1', { after: large.aws.clock.now() - 7 * 24 * 60 * 60 * 1000 });
      const settled = (seen: readonly (readonly [number | null, string | null])[]) => seen.every(([count, completeAfter]) => count === expected && completeAfter === null);
      let seen = await counts();
      for (let waited = 0; !settled(seen) && waited < 30_000; waited += 250) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        seen = await counts();
      }
      expect(seen).toEqual([
        [expected, null],
        [expected, null],
      ]);
      // The read model is kept compressed in Redis, a key per slice of the list's head: a job's JSON is some 1.5 KB.
      const client = new Redis(redis.url);
      const reading = new RedisState(redis.url);
      await reading.ready();
      const head = await reading.readSliced('snapshot:aws-us-east-1');
      await reading.close();
      const keys = [`${VALUE_PREFIX}snapshot:aws-us-east-1`, ...head!.value.slices.map((slice) => `${VALUE_PREFIX}snapshot:aws-us-east-1:slice:${slice.version}`)];
      const bytes = (await Promise.all(keys.map((key) => client.strlen(key)))).reduce((sum, length) => sum + length, 0);
      client.disconnect();
      expect(bytes / retained).toBeLessThan(300);
      // Once read, polling both costs the refreshes of one: three listings each, shared through Redis.
      large.aws.calls.reset();
      const { codes, answers } = await poll(two, 2, 4_000, 50, COUNT);
      expect(codes).toEqual([]);
      expect(answers).toBeGreaterThan(20);
      // The week filled in: a refresh every 500 ms at most, three listings each, over 4 s, and a reconciliation is not due.
      expect(large.aws.calls.count('ListBackupJobs')).toBeLessThanOrEqual(3 * (4_000 / 500 + 2));
    } finally {
      stopAll();
      await large.close();
    }
  }, REPLICA_TEST_TIMEOUT_MS);

  it('keeps a tenant within its budget in any 10 s however hard three replicas push, and no 429 reaches anyone', async () => {
    // Every request wants a fresh read, far more than 40 SailPoint calls in 10 s: each replica alone
    // would spend the whole budget, so only a budget the three share keeps the tenant within it.
    const budget = { calls: 40, perSeconds: 10 };
    const three = await replicas(3, 'pushed', { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 60_000 }, budget);
    const { codes, answers } = await poll(three, 4, 12_000);
    stopAll();
    // Readers waited for the budget's windows, and still got through.
    expect(answers).toBeGreaterThan(10);
    for (const tenant of sandbox.sailPoint.tenants) {
      const peak = sandbox.sailPoint.calls.peak(10_000, tenant.name);
      expect(peak).toBeLessThanOrEqual(budget.calls);
      // The budget was spent, not idle: refreshes waited for its next window rather than overrun it.
      expect(peak).toBeGreaterThanOrEqual(budget.calls / 2);
    }
    expect(sandbox.sailPoint.calls.throttled()).toBe(0);
    expect(codes).toEqual([]);
  }, REPLICA_TEST_TIMEOUT_MS);
});
