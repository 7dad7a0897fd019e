// Live job updates over GraphQL over Server-Sent Events: events for jobs that appear and change,
// the filter and the caller's sources applied, the limits, and what subscribers cost upstream.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../src/config/index.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { RedisState } from '../src/shared-state/redis.js';
import { startJobs } from './support/aws-jobs.js';
import { SANDBOX_NOW, startTestGateway, type TestGateway } from './support/gateway.js';
import { REDIS_AVAILABLE, startRedis, type RedisServer } from './support/redis.js';
import { refusalOf, subscribe } from './support/sse.js';
import { apiKeyEntry } from './support/secrets.js';

const UPDATES = `subscription Updates($filter: BackupJobFilter) {
  backupJobUpdated(filter: $filter) {
    changes
    job { sourceName phase ... on AwsBackupJob { backupJobId state percentDone } ... on SailPointBackupJob { jobId status } }
  }
}`;

/** Sources refreshed every 300 ms while anyone reads them. */
function quick(config: GatewayConfig): GatewayConfig {
  return { ...config, sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 300, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 } })) };
}

/** A quick gateway whose callers are API keys: each name's key and the sources it may see, with the given limits. */
const keyedGateway = (keys: Record<string, [key: string, sources: string[]]>, limits: object) =>
  startTestGateway({ configure: quick, security: { auth: { apiKeys: Object.entries(keys).map(([name, [key, sources]]) => apiKeyEntry(name, key, sources)) }, limits } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Update {
  changes: string[];
  job: { sourceName: string; phase: string; backupJobId?: string; state?: string; percentDone?: string | null; jobId?: string; status?: string };
}

const updatesOf = (events: { data: unknown }[]) => events.map((event) => (event.data as { data: { backupJobUpdated: Update } }).data.backupJobUpdated);


describe('backupJobUpdated', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: quick });
    // The first read of each source is the base the changes are told against.
    await gateway.query('{ backupJobs(first: 1) { totalCount } }');
  });
  afterAll(() => gateway.close());

  it('sends an event for each job that appears, to the subscribers whose filter it meets', async () => {
    const east = await subscribe(gateway.url, UPDATES, { filter: { sourceNames: ['aws-us-east-1'] } });
    const sailPoint = await subscribe(gateway.url, UPDATES, { filter: { sourceKinds: ['SAILPOINT'] } });
    try {
      expect(east.status).toBe(200);
      const started = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 2, 'live');
      const updates = updatesOf(await east.next(2));
      expect(updates.map((update) => update.job.backupJobId).sort()).toEqual([...started].sort());
      expect(updates.every((update) => update.changes.join() === 'APPEARED' && update.job.sourceName === 'aws-us-east-1')).toBe(true);
      // A refresh later, the SailPoint subscriber has heard nothing of the AWS jobs.
      await sleep(700);
      expect(updatesOf(sailPoint.events).filter((update) => !update.job.sourceName.startsWith('sailpoint-'))).toEqual([]);
    } finally {
      east.close();
      sailPoint.close();
    }
  });

  it('keeps an idle stream alive with yoga\'s keep-alive comments (every 300 ms under NODE_ENV=test, 12 s otherwise)', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    const idle = await subscribe(gateway.url, UPDATES, { filter: { phases: ['EXPIRED'], createdAfter: '2100-01-01T00:00:00Z' } });
    try {
      await sleep(1_000);
      expect(idle.pings).toBeGreaterThanOrEqual(3);
      expect(idle.events).toEqual([]);
      expect(idle.ended).toBe(false);
    } finally {
      idle.close();
    }
  });

  it('sends the SailPoint backups under way as they start and complete while the sandbox\'s time passes', async () => {
    const tenants = await subscribe(gateway.url, UPDATES, { filter: { sourceKinds: ['SAILPOINT'] } });
    try {
      const records = (tenant: string) => [...gateway.sandbox.sailPoint.store.backups(tenant), ...gateway.sandbox.sailPoint.store.uploads(tenant)];
      const names = gateway.sandbox.sailPoint.tenants.map((tenant) => tenant.name);
      const before = new Map(names.flatMap((tenant) => records(tenant).map((record) => [record.jobId, record.status])));
      // Past the start of the queued backup and the completion of the first running job of each tenant.
      gateway.sandbox.sailPoint.clock.advance(100_000);
      const expected = names.flatMap((tenant) =>
        records(tenant)
          .filter((record) => before.get(record.jobId) !== record.status)
          .map((record) => ({
            sourceName: `sailpoint-${tenant}`,
            jobId: record.jobId,
            status: record.status,
            changes: record.status === 'COMPLETE' ? ['PHASE', 'COMPLETED', 'STATUS', 'OBJECT_COUNT'] : ['PHASE', 'STATUS'],
          })),
      );
      expect(expected.length).toBe(4);
      const heard = updatesOf(await tenants.next(expected.length));
      await sleep(700);
      expect(tenants.events.length).toBe(expected.length);
      const byId = (a: { jobId?: unknown }, b: { jobId?: unknown }) => String(a.jobId).localeCompare(String(b.jobId));
      expect(heard.map(({ job, changes }) => ({ sourceName: job.sourceName, jobId: job.jobId, status: job.status, changes })).sort(byId)).toEqual(expected.sort(byId));
    } finally {
      tenants.close();
    }
  });

  const upstreamCalls = () => gateway.sandbox.aws.calls.count() + gateway.sandbox.sailPoint.calls.count();
  /** Refreshes of the four sources: each lists one page of its jobs (SailPoint's uploads too, and a token now and then). */
  const refreshes = () => gateway.sandbox.aws.calls.count('ListBackupJobs') + gateway.sandbox.sailPoint.calls.count('listBackups');

  /** The refreshes made while `count` clients subscribe to the same filter for `ms`. */
  async function costOf(count: number, ms: number): Promise<number> {
    const subscriptions = await Promise.all(Array.from({ length: count }, () => subscribe(gateway.url, UPDATES)));
    // Counted from the first refresh every subscriber waits for, so that both runs start alike.
    await sleep(400);
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();
    await sleep(ms);
    const calls = refreshes();
    for (const subscription of subscriptions) subscription.close();
    await sleep(400);
    return calls;
  }

  it('is the same for five subscribers of one filter as for one, and nothing once none is left', async () => {
    const one = await costOf(1, 2_000);
    const five = await costOf(5, 2_000);
    // Four sources refreshed every 300 ms: about six refreshes each in 2 s, whoever subscribes.
    expect(one).toBeGreaterThanOrEqual(4 * 4);
    // A refresh more or less per source, as the 2 s fall against each source's refreshes.
    expect(Math.abs(five - one)).toBeLessThanOrEqual(4);
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();
    await sleep(1_500);
    expect(upstreamCalls()).toBe(0);
  }, 30_000);
});

describe('each event, a request of its own', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      // Calls cut at 500 ms, requests at 1 s: a subscription outlives its first request's deadline within a test.
      configure: (config) => ({ ...quick(config), sources: quick(config).sources.map((source) => ({ ...source, timeoutMs: 500 })) }),
      security: { limits: { requestTimeoutMs: 1_000 } },
    });
    await gateway.query('{ backupJobs(first: 1) { totalCount } }');
  });
  afterAll(() => gateway.close());

  it('reads the records an event points at with its own deadline, long after the subscription began', async () => {
    const vaults = await subscribe(gateway.url, `subscription { backupJobUpdated(filter: { sourceNames: ["aws-us-east-1"] }) {
      job { ... on AwsBackupJob { backupJobId backupVault { backupVaultName } } }
    } }`);
    try {
      await sleep(1_500);
      const [started] = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'late');
      const [event] = await vaults.next(1);
      expect(event!.data).toEqual({ data: { backupJobUpdated: { job: { backupJobId: started, backupVault: { backupVaultName: 'Default' } } } } });
    } finally {
      vaults.close();
    }
  });
});

describe("an event's reads", () => {
  const SPENT = `spent-${randomBytes(8).toString('hex')}`;
  const FRESH = `fresh-${randomBytes(8).toString('hex')}`;
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await keyedGateway({ spent: [SPENT, ['*']], fresh: [FRESH, ['*']] }, { callerBudget: { calls: 1, perSeconds: 3600 } });
  });
  afterAll(() => gateway.close());

  it("take nothing of the subscribers' shares: a group led by a caller whose share is spent still reads what its events point at", async () => {
    // One read of the four sources' first lists spends the caller's share for the hour.
    const first = await gateway.query('{ backupJobs(first: 1) { sources { errorCode } } }', {}, { 'x-api-key': SPENT });
    expect(first.data!['backupJobs'].sources.map((source: { errorCode: string | null }) => source.errorCode)).toContain('RATE_LIMITED');
    const VAULTS = 'subscription { backupJobUpdated(filter: { sourceNames: ["aws-us-east-1"] }) { job { ... on AwsBackupJob { backupJobId backupVault { backupVaultName } } } } }';
    // The spent caller's subscription comes first: the group executes each event in its context.
    const spent = await subscribe(gateway.url, VAULTS, {}, { 'x-api-key': SPENT });
    const fresh = await subscribe(gateway.url, VAULTS, {}, { 'x-api-key': FRESH });
    try {
      await sleep(700);
      const [started] = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'shares');
      for (const subscription of [fresh, spent]) {
        const [event] = await subscription.next(1);
        expect(event!.data).toEqual({ data: { backupJobUpdated: { job: { backupJobId: started, backupVault: { backupVaultName: 'Default' } } } } });
      }
    } finally {
      spent.close();
      fresh.close();
    }
  });
});

describe('authorization and limits', () => {
  const EAST = `east-${randomBytes(8).toString('hex')}`;
  const TENANTS = `tenants-${randomBytes(8).toString('hex')}`;
  const WEST = `west-${randomBytes(8).toString('hex')}`;
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await keyedGateway(
      { east: [EAST, ['aws-us-east-1']], tenants: [TENANTS, ['sailpoint-*']], west: [WEST, ['aws-eu-west-1']] },
      { maxSubscriptionsPerCaller: 2, maxSubscriptions: 3 },
    );
    await gateway.query('{ backupJobs(first: 1) { totalCount } }', {}, { 'x-api-key': EAST });
    await gateway.query('{ backupJobs(first: 1) { totalCount } }', {}, { 'x-api-key': WEST });
  });
  afterAll(() => gateway.close());

  it('never sends a subscriber a job of a source its credential does not list, and treats naming one as naming none', async () => {
    const east = await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': EAST });
    const tenants = await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': TENANTS });
    const named = await subscribe(gateway.url, UPDATES, { filter: { sourceNames: ['aws-us-east-1'] } }, { 'x-api-key': TENANTS });
    try {
      const started = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'hidden');
      expect(updatesOf(await east.next(1)).map((update) => update.job.backupJobId)).toEqual(started);
      await sleep(700);
      expect(tenants.events).toEqual([]);
      const refusal = (await named.next(1))[0]!.data as { errors: { message: string; extensions: { code: string } }[] };
      expect(refusal.errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
      expect(refusal.errors[0]!.message).toContain('does not serve: "aws-us-east-1"');
    } finally {
      east.close();
      tenants.close();
      named.close();
    }
  });

  it('sends two callers of one document, each seeing other sources, only the jobs of their own', async () => {
    const east = await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': EAST });
    const west = await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': WEST });
    try {
      const [startedEast, startedWest] = await Promise.all([
        startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'seen-east'),
        startJobs(gateway.sandbox.aws.url, 'eu-west-1', 1, 'seen-west'),
      ]);
      const heardBy = async (subscription: typeof east) => updatesOf(await subscription.next(1)).map((update) => [update.job.sourceName, update.job.backupJobId]);
      expect(await heardBy(east)).toEqual([['aws-us-east-1', startedEast![0]]]);
      expect(await heardBy(west)).toEqual([['aws-eu-west-1', startedWest![0]]]);
      await sleep(700);
      expect(updatesOf(east.events).map((update) => update.job.sourceName)).toEqual(['aws-us-east-1']);
      expect(updatesOf(west.events).map((update) => update.job.sourceName)).toEqual(['aws-eu-west-1']);
    } finally {
      east.close();
      west.close();
    }
  });

  it('refuses a subscription past the limit of its caller, or of the gateway, with SUBSCRIPTION_LIMIT until one closes', async () => {
    const refusal = (key: string) => refusalOf(gateway.url, UPDATES, { 'x-api-key': key });
    await sleep(300);
    const held = [
      await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': EAST }),
      await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': EAST }),
    ];
    try {
      expect(await refusal(EAST)).toEqual({ code: 'SUBSCRIPTION_LIMIT', limit: 'maxSubscriptionsPerCaller' });
      held.push(await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': TENANTS }));
      expect(await refusal(TENANTS)).toEqual({ code: 'SUBSCRIPTION_LIMIT', limit: 'maxSubscriptions' });
      held.shift()!.close();
      await sleep(300);
      const again = await subscribe(gateway.url, UPDATES, {}, { 'x-api-key': TENANTS });
      held.push(again);
      await sleep(300);
      expect(again.ended).toBe(false);
      expect(again.events).toEqual([]);
    } finally {
      for (const subscription of held) subscription.close();
    }
  });
});

describe('a large organization whose time passes', () => {
  const REGION = 'us-east-1';
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      sandbox: { awsJobs: 20_000, awsAccounts: 20, awsRegions: 1, awsFrozenClock: true },
      configure: (config) => ({
        ...config,
        sources: config.sources
          .filter((source) => source.kind === 'aws')
          .map((source) => ({ ...source, freshness: { refreshAfterMs: 200, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 } })),
      }),
    });
    // Read in full first: the jobs its first read fills in are not news.
    for (let waited = 0; ; waited += 100) {
      const answer = await gateway.query('{ backupJobs(first: 1) { sources { completeAfter } } }');
      if (answer.data!.backupJobs.sources[0].completeAfter === null) break;
      expect(waited).toBeLessThan(60_000);
      await sleep(100);
    }
  }, 90_000);
  afterAll(() => gateway.close());

  it('sends the jobs that appear and the progress of running ones as the clock moves, each as the sandbox now describes it', async () => {
    const running = await subscribe(gateway.url, UPDATES, { filter: { phases: ['RUNNING'] } });
    const all = await subscribe(gateway.url, UPDATES);
    try {
      await sleep(400);
      const before = gateway.sandbox.aws.clock.now();
      gateway.sandbox.aws.clock.advance(30 * 60 * 1000);
      await all.next(1);
      await sleep(600);
      const heard = updatesOf(all.events);
      const created = [...gateway.sandbox.aws.store.created(REGION, { after: before })].map(({ record }) => record.BackupJobId);
      expect(created.length).toBeGreaterThan(0);
      const appeared = heard.filter((update) => update.changes.includes('APPEARED'));
      expect(appeared.map((update) => update.job.backupJobId).sort()).toEqual(created.sort());
      expect(appeared.every((update) => update.changes.length === 1)).toBe(true);
      expect(heard.some((update) => update.changes.includes('PERCENT_DONE') || update.changes.includes('PHASE'))).toBe(true);
      for (const update of heard) {
        const { record } = gateway.sandbox.aws.store.job(REGION, update.job.backupJobId!)!;
        expect(update.job.state).toBe(record.State);
        expect(update.job.percentDone).toBe(record.PercentDone ?? null);
      }
      const onlyRunning = updatesOf(running.events);
      expect(onlyRunning.length).toBe(heard.filter((update) => update.job.phase === 'RUNNING').length);
      expect(onlyRunning.every((update) => update.job.phase === 'RUNNING')).toBe(true);
    } finally {
      running.close();
      all.close();
    }
  }, 30_000);
});

describe.skipIf(!REDIS_AVAILABLE)('replicas sharing one Redis', () => {
  let redis: RedisServer;
  let sandbox: Sandbox;
  let states: RedisState[];
  let storing: TestGateway;
  let serving: TestGateway;
  /** One source; the storing replica refreshes it every 200 ms when read, the serving one finds it fresh for a minute. */
  const eastOnly = (refreshAfterMs: number) => (config: GatewayConfig) => ({
    ...config,
    sources: config.sources.filter((source) => source.name === 'aws-us-east-1').map((source) => ({ ...source, freshness: { refreshAfterMs, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 } })),
  });
  beforeAll(async () => {
    [redis, sandbox] = await Promise.all([startRedis(), startSandbox({ now: SANDBOX_NOW, sailPointFrozenClock: true })]);
    states = [new RedisState(redis.url), new RedisState(redis.url)];
    await Promise.all(states.map((state) => state.ready()));
    [storing, serving] = await Promise.all([
      startTestGateway({ over: sandbox, state: states[0]!, configure: eastOnly(200) }),
      startTestGateway({ over: sandbox, state: states[1]!, configure: eastOnly(60_000) }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([storing?.close(), serving?.close()]);
    await Promise.all((states ?? []).map((state) => state.close()));
    await Promise.all([redis?.close(), sandbox?.close()]);
  });

  it('sends a subscriber on one replica the jobs another replica stored, through Redis pub/sub', async () => {
    await storing.query('{ backupJobs(first: 1) { totalCount } }');
    const subscriber = await subscribe(serving.url, `subscription { backupJobUpdated { changes job { createdAt ... on AwsBackupJob { backupJobId } } } }`);
    try {
      await sleep(300);
      const started = await startJobs(sandbox.aws.url, 'us-east-1', 2, 'replica');
      sandbox.aws.calls.reset();
      // Read on the storing replica: its refresh stores the new jobs, and it publishes them.
      await storing.query('{ backupJobs(first: 1) { totalCount } }');
      const events = await subscriber.next(2);
      expect(sandbox.aws.calls.count('ListBackupJobs')).toBe(1);
      const updates = events.map((event) => (event.data as { data: { backupJobUpdated: { changes: string[]; job: { createdAt: string; backupJobId: string } } } }).data.backupJobUpdated);
      expect(updates.map((update) => update.job.backupJobId).sort()).toEqual([...started].sort());
      // Dates crossed Redis as Dates.
      expect(updates.every((update) => update.changes.join() === 'APPEARED' && new Date(update.job.createdAt).toISOString() === update.job.createdAt)).toBe(true);
    } finally {
      subscriber.close();
    }
  });
});
