// One gateway on several workers (WORKERS): how many it starts, that the workers share the load, and
// that they share what the upstreams see (read models, leases, budgets) through the primary, so N
// workers cost the upstreams what one costs and a caller's share holds whichever worker serves it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuMs, GRAPHQL_HEADERS, spawnGateway, withChildren, writeGatewayConfig, type GatewayProcess } from '../bench/processes.js';
import { ConfigError, type SourceConfig } from '../src/config/index.js';
import { cpusOfQuota, readWorkers } from '../src/config/workers.js';
import type { Freshness } from '../src/read-model/source-read-model.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startJobs } from './support/aws-jobs.js';
import { refusedStart } from './support/entry-point.js';
import { SANDBOX_NOW } from './support/gateway.js';
import { poll as pollEach } from './support/poll.js';
import { apiKeyEntry, TEST_WRITE_API_KEY } from './support/secrets.js';
import { freePort } from './support/ports.js';
import { refusalOf, subscribe, type SseSubscription } from './support/sse.js';

/** Each test starts gateway processes of several workers each: on a loaded 2-core machine that takes a while. */
const WORKERS_TEST_TIMEOUT_MS = 120_000;

describe('how many workers', () => {
  it.each([
    ['max 100000', null],
    ['100000 100000', 1],
    ['150000 100000', 1],
    ['50000 100000', 1],
    ['400000 100000', 4],
    ['garbage', null],
  ])('a cgroup cpu.max of "%s" grants %s whole CPUs', (cpuMax, cpus) => {
    expect(cpusOfQuota(cpuMax)).toBe(cpus);
  });

  it('is WORKERS when set, else the cores available, bounded by the CPU quota', () => {
    const folder = mkdtempSync(join(tmpdir(), 'backup-graph-cpu-max-'));
    try {
      const cpuMax = join(folder, 'cpu.max');
      writeFileSync(cpuMax, 'max 100000\n');
      expect(readWorkers({}, cpuMax)).toBe(availableParallelism());
      expect(readWorkers({ WORKERS: 'auto' }, join(folder, 'absent'))).toBe(availableParallelism());
      writeFileSync(cpuMax, '100000 100000\n');
      expect(readWorkers({}, cpuMax)).toBe(1);
      expect(readWorkers({ WORKERS: '3' }, cpuMax)).toBe(3);
      for (const bad of ['0', '1.5', 'two', '1000']) expect(() => readWorkers({ WORKERS: bad }, cpuMax)).toThrow(ConfigError);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('the start of a gateway on several workers', () => {
  it('stops, saying why, when a worker cannot start, and when WORKERS is not a number of workers', async () => {
    const config = { sources: [{ kind: 'aws', name: 'aws-prod', region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}` }] };
    const noRedis = await refusedStart(config, { WORKERS: '2', REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    expect(noRedis.code).toBe(1);
    expect(noRedis.stderr).toMatch(/REDIS_URL is set, but Redis at 127\.0\.0\.1:\d+ did not answer/);
    expect(noRedis.output).not.toMatch(/gateway on http/);
    const badCount = await refusedStart(config, { WORKERS: 'many' });
    expect(badCount.code).toBe(1);
    expect(badCount.stderr).toContain('WORKERS must be auto or a whole number from 1 to 256, got "many"');
  }, WORKERS_TEST_TIMEOUT_MS);
});

describe('a gateway on several workers', () => {
  let sandbox: Sandbox;
  let folder: string;
  const running: GatewayProcess[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ now: SANDBOX_NOW });
    folder = mkdtempSync(join(tmpdir(), 'backup-graph-workers-'));
  });
  afterAll(async () => {
    await stopAll();
    await sandbox?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  /** The real entry point on `workers` workers over the sandbox, each source with this freshness; the sandbox's counts start over. */
  async function gateway(
    workers: number,
    name: string,
    freshness: Freshness,
    callerBudget = { calls: 1_000_000, perSeconds: 1 },
    auth?: unknown,
    limits: Record<string, number> = {},
  ): Promise<{ url: string; process: GatewayProcess }> {
    const sources = sandbox.config.sources.map(({ credentials: _static, ...source }: SourceConfig & { credentials?: unknown }) => ({ ...source, freshness }));
    const path = writeGatewayConfig(mkdtempSync(join(folder, `${name}-`)), { sources, security: { limits: { callerBudget, ...limits }, ...(auth ? { auth } : {}) } });
    const started = spawnGateway(path, { env: { WORKERS: String(workers) } });
    running.push(started);
    const url = `http://127.0.0.1:${await started.port}/graphql`;
    sandbox.aws.calls.reset();
    sandbox.sailPoint.calls.reset();
    return { url, process: started };
  }

  async function stopAll(): Promise<void> {
    await Promise.all(
      running.splice(0).map(async ({ child }) => {
        if (child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
  }

  /** `clients` loops posting `query` to the gateway for `ms`. */
  const poll = (url: string, clients: number, ms: number, pauseMs: number, query: string) => pollEach([url], clients, ms, pauseMs, query);

  it('answers on every worker: each takes a part of the load, and /metrics counts them all', async () => {
    const { url, process } = await gateway(2, 'spread', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 });
    const workers = withChildren(process.child.pid!).slice(1);
    expect(workers).toHaveLength(2);
    const query = '{ backupJobs(first: 50) { edges { node { id displayName phase createdAt } } } }';
    // The first answer reads every source; what follows is the gateway's own work.
    await poll(url, 1, 1, 0, query);
    const before = workers.map(cpuMs);
    const { codes, answers } = await poll(url, 8, 3_000, 0, query);
    const used = workers.map((pid, index) => cpuMs(pid) - before[index]!);
    expect(codes).toEqual([]);
    expect(answers).toBeGreaterThan(50);
    // Connections go to the workers in turn: each did a real share of the work.
    const total = used[0]! + used[1]!;
    for (const ms of used) expect(ms).toBeGreaterThanOrEqual(total * 0.2);

    const metrics = await (await fetch(new URL('/metrics', url))).text();
    const counted = [...metrics.matchAll(/^backup_graph_graphql_request_duration_seconds_count\{[^}]*outcome="ok"[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    expect(counted).toBeGreaterThanOrEqual(answers);
  }, WORKERS_TEST_TIMEOUT_MS);

  it('three workers polled with the same dashboard cost the upstreams no more than 1.2 times what one costs', async () => {
    const freshness = { refreshAfterMs: 500, maxStalenessMs: 2_000, staleIfErrorMs: 60_000 };
    const upstreamCalls = () => sandbox.aws.calls.count('ListBackupJobs') + sandbox.sailPoint.calls.count();
    const dashboard = '{ backupJobs(first: 100) { edges { node { id } } } }';

    const alone = await gateway(1, 'alone', freshness);
    const one = await poll(alone.url, 6, 5_000, 50, dashboard);
    const oneCost = upstreamCalls();
    await stopAll();

    const three = await gateway(3, 'three', freshness);
    const all = await poll(three.url, 6, 5_000, 50, dashboard);
    const threeCost = upstreamCalls();
    await stopAll();

    expect(one.codes).toEqual([]);
    expect(all.codes).toEqual([]);
    expect(oneCost).toBeGreaterThan(10);
    expect(threeCost).toBeLessThanOrEqual(oneCost * 1.2);
  }, WORKERS_TEST_TIMEOUT_MS);

  it('shares one SailPoint access token per tenant among the workers, renewed once for all when SailPoint revokes it', async () => {
    const { url } = await gateway(3, 'token', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 });
    // A probe calls each tenant straight from the worker that serves it, and connections go to the workers in turn.
    const probes = '{ backupSources { name health { reachable } } }';
    const tenants = sandbox.sailPoint.tenants.map((tenant) => tenant.name);
    const tokenRequests = () => tenants.map((tenant) => sandbox.sailPoint.calls.count('token', tenant));
    const probed = async () => {
      const { codes, answers } = await poll(url, 6, 2_000, 300, probes);
      expect(codes).toEqual([]);
      expect(answers).toBeGreaterThanOrEqual(6);
      const last = await fetch(url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query: probes }) });
      const { data } = (await last.json()) as { data: { backupSources: { health: { reachable: boolean } }[] } };
      expect(data.backupSources.map((source) => source.health.reachable)).not.toContain(false);
    };

    await probed();
    expect(tokenRequests()).toEqual(tenants.map(() => 1));
    expect(sandbox.sailPoint.calls.count('listBackups')).toBeGreaterThan(tenants.length * 3);

    sandbox.sailPoint.calls.reset();
    sandbox.sailPoint.revokeTokens();
    await probed();
    expect(tokenRequests()).toEqual(tenants.map(() => 1));
  }, WORKERS_TEST_TIMEOUT_MS);

  it('sends live updates to the subscribers of every worker, whichever worker stored the change', async () => {
    const { url } = await gateway(2, 'live', { refreshAfterMs: 300, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 });
    await fetch(url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query: '{ backupJobs(first: 1) { totalCount } }' }) });
    // Four connections, handed to the two workers in turn: two subscribers on each.
    const query = 'subscription { backupJobUpdated(filter: { sourceNames: ["aws-us-east-1"] }) { changes job { ... on AwsBackupJob { backupJobId } } } }';
    const subscriptions = await Promise.all(Array.from({ length: 4 }, () => subscribe(url, query)));
    try {
      await new Promise((resolve) => setTimeout(resolve, 600));
      const [started] = await startJobs(sandbox.aws.url, 'us-east-1', 1, 'workers');
      for (const subscription of subscriptions) {
        const [event] = await subscription.next(1);
        expect(event!.data).toEqual({ data: { backupJobUpdated: { changes: ['APPEARED'], job: { backupJobId: started } } } });
      }
    } finally {
      for (const subscription of subscriptions) subscription.close();
      await stopAll();
    }
  }, WORKERS_TEST_TIMEOUT_MS);

  it('counts the subscriptions of every worker against the limits, and gives back those that end (test/cluster-state.test.ts: those of a worker that dies)', async () => {
    const [first, second] = [`first-${randomBytes(8).toString('hex')}`, `second-${randomBytes(8).toString('hex')}`];
    const auth = { apiKeys: [apiKeyEntry('first', first, ['*']), apiKeyEntry('second', second, ['*'])] };
    const { url } = await gateway(2, 'slots', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 }, undefined, auth, {
      maxSubscriptionsPerCaller: 3,
      maxSubscriptions: 4,
    });
    const query = 'subscription { backupJobUpdated { changes } }';
    const open = async (key: string) => {
      const subscription = await subscribe(url, query, {}, { 'x-api-key': key });
      expect(subscription.status).toBe(200);
      return subscription;
    };
    const held: SseSubscription[] = [];
    /** Each caller to the limits (each subscription on a connection of its own, which the workers take in turn), and one more of each refused. */
    const fill = async () => {
      for (let opened = 0; opened < 3; opened++) held.push(await open(first));
      expect(await refusalOf(url, query, { 'x-api-key': first })).toEqual({ code: 'SUBSCRIPTION_LIMIT', limit: 'maxSubscriptionsPerCaller' });
      held.push(await open(second));
      expect(await refusalOf(url, query, { 'x-api-key': second })).toEqual({ code: 'SUBSCRIPTION_LIMIT', limit: 'maxSubscriptions' });
      expect(held.some((subscription) => subscription.ended)).toBe(false);
    };
    const closeAll = async () => {
      for (const subscription of held.splice(0)) subscription.close();
      await new Promise((resolve) => setTimeout(resolve, 300));
    };
    try {
      await fill();
      await closeAll();
      // Every slot came back, and no more than that: the limits hold as they did.
      await fill();
    } finally {
      for (const subscription of held) subscription.close();
      await stopAll();
    }
  }, WORKERS_TEST_TIMEOUT_MS);

  it("holds a caller's share of upstream reads across workers: refused past it, whichever worker answers", async () => {
    // Every request reads the one source anew, which takes one read of the caller's six a minute.
    const { url } = await gateway(2, 'share', { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 }, { calls: 6, perSeconds: 60 });
    const query = '{ backupJobs(first: 3, filter: { sourceNames: ["sailpoint-acme-prod"] }) { sources { errorCode } } }';
    const codes: (string | null)[] = [];
    // A connection each, one after another: the primary hands new connections to the workers in turn.
    for (let sent = 0; sent < 12; sent++) {
      const body = JSON.parse(await postOnNewConnection(url, query)) as { data: { backupJobs: { sources: { errorCode: string | null }[] } } };
      codes.push(body.data.backupJobs.sources[0]!.errorCode);
    }
    expect(codes.filter((code) => code === null)).toHaveLength(6);
    expect(codes.slice(6)).toEqual(Array(6).fill('RATE_LIMITED'));
  }, WORKERS_TEST_TIMEOUT_MS);

  it('drops, on every worker, the cached answers an action on one of them made wrong', async () => {
    const operator = { 'x-api-key': TEST_WRITE_API_KEY };
    const auth = { apiKeys: [apiKeyEntry('operator', TEST_WRITE_API_KEY, ['*'], ['*'])] };
    // Fresh for a minute: only the action's own change can make a cached page wrong before then.
    const { url } = await gateway(2, 'cached', { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 }, undefined, auth);
    const page = '{ backupJobs(first: 1, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { ... on AwsBackupJob { backupJobId } } } } }';
    const newest = async () => (JSON.parse(await postOnNewConnection(url, page, operator)) as { data: { backupJobs: { edges: { node: { backupJobId: string } }[] } } }).data.backupJobs.edges[0]!.node.backupJobId;
    // New connections go to the workers in turn: both have the page cached after four.
    const before = await Promise.all([newest(), newest(), newest(), newest()]);
    const start = `mutation ($input: StartAwsBackupJobInput!) { startAwsBackupJob(input: $input) { job { backupJobId } errors { __typename } } }`;
    const input = {
      sourceName: 'aws-us-east-1',
      backupVaultName: 'Default',
      resourceArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/workers',
      iamRoleArn: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole',
    };
    const started = JSON.parse(await postOnNewConnection(url, start, operator, { input })) as { data: { startAwsBackupJob: { job: { backupJobId: string }; errors: unknown[] } } };
    expect(started.data.startAwsBackupJob.errors).toEqual([]);
    const after: string[] = [];
    for (let sent = 0; sent < 4; sent++) after.push(await newest());
    expect(new Set(before).size).toBe(1);
    expect(after).toEqual(Array(4).fill(started.data.startAwsBackupJob.job.backupJobId));
  }, WORKERS_TEST_TIMEOUT_MS);
});

/** One POST on a connection of its own, closed after the answer. */
function postOnNewConnection(url: string, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method: 'POST', agent: false, headers: { ...GRAPHQL_HEADERS, ...headers, connection: 'close' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(Buffer.concat(chunks).toString()));
      response.on('error', reject);
    });
    sent.on('error', reject);
    sent.end(JSON.stringify({ query, variables }));
  });
}
