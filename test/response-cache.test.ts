// The response cache over real HTTP and the sandbox: a repeated answer is served without running its
// query, goes when its source's snapshot is due or changes, never reaches a caller who may not see
// one of its sources, is never kept with errors or with jobs looked up beyond a snapshot, and with
// Redis is shared by replicas.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecurity, type GatewayConfig } from '../src/config/index.js';
import { RESPONSE_CACHE_HEADER, sourceEntity } from '../src/response-cache.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { createGateway, createHttpServer } from '../src/server.js';
import { RedisState } from '../src/shared-state/redis.js';
import { SourceRegistry } from '../src/source-registry.js';
import { startJobs } from './support/aws-jobs.js';
import { ownAccountOnly, SANDBOX_NOW, startTestGateway, steady, uncached, type TestGateway } from './support/gateway.js';
import { freePort } from './support/ports.js';
import { REDIS_AVAILABLE, startRedis, type RedisServer } from './support/redis.js';
import { apiKeyEntry } from './support/secrets.js';

const DASHBOARD = `query Dashboard($first: Int!) {
  backupJobs(first: $first) {
    totalCount
    edges { node { id displayName phase sourceName createdAt } }
    sources { sourceName complete stale fetchedAt }
  }
}`;

interface Dashboard {
  backupJobs: { totalCount: number | null; edges: { node: { id: string; sourceName: string; displayName: string } }[] };
}

/** One POST; `hit` says whether the cache served it. */
async function ask<T = Dashboard>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: { extensions?: { code?: string } }[] };
  return { ...body, hit: response.headers.get(RESPONSE_CACHE_HEADER) === 'hit', etag: response.headers.get('etag') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The sandbox's sources with one freshness. */
const withFreshness =
  (refreshAfterMs: number, maxStalenessMs = refreshAfterMs) =>
  (config: GatewayConfig): GatewayConfig => ({
    ...config,
    sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs, maxStalenessMs, staleIfErrorMs: 60_000 } })),
  });

describe('a repeated answer', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady });
  });
  afterAll(() => gateway.close());

  it('is served from the cache, the same answer without any upstream call', async () => {
    const first = await ask(gateway.url, DASHBOARD, { first: 20 });
    expect(first.errors).toBeUndefined();
    expect(first.hit).toBe(false);
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();
    const again = await ask(gateway.url, DASHBOARD, { first: 20 });
    expect(again.hit).toBe(true);
    expect(again.data).toEqual(first.data);
    // A later hit is served the text written for the first one.
    const third = await ask(gateway.url, DASHBOARD, { first: 20 });
    expect(third.hit).toBe(true);
    expect(third.data).toEqual(first.data);
    expect(gateway.sandbox.aws.calls.count() + gateway.sandbox.sailPoint.calls.count()).toBe(0);
    // Other variables are another answer.
    const more = await ask(gateway.url, DASHBOARD, { first: 21 });
    expect(more.hit).toBe(false);
    expect(more.data!.backupJobs.edges).toHaveLength(21);
    const metrics = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
    const counted = (result: string) => Number(new RegExp(`^backup_graph_response_cache_answers_total\\{result="${result}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(counted('hit')).toBeGreaterThanOrEqual(1);
    expect(counted('kept')).toBeGreaterThanOrEqual(2);
  });

  it('counts an answer served from the cache under the operation name its request sent', async () => {
    const dashboards = async () => {
      const metrics = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
      return Number(/^backup_graph_graphql_request_duration_seconds_count\{operation="Dashboard",outcome="ok"\} (\d+)/m.exec(metrics)?.[1] ?? 0);
    };
    const named = () =>
      fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: DASHBOARD, variables: { first: 20 }, operationName: 'Dashboard' }),
      });
    await (await named()).text();
    const before = await dashboards();
    const response = await named();
    expect(response.headers.get(RESPONSE_CACHE_HEADER)).toBe('hit');
    await response.text();
    expect(await dashboards()).toBe(before + 1);
  });

  it('carries no ETag to revalidate by: a 304 would tell whoever sends a key that its answer exists', async () => {
    await ask(gateway.url, DASHBOARD, { first: 22 });
    const hit = await ask(gateway.url, DASHBOARD, { first: 22 });
    expect(hit.hit).toBe(true);
    expect(hit.etag).toBeNull();
  });

  it('is never a mutation: the same action sent twice reaches the upstream twice', async () => {
    const stop = 'mutation ($input: StopAwsBackupJobInput!) { stopAwsBackupJob(input: $input) { errors { __typename } } }';
    const input = { sourceName: 'aws-us-east-1', backupJobId: '00000000-0000-0000-0000-000000000000' };
    gateway.sandbox.aws.calls.reset();
    const answers = [await ask(gateway.url, stop, { input }), await ask(gateway.url, stop, { input })];
    expect(answers.map((answer) => answer.hit)).toEqual([false, false]);
    expect(gateway.sandbox.aws.calls.count('StopBackupJob')).toBe(2);
  });

  it('is not kept when it reads fields of the sources that move with time or every call (circuits, probes, fetch times)', async () => {
    for (const query of ['{ backupSources { name circuit } }', '{ backupSources { fetchedAt } }', '{ backupSources { lastCall { checkedAt } } }']) {
      await ask(gateway.url, query);
      expect((await ask(gateway.url, query)).hit).toBe(false);
    }
  });
});

describe('a cached answer showing a source\'s last call', () => {
  it('stands while that call\'s outcome does, and goes when a call fails', async () => {
    const gateway = await startTestGateway({ configure: (config) => steady(ownAccountOnly(config)) });
    try {
      const query = '{ backupSources { name lastCall { reachable errorCode } } }';
      await ask(gateway.url, DASHBOARD, { first: 5 });
      expect((await ask(gateway.url, query)).data).toEqual({ backupSources: [{ name: 'own', lastCall: { reachable: true, errorCode: null } }] });
      expect((await ask(gateway.url, query)).hit).toBe(true);
      // A lookup beyond the snapshot fails upstream: the last call's outcome changes.
      const [beyond] = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'failing');
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'error', operation: 'DescribeBackupJob' });
      const failed = await ask(gateway.url, `{ awsBackupJob(backupJobId: "${beyond}", sourceName: "own") { backupJobId } }`);
      expect(failed.errors?.length).toBeGreaterThan(0);
      const after = await ask<{ backupSources: { lastCall: { reachable: boolean } }[] }>(gateway.url, query);
      expect(after.hit).toBe(false);
      expect(after.data!.backupSources[0]!.lastCall.reachable).toBe(false);
    } finally {
      await gateway.close();
    }
  });
});

describe('a cached answer and the read model', () => {
  it('lasts as long as its snapshot is fresh: a job started upstream shows once the snapshot is due', async () => {
    const gateway = await startTestGateway({ configure: withFreshness(1_500) });
    try {
      const region = 'us-east-1';
      const query = `{ backupJobs(first: 5, filter: { sourceNames: ["aws-${region}"] }) { edges { node { ... on AwsBackupJob { backupJobId } } } } }`;
      const ids = (answer: { data?: { backupJobs: { edges: { node: { backupJobId: string } }[] } } }) => answer.data!.backupJobs.edges.map((edge) => edge.node.backupJobId);
      const before = await ask<{ backupJobs: { edges: { node: { backupJobId: string } }[] } }>(gateway.url, query);
      const [started] = await startJobs(gateway.sandbox.aws.url, region, 1, 'cached');
      // Within its snapshot's freshness the answer stands, as the snapshot it was built from does.
      const within = await ask<{ backupJobs: { edges: { node: { backupJobId: string } }[] } }>(gateway.url, query);
      expect(within.hit).toBe(true);
      expect(ids(within)).toEqual(ids(before));
      await sleep(1_600);
      // Past it the cache holds nothing: the read refreshes and the new job leads.
      const after = await ask<{ backupJobs: { edges: { node: { backupJobId: string } }[] } }>(gateway.url, query);
      expect(after.hit).toBe(false);
      expect(ids(after)[0]).toBe(started);
      expect((await ask(gateway.url, query)).hit).toBe(true);
    } finally {
      await gateway.close();
    }
  }, 30_000);

  it('is dropped when its source stores a new version (the older jobs of a large source filling in)', async () => {
    const gateway = await startTestGateway({
      sandbox: { awsJobs: 20_000, awsAccounts: 10, awsRegions: 1, awsFrozenClock: true },
      configure: (config) => ({
        ...config,
        sources: config.sources
          .filter((source) => source.kind === 'aws')
          // The whole window kept in memory: a count of every job is known once the fill is done.
          .map((source) => ({ ...source, retainedWindowHours: 720, budget: { calls: 1_000_000, perSeconds: 1 }, freshness: { refreshAfterMs: 120_000, maxStalenessMs: 120_000, staleIfErrorMs: 120_000 } })),
      }),
    });
    try {
      const query = '{ backupJobs(first: 3) { totalCount sources { completeAfter } } }';
      const first = await ask<{ backupJobs: { totalCount: number | null } }>(gateway.url, query);
      expect(first.data!.backupJobs.totalCount).toBeNull();
      // The fill stores slice after slice; each drops the answers of the source, so the answer
      // follows it rather than standing for the two minutes its snapshot stays fresh.
      let counted: number | null = null;
      for (let tries = 0; tries < 200 && counted === null; tries++) {
        await sleep(100);
        counted = (await ask<{ backupJobs: { totalCount: number | null } }>(gateway.url, query)).data!.backupJobs.totalCount;
      }
      expect(counted).toBe(gateway.sandbox.aws.store.jobs('us-east-1').length);
      expect((await ask(gateway.url, query)).hit).toBe(true);
    } finally {
      await gateway.close();
    }
  }, 60_000);

  it('is never kept with errors, from a snapshot due for a refresh, or with a job looked up beyond the snapshot', async () => {
    const closed = await freePort();
    const failing = await startTestGateway({
      configure: (config) => steady({ ...config, sources: config.sources.map((source) => (source.kind === 'sailpoint' ? { ...source, baseUrl: `http://127.0.0.1:${closed}` } : source)) }),
    });
    const due = await startTestGateway({ configure: uncached });
    const own = await startTestGateway({ configure: (config) => steady(ownAccountOnly(config)) });
    try {
      const partial = await ask(failing.url, DASHBOARD, { first: 20 });
      expect(partial.errors?.length).toBeGreaterThan(0);
      expect((await ask(failing.url, DASHBOARD, { first: 20 })).hit).toBe(false);

      await ask(due.url, DASHBOARD, { first: 20 });
      expect((await ask(due.url, DASHBOARD, { first: 20 })).hit).toBe(false);

      // A job started after the list was read is looked up with DescribeBackupJob.
      const newest = await ask<{ backupJobs: { edges: { node: { backupJobId: string } }[] } }>(own.url, '{ backupJobs(first: 1) { edges { node { ... on AwsBackupJob { backupJobId } } } } }');
      const [beyond] = await startJobs(own.sandbox.aws.url, 'us-east-1', 1, 'beyond');
      const lookup = `{ awsBackupJob(backupJobId: "${beyond}", sourceName: "own") { backupJobId } }`;
      expect((await ask<{ awsBackupJob: { backupJobId: string } }>(own.url, lookup)).data!.awsBackupJob.backupJobId).toBe(beyond);
      expect((await ask(own.url, lookup)).hit).toBe(false);
      // The same lookup of a job the list holds is kept.
      const listed = `{ awsBackupJob(backupJobId: "${newest.data!.backupJobs.edges[0]!.node.backupJobId}", sourceName: "own") { backupJobId } }`;
      await ask(own.url, listed);
      expect((await ask(own.url, listed)).hit).toBe(true);
    } finally {
      await Promise.all([failing.close(), due.close(), own.close()]);
    }
  }, 30_000);
});

describe('authorization through the cache', () => {
  const keys = { all: 'rc-key-all-sources', sailPoint: 'rc-key-sailpoint-only', alsoSailPoint: 'rc-key-sailpoint-too' };
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      configure: steady,
      security: {
        auth: {
          apiKeys: [
            apiKeyEntry('operator', keys.all, ['*']),
            apiKeyEntry('dashboard', keys.sailPoint, ['sailpoint-*']),
            apiKeyEntry('report', keys.alsoSailPoint, ['sailpoint-*']),
          ],
        },
      },
    });
  });
  afterAll(() => gateway.close());

  const as = (key: string) => ({ 'x-api-key': key });

  it('never serves an answer to a caller who may not see one of its sources; callers with the same rights share it', async () => {
    const operator = await ask(gateway.url, DASHBOARD, { first: 50 }, as(keys.all));
    expect(operator.errors).toBeUndefined();
    expect((await ask(gateway.url, DASHBOARD, { first: 50 }, as(keys.all))).hit).toBe(true);
    const sourcesOf = (answer: { data?: Dashboard }) => new Set(answer.data!.backupJobs.edges.map((edge) => edge.node.sourceName.split('-')[0]));
    expect(sourcesOf(operator)).toEqual(new Set(['aws', 'sailpoint']));

    const dashboard = await ask(gateway.url, DASHBOARD, { first: 50 }, as(keys.sailPoint));
    expect(dashboard.hit).toBe(false);
    expect(sourcesOf(dashboard)).toEqual(new Set(['sailpoint']));

    const report = await ask(gateway.url, DASHBOARD, { first: 50 }, as(keys.alsoSailPoint));
    expect(report.hit).toBe(true);
    expect(report.data).toEqual(dashboard.data);
    // And the caller who sees more is still served its own answer.
    expect((await ask(gateway.url, DASHBOARD, { first: 50 }, as(keys.all))).data).toEqual(operator.data);
  });

  it('serves nothing to a request that fails authentication', async () => {
    const refused = await ask(gateway.url, DASHBOARD, { first: 50 }, as('not-a-key'));
    expect(refused.hit).toBe(false);
    expect(refused.data ?? null).toBeNull();
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe.skipIf(!REDIS_AVAILABLE)('with Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  const servers: { server: Server; registry: SourceRegistry; state: RedisState }[] = [];
  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandbox({ now: SANDBOX_NOW })]);
  });
  afterAll(async () => {
    for (const { server, registry, state } of servers) {
      server.closeAllConnections();
      server.close();
      registry.destroy();
      await state.close();
    }
    await Promise.all([redis?.close(), sandbox?.close()]);
  });

  /** A gateway over the sandbox whose shared state is the test's Redis. */
  async function replica(config: GatewayConfig): Promise<string> {
    const state = new RedisState(redis.url);
    await state.ready();
    const security = parseSecurity({ limits: { callerBudget: { calls: 1_000_000, perSeconds: 1 }, callerConcurrency: 10_000 } });
    const registry = SourceRegistry.fromConfig({ ...config, security }, state);
    const server = createHttpServer(createGateway(registry, security), security.limits);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ server, registry, state });
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  }

  it('replicas share answers, and a new version stored by one drops them for all', async () => {
    const config = withFreshness(60_000)(sandbox.config);
    const [one, two] = [await replica(config), await replica(config)];
    const first = await ask(one, DASHBOARD, { first: 20 });
    expect(first.hit).toBe(false);
    const shared = await ask(two, DASHBOARD, { first: 20 });
    expect(shared.hit).toBe(true);
    expect(shared.data).toEqual(first.data);
    // Redis holds the answer and its source lists, each with a time to live.
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('backup-graph:response*');
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
    // What a replica that stored a new version of a source does: both replicas lose the answer.
    const other = new RedisState(redis.url);
    await other.ready();
    await other.responseCache().invalidate([sourceEntity(config.sources[0]!.name)]);
    await other.close();
    expect((await ask(one, DASHBOARD, { first: 20 })).hit).toBe(false);
    expect((await ask(two, DASHBOARD, { first: 20 })).hit).toBe(true);
  });
});
