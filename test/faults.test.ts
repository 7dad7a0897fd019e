// Upstream faults, injected by the sandboxes per source and operation: each kind becomes its error
// code with the source's name, the other sources are still served, and no request outlives its
// deadline by more than a small margin. A snapshot still inside staleIfErrorMs stands in for a failed
// refresh. Then retries, the upstream budget, the per-source concurrency bound, and the circuit
// breaker that fails a dead source fast and probes it back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeGlobalId } from '../resolvers/ids.js';
import { awsJobKey } from '../src/aws/mapper.js';
import type { GatewayConfig, SourceConfig } from '../src/config/index.js';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { ownAccountOnly, startTestGateway, steady, uncached, type GraphQLResponse, type TestGateway } from './support/gateway.js';

/** Every source's deadline in these tests; the SDK's and the SailPoint client's retries fit inside it. */
const DEADLINE_MS = 1_500;
/** What a request may take beyond the deadline: the answer's own way back, on a 2-core machine busy with the rest of the suite. */
const MARGIN_MS = 1_000;
/**
 * How much sooner than its deadline a timed-out request may seem to end: the timer starts inside
 * the gateway a little after the test's clock does, and never fires before it is due.
 */
const EARLY_MS = 50;

const ALL_SOURCES = ['aws-eu-west-1', 'aws-us-east-1', 'sailpoint-acme-prod', 'sailpoint-acme-sandbox'];
const LIST = '{ backupJobs(first: 100) { edges { node { sourceName } } } }';
const EAST_LIST = '{ backupJobs(first: 6, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }';

const kinds: [string, string, SandboxFault][] = [
  ['an answer slower than the deadline', 'UPSTREAM_TIMEOUT', { kind: 'latency', ms: DEADLINE_MS + 1_000 }],
  ['a hang', 'UPSTREAM_TIMEOUT', { kind: 'hang' }],
  ['a 503', 'UPSTREAM_UNAVAILABLE', { kind: 'error', status: 503 }],
  ['a 500', 'UPSTREAM_UNAVAILABLE', { kind: 'error', status: 500 }],
  ['a connection reset', 'UPSTREAM_UNAVAILABLE', { kind: 'reset' }],
  ['a malformed body', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed' }],
  ['expired or revoked credentials', 'UPSTREAM_AUTH_FAILED', { kind: 'credentials' }],
  ['an identity without the right to call', 'UPSTREAM_AUTH_FAILED', { kind: 'denied' }],
  // Last: the gateway then calls the tenant no more for the 30 s its Retry-After asks.
  ['throttling', 'UPSTREAM_THROTTLED', { kind: 'throttle', retryAfterSeconds: 30 }],
];

async function timed(gateway: TestGateway, query: string, variables?: Record<string, unknown>): Promise<{ answer: GraphQLResponse; ms: number }> {
  const started = performance.now();
  const answer = await gateway.query(query, variables);
  return { answer, ms: performance.now() - started };
}

function servedSources(answer: GraphQLResponse): string[] {
  return [...new Set<string>(answer.data!.backupJobs.edges.map((edge: { node: { sourceName: string } }) => edge.node.sourceName))].sort();
}

function failures(answer: GraphQLResponse): [unknown, unknown][] {
  return (answer.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.sourceName]);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every source of the configuration, changed alike. */
const everySource = (change: (source: SourceConfig) => SourceConfig) => (config: GatewayConfig): GatewayConfig => ({
  ...config,
  sources: config.sources.map(change),
});

/**
 * Upstream budgets that never run out: these tests provoke retries and failing calls by the dozen,
 * and a spent budget would stand in for the fault under test (one test is about the budget itself).
 */
const roomyBudgets = everySource((source) => ({ ...source, budget: { calls: 1_000_000, perSeconds: 1 } }));

function startGateway(options: Parameters<typeof startTestGateway>[0] = {}): Promise<TestGateway> {
  const configure = options.configure ?? ((config: GatewayConfig) => config);
  return startTestGateway({ ...options, configure: (config) => roomyBudgets(configure(config)) });
}

/**
 * Ids, under the "own" source of ownAccountOnly, of jobs no account has: its list lacks them, so
 * each lookup costs a DescribeBackupJob (which finds nothing, whatever the sandbox's cross-account
 * policy). They stand for the jobs a real list does not hold, newer than its snapshot.
 */
function unlistedIds(count: number): string[] {
  return Array.from({ length: count }, (_, index) =>
    encodeGlobalId('AwsBackupJob', awsJobKey('own', `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`)),
  );
}

const NODES = 'query($ids: [ID!]!) { nodes(ids: $ids) { id } }';
const OWN_LIST = '{ backupJobs(first: 6, filter: { sourceNames: ["own"] }) { edges { node { id } } } }';

describe('each fault kind', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({
      // Every request reads upstream, so each test meets its fault whatever earlier tests cached;
      // and a breaker that never opens here: each test must reach the upstream.
      configure: (config) =>
        uncached(everySource((source) => ({ ...source, timeoutMs: DEADLINE_MS, circuitBreaker: { failures: 100, halfOpenAfterMs: 1_000 } }))(config)),
    });
  });
  afterAll(() => gateway.close());
  afterEach(() => {
    gateway.sandbox.aws.faults.clear();
    gateway.sandbox.sailPoint.faults.clear();
  });

  // Throttling has tests of its own: the SDK backs off up to 1 s and then 2 s between throttled
  // attempts (the AWS test below gives it a longer deadline), and a throttled tenant is not called
  // again until its Retry-After, which would stand in for the faults of the tests after it here.
  const unthrottled = kinds.filter(([, , fault]) => fault.kind !== 'throttle');

  it.each(unthrottled)('AWS: %s on ListBackupJobs is %s for that source alone, within the deadline', async (_name, code, fault) => {
    gateway.sandbox.aws.faults.set('us-east-1', { ...fault, operation: 'ListBackupJobs' });
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([[code, 'aws-us-east-1']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'aws-us-east-1'));
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    // A timeout is the deadline passing, never a cut well before it (timers do not fire early).
    if (code === 'UPSTREAM_TIMEOUT') expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - EARLY_MS);
  });

  it.each(unthrottled)('SailPoint: %s on every call is %s for that tenant alone, within the deadline', async (_name, code, fault) => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', fault);
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([[code, 'sailpoint-acme-prod']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'sailpoint-acme-prod'));
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
    if (code === 'UPSTREAM_TIMEOUT') expect(ms).toBeGreaterThanOrEqual(DEADLINE_MS - EARLY_MS);
  });

  it('AWS: throttling is UPSTREAM_THROTTLED once the SDK gives up, for that source alone, within the deadline', async () => {
    const patientDeadlineMs = 5_000;
    const patient = await startGateway({ configure: everySource((source) => ({ ...source, timeoutMs: patientDeadlineMs })) });
    try {
      patient.sandbox.aws.faults.set('us-east-1', { kind: 'throttle', operation: 'ListBackupJobs' });
      const { answer, ms } = await timed(patient, LIST);
      expect(failures(answer)).toEqual([['UPSTREAM_THROTTLED', 'aws-us-east-1']]);
      expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'aws-us-east-1'));
      expect(patient.sandbox.aws.calls.count('ListBackupJobs')).toBe(4);
      expect(ms).toBeLessThan(patientDeadlineMs + MARGIN_MS);
    } finally {
      await patient.close();
    }
  });

  it("AWS: another account's jobs denied to an own-account source fail their lookups only, and never open its circuit", async () => {
    const own = await startGateway({ configure: (config) => ownAccountOnly(config, { circuitBreaker: { failures: 2, halfOpenAfterMs: 60_000 } }) });
    try {
      const listed = (await own.query(OWN_LIST)).data!.backupJobs.edges[0].node.id as string;
      const others = own.sandbox.aws.store.jobs('us-east-1').filter(({ record }) => record.AccountId !== '111122223333').slice(0, 6);
      const ids = others.map(({ record }) => encodeGlobalId('AwsBackupJob', awsJobKey('own', record.BackupJobId)));
      const answer = await own.query(NODES, { ids });
      expect(failures(answer)).toEqual(ids.map(() => ['UPSTREAM_AUTH_FAILED', 'own']));
      expect(own.sandbox.aws.calls.count('DescribeBackupJob')).toBe(6);
      const after = await own.query(`{ backupSources { circuit } job: node(id: "${listed}") { id } }`);
      expect(after.data).toEqual({ backupSources: [{ circuit: 'CLOSED' }], job: { id: listed } });
    } finally {
      await own.close();
    }
  });

  it("AWS: a reference to another account's job is not looked up in an own-account source at all", async () => {
    const both = await startGateway({ configure: (config) => ({ ...config, sources: [...config.sources, ...ownAccountOnly(config).sources] }) });
    try {
      const other = both.sandbox.aws.store.jobs('us-east-1').find(({ record }) => record.AccountId !== '111122223333')!.record;
      both.sandbox.aws.calls.reset();
      const answer = await both.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on AwsBackupJob { backupJobId sourceName } } }', {
        r: [{ __typename: 'AwsBackupJob', accountId: other.AccountId, region: 'us-east-1', backupJobId: other.BackupJobId }],
      });
      expect(answer.errors).toBeUndefined();
      expect(answer.data!._entities).toEqual([{ backupJobId: other.BackupJobId, sourceName: 'aws-us-east-1' }]);
      expect(both.sandbox.aws.calls.count('DescribeBackupJob')).toBe(0);
    } finally {
      await both.close();
    }
  });

  it('AWS: LimitExceededException refuses what the request holds: BAD_USER_INPUT for that source, sent once, not a throttle', async () => {
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'limit', operation: 'ListBackupJobs' });
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([['BAD_USER_INPUT', 'aws-us-east-1']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'aws-us-east-1'));
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs', 'us-east-1')).toBe(1);
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('AWS: a Describe fault fails only the lookup it hits', async () => {
    // The sandbox's organization-wide sources, beside an own-account one reading the same region.
    const describing = await startGateway({ configure: (config) => ({ ...config, sources: [...config.sources, ...ownAccountOnly(config).sources] }) });
    try {
      const unlisted = unlistedIds(1)[0]!;
      const listed = (await describing.query(OWN_LIST)).data!.backupJobs.edges[0].node.id as string;
      const orgWide = (await describing.query(EAST_LIST)).data!.backupJobs.edges[0].node.id as string;
      describing.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'DescribeBackupJob' });
      const answer = await describing.query(`{ a: node(id: "${unlisted}") { id } b: node(id: "${listed}") { id } c: node(id: "${orgWide}") { id } }`);
      expect(failures(answer)).toEqual([['UPSTREAM_AUTH_FAILED', 'own']]);
      // The region's lists still answer: the jobs they hold come from their source's snapshot.
      expect(answer.data).toEqual({ a: null, b: { id: listed }, c: { id: orgWide } });
    } finally {
      await describing.close();
    }
  });

  it('SailPoint: a revoked client fails at the token call once the cached token is gone', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'credentials', operation: 'token' });
    gateway.sandbox.sailPoint.revokeTokens('acme-prod');
    const { answer } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([['UPSTREAM_AUTH_FAILED', 'sailpoint-acme-prod']]);
  });
});

describe('a throttled source', () => {
  it("is UPSTREAM_THROTTLED with its Retry-After on every page until then, is not called meanwhile, and never opens its circuit", async () => {
    const gateway = await startGateway({
      configure: (config) => uncached(everySource((source) => ({ ...source, timeoutMs: DEADLINE_MS, circuitBreaker: { failures: 2, halfOpenAfterMs: 60_000 } }))(config)),
    });
    try {
      gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'throttle', retryAfterSeconds: 30 });
      const first = await gateway.query(LIST);
      expect(first.errors?.map((error) => [error.extensions?.code, error.extensions?.sourceName, error.extensions?.retryAfterSeconds])).toEqual([
        ['UPSTREAM_THROTTLED', 'sailpoint-acme-prod', 30],
      ]);
      const calls = gateway.sandbox.sailPoint.calls.count(undefined, 'acme-prod');
      for (let page = 0; page < 5; page++) {
        const answer = await gateway.query(LIST);
        const [error] = answer.errors ?? [];
        expect([error?.extensions?.code, error?.extensions?.sourceName]).toEqual(['UPSTREAM_THROTTLED', 'sailpoint-acme-prod']);
        expect(error?.extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(28);
        expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'sailpoint-acme-prod'));
      }
      expect(gateway.sandbox.sailPoint.calls.count(undefined, 'acme-prod')).toBe(calls);
      const sources = await gateway.query('{ backupSources { name circuit } }');
      expect(sources.data!.backupSources.find((source: { name: string }) => source.name === 'sailpoint-acme-prod').circuit).toBe('CLOSED');
    } finally {
      await gateway.close();
    }
  });
});

describe('a snapshot inside staleIfErrorMs', () => {
  const PROD_PAGE = `{ backupJobs(first: 100, filter: { sourceNames: ["sailpoint-acme-prod"] }) {
    totalCount edges { node { id } } sources { sourceName complete stale fetchedAt errorCode }
  } }`;
  // Every request refreshes (nothing counts as fresh), so each one meets the fault; a snapshot up
  // to a minute old stands in for a failed refresh. The breaker never opens, as above.
  const staleIfError = everySource((source) => ({
    ...source,
    timeoutMs: DEADLINE_MS,
    circuitBreaker: { failures: 100, halfOpenAfterMs: 1_000 },
    freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 60_000 },
  }));
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ configure: staleIfError });
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.sandbox.sailPoint.faults.clear());

  it.each(kinds)('SailPoint: %s on the refresh serves it complete, stale, with %s, and no error', async (_name, code, fault) => {
    const fresh = await gateway.query(PROD_PAGE);
    expect(fresh.errors).toBeUndefined();
    const [part] = fresh.data!.backupJobs.sources;
    expect(part).toMatchObject({ sourceName: 'sailpoint-acme-prod', complete: true, stale: false, errorCode: null });

    gateway.sandbox.sailPoint.faults.set('acme-prod', fault);
    const { answer, ms } = await timed(gateway, PROD_PAGE);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.sources).toEqual([{ ...part, stale: true, errorCode: code }]);
    expect(answer.data!.backupJobs.edges).toEqual(fresh.data!.backupJobs.edges);
    expect(answer.data!.backupJobs.totalCount).toBe(fresh.data!.backupJobs.totalCount);
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });
});

describe('past staleIfErrorMs', () => {
  const STALE_IF_ERROR_MS = 1_000;
  const EAST_PAGE = `{ backupJobs(first: 100, filter: { sourceNames: ["aws-us-east-1"] }) {
    totalCount edges { node { id } } sources { sourceName complete stale fetchedAt errorCode }
  } }`;
  const MISSING = (errorCode: string) => ({
    totalCount: null,
    edges: [],
    sources: [{ sourceName: 'aws-us-east-1', complete: false, stale: false, fetchedAt: null, errorCode }],
  });
  let gateway: TestGateway;
  beforeAll(async () => {
    // Every request refreshes, and a snapshot up to a second old stands in for a failed refresh.
    gateway = await startGateway({
      configure: everySource((source) => ({
        ...source,
        timeoutMs: DEADLINE_MS,
        freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: STALE_IF_ERROR_MS },
      })),
    });
  });
  afterAll(() => gateway.close());
  afterEach(() => gateway.sandbox.aws.faults.clear());

  it('the part is missing, with its error; once the source answers again it is fresh', async () => {
    const fresh = await gateway.query(EAST_PAGE);
    const [part] = fresh.data!.backupJobs.sources;
    expect(part).toMatchObject({ complete: true, stale: false, errorCode: null });
    expect(fresh.data!.backupJobs.totalCount).toBeGreaterThan(0);

    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'ListBackupJobs' });
    const stale = await gateway.query(EAST_PAGE);
    expect(stale.errors).toBeUndefined();
    expect(stale.data!.backupJobs.sources).toEqual([{ ...part, stale: true, errorCode: 'UPSTREAM_AUTH_FAILED' }]);
    expect(stale.data!.backupJobs.totalCount).toBe(fresh.data!.backupJobs.totalCount);

    await sleep(Date.parse(part.fetchedAt) + STALE_IF_ERROR_MS + 50 - Date.now());
    const missing = await gateway.query(EAST_PAGE);
    expect(failures(missing)).toEqual([['UPSTREAM_AUTH_FAILED', 'aws-us-east-1']]);
    expect(missing.data!.backupJobs).toEqual(MISSING('UPSTREAM_AUTH_FAILED'));

    gateway.sandbox.aws.faults.clear();
    const recovered = await gateway.query(EAST_PAGE);
    expect(recovered.errors).toBeUndefined();
    const [again] = recovered.data!.backupJobs.sources;
    expect(again).toMatchObject({ complete: true, stale: false, errorCode: null });
    expect(Date.parse(again.fetchedAt)).toBeGreaterThan(Date.parse(part.fetchedAt));
    expect(recovered.data!.backupJobs.edges).toEqual(fresh.data!.backupJobs.edges);
  });

  it('counts from when the refresh failed: a snapshot that aged past it while the refresh hung is not served', async () => {
    expect((await gateway.query(EAST_PAGE)).errors).toBeUndefined();
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'hang', operation: 'ListBackupJobs' });
    // The snapshot is a few milliseconds old when the request asks, and 1.5 s old when the refresh gives up.
    const { answer, ms } = await timed(gateway, EAST_PAGE);
    expect(failures(answer)).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
    expect(answer.data!.backupJobs).toEqual(MISSING('UPSTREAM_TIMEOUT'));
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });
});

describe('the request deadline', () => {
  it('answers at requestTimeoutMs however the calls chain, and the calls it started go on for later readers', async () => {
    const gateway = await startGateway({ configure: ownAccountOnly, security: { limits: { requestTimeoutMs: 1_200 } } });
    try {
      const { aws } = gateway.sandbox;
      const ids = unlistedIds(3);
      aws.faults.set('us-east-1', { kind: 'latency', ms: 700, operation: 'ListBackupJobs' });
      aws.faults.set('us-east-1', { kind: 'latency', ms: 1_000, operation: 'DescribeBackupJob' });
      // The list, then a Describe for each job it does not hold: 1,700 ms of upstream time in a row, each call within its own 5 s deadline.
      const { answer, ms } = await timed(gateway, NODES, { ids });
      expect(ms).toBeLessThan(1_200 + MARGIN_MS);
      expect(answer.data!.nodes).toEqual([null, null, null]);
      expect(failures(answer)).toEqual(ids.map(() => ['UPSTREAM_TIMEOUT', 'own']));
      expect(aws.calls.count('DescribeBackupJob')).toBe(3);

      // The Describes were shared work: the next request gets their answers (no such job) without calling again.
      const next = await gateway.query(NODES, { ids });
      expect(next.errors).toBeUndefined();
      expect(next.data!.nodes).toEqual([null, null, null]);
      expect(aws.calls.count('DescribeBackupJob')).toBe(3);
    } finally {
      await gateway.close();
    }
  });
});

describe('time the gateway spends on its own account', () => {
  // A breaker that opens at the first failure the source is blamed for: none of these may open it.
  const touchy = everySource((source) => ({ ...source, circuitBreaker: { failures: 1, halfOpenAfterMs: 60_000 } }));
  const circuitOf = async (gateway: TestGateway, name: string) =>
    (await gateway.query('{ backupSources { name circuit } }')).data!.backupSources.find((source: { name: string }) => source.name === name).circuit;

  it('a request that stops waiting for a shared refresh at its deadline does not count against the source', async () => {
    const gateway = await startGateway({ configure: (config) => touchy(uncached(config)), security: { limits: { requestTimeoutMs: 600 } } });
    const lastCallOf = async (name: string) =>
      (await gateway.query('{ backupSources { name lastCall { reachable } } }')).data!.backupSources.find(
        (source: { name: string }) => source.name === name,
      ).lastCall;
    try {
      const { aws } = gateway.sandbox;
      expect((await gateway.query(EAST_LIST)).errors).toBeUndefined();
      aws.faults.set('us-east-1', { kind: 'latency', ms: 1_500, operation: 'ListBackupJobs', times: 1 });
      aws.calls.reset();
      for (let attempt = 0; attempt < 2; attempt++) {
        const { answer, ms } = await timed(gateway, EAST_LIST);
        expect(failures(answer)).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
        expect(ms).toBeLessThan(600 + MARGIN_MS);
        expect(ms).toBeGreaterThanOrEqual(600 - EARLY_MS);
      }
      // The second request waited on the refresh the first one started: one call for both.
      expect(aws.calls.count('ListBackupJobs')).toBe(1);
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('CLOSED');
      // Nor does backupSources blame it: the last call it saw still answered.
      expect(await lastCallOf('aws-us-east-1')).toEqual({ reachable: true });
      expect((await gateway.query(EAST_LIST)).errors).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it('calls that waited for a slot past the request deadline neither open the circuit nor keep their slot', async () => {
    // One source with one slot. Reads are shared, so no request's deadline reaches them: the calls
    // bound to a request's deadline are its health checks.
    const gateway = await startGateway({
      configure: (config) => touchy(ownAccountOnly(config, { maxConcurrency: 1 })),
      security: { limits: { requestTimeoutMs: 600 } },
    });
    const HEALTH = '{ backupSources { health { reachable errorCode } } }';
    try {
      const { aws } = gateway.sandbox;
      // A slow refresh holds the only slot for a second; it outlives the request that started it, not its own deadline.
      aws.faults.set('us-east-1', { kind: 'latency', ms: 1_000, operation: 'ListBackupJobs', times: 1 });
      const reading = gateway.query(OWN_LIST);
      await expect.poll(() => aws.calls.count('ListBackupJobs'), { interval: 5 }).toBe(1);
      // Three health checks wait behind it, past their requests' deadline.
      const checks = await Promise.all([1, 2, 3].map(() => timed(gateway, HEALTH)));
      for (const { answer, ms } of checks) {
        expect(answer.data).toEqual({ backupSources: [{ health: { reachable: false, errorCode: 'UPSTREAM_TIMEOUT' } }] });
        expect(ms).toBeLessThan(600 + MARGIN_MS);
      }
      expect(failures(await reading)).toEqual([['UPSTREAM_TIMEOUT', 'own']]);
      // Once the refresh is in, the checks leave the queue and end at once, without reaching the source.
      await expect.poll(async () => (await gateway.query(OWN_LIST)).errors, { interval: 50 }).toBeUndefined();
      expect(aws.calls.count('ListBackupJobs')).toBe(1);
      expect(await circuitOf(gateway, 'own')).toBe('CLOSED');

      // The single slot is free for the next call.
      const next = await timed(gateway, HEALTH);
      expect(next.answer.data).toEqual({ backupSources: [{ health: { reachable: true, errorCode: null } }] });
      expect(aws.calls.count('ListBackupJobs')).toBe(2);
      // Well inside the request deadline (600 ms) it would otherwise spend waiting for the slot.
      expect(next.ms).toBeLessThan(600);
    } finally {
      await gateway.close();
    }
  });

  it('a spent upstream budget is UPSTREAM_THROTTLED without calling the source or opening the circuit', async () => {
    // Two calls per one-second window (so never more than 4 in any second); a call waits for the next
    // window only up to half its 300 ms deadline. A cold tenant needs three: a token, backups, uploads.
    const budgeted = await startTestGateway({
      configure: (config) =>
        touchy(everySource((source) => (source.name === 'sailpoint-acme-prod' ? { ...source, timeoutMs: 300, budget: { calls: 4, perSeconds: 1 } } : source))(config)),
    });
    try {
      const { sailPoint } = budgeted.sandbox;
      const tenantCalls = () => sailPoint.calls.count(undefined, 'acme-prod');
      const PROD_LIST = '{ backupJobs(first: 1, filter: { sourceNames: ["sailpoint-acme-prod"] }) { edges { node { id } } } }';
      const refused = await budgeted.query(PROD_LIST);
      expect(failures(refused)).toEqual([['UPSTREAM_THROTTLED', 'sailpoint-acme-prod']]);
      // The answer may come before the list the budget let through has arrived; nothing more may follow it.
      await sleep(200);
      expect(tenantCalls()).toBe(2);
      expect(await circuitOf(budgeted, 'sailpoint-acme-prod')).toBe('CLOSED');

      // The next window holds two calls again: both lists, with the token already there.
      await sleep(1_000);
      const served = await budgeted.query(PROD_LIST);
      expect(served.errors).toBeUndefined();
      expect(tenantCalls()).toBe(4);
    } finally {
      await budgeted.close();
    }
  });

  it('a half-open probe cut short by the request deadline proves nothing: the circuit stays open', async () => {
    const gateway = await startGateway({
      configure: everySource((source) => ({ ...source, circuitBreaker: { failures: 1, halfOpenAfterMs: 300 } })),
      security: { limits: { requestTimeoutMs: 600 } },
    });
    try {
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'ListBackupJobs', times: 1 });
      expect(failures(await gateway.query(EAST_LIST))).toEqual([['UPSTREAM_AUTH_FAILED', 'aws-us-east-1']]);
      await sleep(350);
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('HALF_OPEN');
      // The probe is a health check: reads are shared between requests, so only a health check runs on one request's deadline.
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'hang', operation: 'ListBackupJobs' });
      const { answer, ms } = await timed(gateway, '{ backupSources { name health { errorCode } } }');
      expect(ms).toBeLessThan(600 + MARGIN_MS);
      expect(ms).toBeGreaterThanOrEqual(600 - EARLY_MS);
      expect(answer.data!.backupSources.find((source: { name: string }) => source.name === 'aws-us-east-1').health).toEqual({
        errorCode: 'UPSTREAM_TIMEOUT',
      });
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('OPEN');
    } finally {
      await gateway.close();
    }
  });

  it('lookups of a request already past its deadline fail at once, without calling the source', async () => {
    const gateway = await startGateway({ configure: (config) => touchy(ownAccountOnly(config)), security: { limits: { requestTimeoutMs: 600 } } });
    try {
      const { aws } = gateway.sandbox;
      const ids = unlistedIds(3);
      // The lookups wait for the source's list until the request's deadline; only then would they ask for their Describe.
      aws.faults.set('us-east-1', { kind: 'latency', ms: 900, operation: 'ListBackupJobs', times: 1 });
      aws.calls.reset();
      const { answer, ms } = await timed(gateway, NODES, { ids });
      expect(ms).toBeLessThan(600 + MARGIN_MS);
      expect(ms).toBeGreaterThanOrEqual(600 - EARLY_MS);
      expect(failures(answer)).toEqual(ids.map(() => ['UPSTREAM_TIMEOUT', 'own']));
      // Past the slow list's end, so that a Describe started late would have been counted.
      await sleep(500);
      expect(aws.calls.count('DescribeBackupJob')).toBe(0);
      expect(await circuitOf(gateway, 'own')).toBe('CLOSED');
    } finally {
      await gateway.close();
    }
  });
});

describe('retries', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({ configure: uncached });
  });
  afterAll(() => gateway.close());

  it('AWS: the SDK retries a source that fails twice and then answers', async () => {
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'error', status: 503, operation: 'ListBackupJobs', times: 2 });
    gateway.sandbox.aws.calls.reset();
    const answer = await gateway.query('{ backupJobs(first: 5, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.edges).toHaveLength(5);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(3);
  });

  it('SailPoint: the client retries a dropped connection and a 5xx, then answers', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'reset', operation: 'listBackups', times: 1 });
    await gateway.query('{ backupSources { name } }');
    gateway.sandbox.sailPoint.calls.reset();
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'reset', operation: 'listBackups', times: 1 });
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 502, operation: 'listUploads', times: 2 });
    const answer = await gateway.query('{ backupJobs(first: 5, filter: { sourceNames: ["sailpoint-acme-prod"] }) { edges { node { id } } } }');
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.edges).toHaveLength(5);
    expect(gateway.sandbox.sailPoint.calls.count('listBackups', 'acme-prod')).toBe(2);
    expect(gateway.sandbox.sailPoint.calls.count('listUploads', 'acme-prod')).toBe(3);
  });
});

describe('the per-source concurrency bound', () => {
  it('keeps at most maxConcurrency calls of a source in flight, whatever the Describe bound', async () => {
    const gateway = await startGateway({
      configure: (config) => ownAccountOnly(config, { maxConcurrency: 2, describeConcurrency: 8 }),
    });
    try {
      const ids = unlistedIds(12);
      expect((await gateway.query(OWN_LIST)).errors).toBeUndefined();
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 60, operation: 'DescribeBackupJob' });
      gateway.sandbox.aws.calls.reset();
      // The list does not hold these jobs: each one costs a Describe.
      const answer = await gateway.query(NODES, { ids });
      expect(answer.errors).toBeUndefined();
      expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(12);
      expect(gateway.sandbox.aws.calls.peakConcurrency('DescribeBackupJob')).toBe(2);
    } finally {
      await gateway.close();
    }
  });
});

describe('the circuit breaker', () => {
  const HALF_OPEN_AFTER_MS = 800;
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway({
      // Every request reads upstream, so each one meets the breaker.
      configure: (config) => uncached(everySource((source) => ({ ...source, circuitBreaker: { failures: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS } }))(config)),
    });
  });
  afterAll(() => gateway.close());

  const circuitOf = async (name: string) =>
    (await gateway.query('{ backupSources { name circuit } }')).data!.backupSources.find((source: { name: string }) => source.name === name).circuit;

  it('opens after consecutive failures, then fails that source fast without calling it, and serves the rest', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 503 });
    for (let attempt = 0; attempt < 2; attempt++) {
      // Each request makes two failing calls (backups and uploads).
      expect(failures(await gateway.query(LIST))).toEqual([['UPSTREAM_UNAVAILABLE', 'sailpoint-acme-prod']]);
    }
    expect(await circuitOf('sailpoint-acme-prod')).toBe('OPEN');

    gateway.sandbox.sailPoint.calls.reset();
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([['UPSTREAM_UNAVAILABLE', 'sailpoint-acme-prod']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'sailpoint-acme-prod'));
    expect(gateway.sandbox.sailPoint.calls.count(undefined, 'acme-prod')).toBe(0);
    // Failed at once: a call that reached the failing tenant would have taken its retries' backoff and more.
    expect(ms).toBeLessThan(DEADLINE_MS);
  });

  it('lets one call through after the probe interval, and closes when the source answers again', async () => {
    gateway.sandbox.sailPoint.faults.clear();
    await sleep(HALF_OPEN_AFTER_MS + 100);
    expect(await circuitOf('sailpoint-acme-prod')).toBe('HALF_OPEN');
    const answer = await gateway.query(LIST);
    expect(answer.errors).toBeUndefined();
    expect(servedSources(answer)).toEqual(ALL_SOURCES);
    expect(await circuitOf('sailpoint-acme-prod')).toBe('CLOSED');
  });

  it('keeps the deadline of calls that waited behind a half-open probe, so a hang cannot wedge the source', async () => {
    // One source, so that every call counted is its own; its snapshot stays fresh throughout, so
    // that only the calls this test makes reach it.
    const wedgeable = await startGateway({
      configure: (config) =>
        steady(ownAccountOnly(config, { timeoutMs: 1_000, maxConcurrency: 1, circuitBreaker: { failures: 1, halfOpenAfterMs: 300 } })),
    });
    try {
      const { aws } = wedgeable.sandbox;
      const id = unlistedIds(1)[0]!;
      const lookup = `{ node(id: "${id}") { id } }`;
      expect((await wedgeable.query(OWN_LIST)).errors).toBeUndefined();
      aws.faults.set('us-east-1', { kind: 'credentials', operation: 'DescribeBackupJob', times: 1 });
      expect(failures(await wedgeable.query(lookup))).toEqual([['UPSTREAM_AUTH_FAILED', 'own']]);
      await sleep(350);

      // The probe (a slow health check) holds the half-open circuit; the lookup waits behind it, then hangs.
      aws.faults.set('us-east-1', { kind: 'latency', ms: 200, operation: 'ListBackupJobs', times: 1 });
      aws.faults.set('us-east-1', { kind: 'hang', operation: 'DescribeBackupJob' });
      aws.calls.reset();
      const probe = wedgeable.query('{ backupSources { health { reachable } } }');
      await expect.poll(() => aws.calls.count('ListBackupJobs'), { interval: 5 }).toBe(1);
      const started = performance.now();
      const waiting = await wedgeable.query(lookup);
      expect(failures(waiting)).toEqual([['UPSTREAM_TIMEOUT', 'own']]);
      expect(performance.now() - started).toBeLessThan(1_000 + MARGIN_MS);
      expect((await probe).data).toEqual({ backupSources: [{ health: { reachable: true } }] });

      // The timed-out lookup opened the circuit again (one failure does here); once it half-opens,
      // the only slot must be free for the next call, not held by the hung one.
      aws.faults.clear();
      await sleep(350);
      const after = await timed(wedgeable, lookup);
      expect(after.answer.errors).toBeUndefined();
      // A slot still held by the hung call would keep this one waiting for its whole deadline (1 s).
      expect(after.ms).toBeLessThan(1_000);
    } finally {
      await wedgeable.close();
    }
  });

  it('never sees input an upstream would refuse: filters run on the read model', async () => {
    // AWS refuses this vault name as invalid input; it never reaches AWS, so it cannot count against the source either.
    const filtering = await startGateway({ configure: everySource((source) => ({ ...source, circuitBreaker: { failures: 1, halfOpenAfterMs: 60_000 } })) });
    try {
      for (let attempt = 0; attempt < 4; attempt++) {
        const answer = await filtering.query('{ backupJobs(filter: { backupVaultName: "not a vault name!" }) { totalCount edges { node { id } } } }');
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.backupJobs).toEqual({ totalCount: 0, edges: [] });
      }
      // One list per AWS source, the first request's: the read model answered the others.
      expect(filtering.sandbox.aws.calls.count('ListBackupJobs')).toBe(2);
      expect(await filtering.query('{ backupSources { circuit } }')).toMatchObject({ data: { backupSources: ALL_SOURCES.map(() => ({ circuit: 'CLOSED' })) } });
    } finally {
      await filtering.close();
    }
  });
});
