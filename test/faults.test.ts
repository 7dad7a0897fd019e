// Upstream faults, injected by the sandboxes per source and operation: each kind becomes its error
// code with the source's name, the other sources are still served, and no request outlives its
// deadline by more than a small margin. Then retries, the per-source concurrency bound, and the
// circuit breaker that fails a dead source fast and probes it back.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../src/config/index.js';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { startTestGateway, type GraphQLResponse, type TestGateway } from './support/gateway.js';

/** Every source's deadline in these tests; the SDK's and the SailPoint client's retries fit inside it. */
const DEADLINE_MS = 1_500;
/** What a request may take beyond the deadline: the answer's own way back. */
const MARGIN_MS = 400;

const ALL_SOURCES = ['aws-eu-west-1', 'aws-us-east-1', 'sailpoint-acme-prod', 'sailpoint-acme-sandbox'];
const LIST = '{ backupJobs(first: 100) { edges { node { sourceName } } } }';

async function timed(gateway: TestGateway, query: string): Promise<{ answer: GraphQLResponse; ms: number }> {
  const started = performance.now();
  const answer = await gateway.query(query);
  return { answer, ms: performance.now() - started };
}

function servedSources(answer: GraphQLResponse): string[] {
  return [...new Set<string>(answer.data!.backupJobs.edges.map((edge: { node: { sourceName: string } }) => edge.node.sourceName))].sort();
}

function failures(answer: GraphQLResponse): [unknown, unknown][] {
  return (answer.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.sourceName]);
}

describe('each fault kind', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({
      configure: (config) => ({
        ...config,
        // A breaker that never opens here: each test must reach the upstream.
        sources: config.sources.map((source) => ({ ...source, timeoutMs: DEADLINE_MS, circuitBreaker: { failures: 100, halfOpenAfterMs: 1_000 } })),
      }),
    });
  });
  afterAll(() => gateway.close());
  afterEach(() => {
    gateway.sandbox.aws.faults.clear();
    gateway.sandbox.sailPoint.faults.clear();
  });

  const kinds: [string, string, SandboxFault][] = [
    ['an answer slower than the deadline', 'UPSTREAM_TIMEOUT', { kind: 'latency', ms: DEADLINE_MS + 1_000 }],
    ['a hang', 'UPSTREAM_TIMEOUT', { kind: 'hang' }],
    ['a 503', 'UPSTREAM_UNAVAILABLE', { kind: 'error', status: 503 }],
    ['a 500', 'UPSTREAM_UNAVAILABLE', { kind: 'error', status: 500 }],
    ['throttling', 'UPSTREAM_THROTTLED', { kind: 'throttle', retryAfterSeconds: 30 }],
    ['a connection reset', 'UPSTREAM_UNAVAILABLE', { kind: 'reset' }],
    ['a malformed body', 'UPSTREAM_BAD_RESPONSE', { kind: 'malformed' }],
    ['expired or revoked credentials', 'UPSTREAM_AUTH_FAILED', { kind: 'credentials' }],
  ];

  // The SDK backs off up to 1 s and then 2 s between throttled attempts: the next test gives it a longer deadline.
  const awsKinds = kinds.filter(([, , fault]) => fault.kind !== 'throttle');

  it.each(awsKinds)('AWS: %s on ListBackupJobs is %s for that source alone, within the deadline', async (_name, code, fault) => {
    gateway.sandbox.aws.faults.set('us-east-1', { ...fault, operation: 'ListBackupJobs' });
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([[code, 'aws-us-east-1']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'aws-us-east-1'));
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it.each(kinds)('SailPoint: %s on every call is %s for that tenant alone, within the deadline', async (_name, code, fault) => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', fault);
    const { answer, ms } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([[code, 'sailpoint-acme-prod']]);
    expect(servedSources(answer)).toEqual(ALL_SOURCES.filter((name) => name !== 'sailpoint-acme-prod'));
    expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
  });

  it('AWS: throttling is UPSTREAM_THROTTLED once the SDK gives up, for that source alone, within the deadline', async () => {
    const patientDeadlineMs = 5_000;
    const patient = await startTestGateway({
      configure: (config) => ({ ...config, sources: config.sources.map((source) => ({ ...source, timeoutMs: patientDeadlineMs })) }),
    });
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

  it('AWS: a Describe fault fails only the lookup it hits', async () => {
    const listed = await gateway.query('{ backupJobs(first: 100, filter: { sources: [AWS_BACKUP] }) { edges { node { id sourceName } } } }');
    const idOf = (name: string): string =>
      listed.data!.backupJobs.edges.find((edge: { node: { sourceName: string } }) => edge.node.sourceName === name).node.id;
    const [eastId, westId] = [idOf('aws-us-east-1'), idOf('aws-eu-west-1')];
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'DescribeBackupJob' });
    const answer = await gateway.query(`{ a: node(id: "${eastId}") { id } b: node(id: "${westId}") { id } }`);
    expect(failures(answer)).toEqual([['UPSTREAM_AUTH_FAILED', 'aws-us-east-1']]);
    expect(answer.data).toEqual({ a: null, b: { id: westId } });
  });

  it('SailPoint: a revoked client fails at the token call once the cached token is gone', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'credentials', operation: 'token' });
    gateway.sandbox.sailPoint.revokeTokens('acme-prod');
    const { answer } = await timed(gateway, LIST);
    expect(failures(answer)).toEqual([['UPSTREAM_AUTH_FAILED', 'sailpoint-acme-prod']]);
  });
});

describe('the request deadline', () => {
  it('cancels the calls still under way when a request has run for requestTimeoutMs, however its calls chain', async () => {
    const gateway = await startTestGateway({ security: { limits: { requestTimeoutMs: 1_200 } } });
    try {
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 700, operation: 'ListBackupJobs' });
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 1_000, operation: 'DescribeBackupJob' });
      // A list, then one Describe per listed job: 1,700 ms of upstream time in a row, each call within its own 5 s deadline.
      const { answer, ms } = await timed(
        gateway,
        '{ backupJobs(first: 3, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { ... on AwsBackupJob { numberOfChildJobs } } } } }',
      );
      expect(ms).toBeLessThan(1_200 + MARGIN_MS);
      expect(answer.data!.backupJobs.edges).toHaveLength(3);
      expect(new Set(failures(answer).map(([code]) => code))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
    } finally {
      await gateway.close();
    }
  });
});

describe('time the gateway spends on its own account', () => {
  // A breaker that opens at the first failure the source is blamed for: none of these may open it.
  const touchy = (extra: Record<string, unknown> = {}) => (config: GatewayConfig) => ({
    ...config,
    sources: config.sources.map((source) => ({ ...source, ...extra, circuitBreaker: { failures: 1, halfOpenAfterMs: 60_000 } })),
  });
  const circuitOf = async (gateway: TestGateway, name: string) =>
    (await gateway.query('{ backupSources { name circuit } }')).data!.backupSources.find((source: { name: string }) => source.name === name).circuit;
  const EAST_LIST = '{ backupJobs(first: 6, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }';

  it('a call cut short by the request deadline does not count against its source', async () => {
    const gateway = await startTestGateway({ configure: touchy(), security: { limits: { requestTimeoutMs: 600 } } });
    const lastCallOf = async (name: string) =>
      (await gateway.query('{ backupSources { name lastCall { reachable } } }')).data!.backupSources.find(
        (source: { name: string }) => source.name === name,
      ).lastCall;
    try {
      expect((await gateway.query(EAST_LIST)).errors).toBeUndefined();
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 1_500, operation: 'ListBackupJobs', times: 2 });
      for (let attempt = 0; attempt < 2; attempt++) {
        const { answer, ms } = await timed(gateway, EAST_LIST);
        expect(failures(answer)).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
        expect(ms).toBeLessThan(600 + MARGIN_MS);
      }
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('CLOSED');
      // Nor does backupSources blame it: the last call it saw still answered.
      expect(await lastCallOf('aws-us-east-1')).toEqual({ reachable: true });
      expect((await gateway.query(EAST_LIST)).errors).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });

  it('calls that waited for a slot past the request deadline neither open the circuit nor keep their slot', async () => {
    const gateway = await startTestGateway({ configure: touchy({ maxConcurrency: 1 }), security: { limits: { requestTimeoutMs: 600 } } });
    try {
      const ids = (await gateway.query(EAST_LIST)).data!.backupJobs.edges.map((edge: { node: { id: string } }) => edge.node.id);
      // Six Describes through one slot at 250 ms each: two finish, one is cut in flight, three never leave the queue.
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 250, operation: 'DescribeBackupJob', times: 6 });
      const cut = await gateway.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on AwsBackupJob { numberOfChildJobs } } }', { ids });
      expect(new Set(failures(cut).map(([code]) => code))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('CLOSED');

      // The queue drains at once; the single slot is free for the next request.
      gateway.sandbox.aws.faults.clear();
      const next = await timed(gateway, `{ node(id: "${ids[5]}") { ... on AwsBackupJob { numberOfChildJobs } } }`);
      expect(next.answer.errors).toBeUndefined();
      expect(next.ms).toBeLessThan(300);
    } finally {
      await gateway.close();
    }
  });

  it("waiting for SailPoint's rate limit past the deadline is UPSTREAM_THROTTLED without opening the circuit", async () => {
    const gateway = await startTestGateway({ configure: touchy(), security: { limits: { requestTimeoutMs: 600 } } });
    try {
      const PROD_LIST = '{ backupJobs(first: 1, filter: { sourceNames: ["sailpoint-acme-prod"] }) { edges { node { id } } } }';
      // Each list costs two tenant calls (backups, uploads); the client sends 95 per token per 10 s, then waits.
      let answer = await gateway.query(PROD_LIST);
      for (let request = 1; request < 60 && answer.errors === undefined; request++) answer = await gateway.query(PROD_LIST);
      expect(failures(answer)).toEqual([['UPSTREAM_THROTTLED', 'sailpoint-acme-prod']]);
      expect(gateway.sandbox.sailPoint.calls.count('listBackups', 'acme-prod') + gateway.sandbox.sailPoint.calls.count('listUploads', 'acme-prod')).toBe(95);
      expect(await circuitOf(gateway, 'sailpoint-acme-prod')).toBe('CLOSED');
    } finally {
      await gateway.close();
    }
  });

  it('a half-open probe cut short by the request deadline proves nothing: the circuit stays open', async () => {
    const gateway = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) => ({ ...source, circuitBreaker: { failures: 1, halfOpenAfterMs: 300 } })),
      }),
      security: { limits: { requestTimeoutMs: 600 } },
    });
    try {
      const id = (await gateway.query(EAST_LIST)).data!.backupJobs.edges[0].node.id as string;
      const lookup = `{ node(id: "${id}") { ... on AwsBackupJob { numberOfChildJobs } } }`;
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'DescribeBackupJob', times: 1 });
      expect(failures(await gateway.query(lookup))).toEqual([['UPSTREAM_AUTH_FAILED', 'aws-us-east-1']]);
      await new Promise((resolve) => setTimeout(resolve, 350));
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('HALF_OPEN');
      // The probe is this lookup (lists are shared between requests, so no one request's deadline cuts them).
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'hang', operation: 'DescribeBackupJob' });
      expect(failures(await gateway.query(lookup))).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('OPEN');
    } finally {
      await gateway.close();
    }
  });

  it('lookups of a request already past its deadline fail at once, without calling the source', async () => {
    const gateway = await startTestGateway({ configure: touchy(), security: { limits: { requestTimeoutMs: 600 } } });
    try {
      // The list waits for the hung tenant until the request's deadline; only then do the AWS jobs ask for their Describe.
      gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'hang' });
      gateway.sandbox.aws.calls.reset();
      const { answer, ms } = await timed(
        gateway,
        '{ backupJobs(first: 5, filter: { sourceNames: ["aws-us-east-1", "sailpoint-acme-prod"] }) { edges { node { ... on AwsBackupJob { numberOfChildJobs } } } } }',
      );
      expect(ms).toBeLessThan(600 + MARGIN_MS);
      expect(new Set(failures(answer).map(([code]) => code))).toEqual(new Set(['UPSTREAM_TIMEOUT']));
      expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(0);
    } finally {
      gateway.sandbox.sailPoint.faults.clear();
      await gateway.close();
    }
  });

  it('a request waiting on a shared cached list still ends at its own deadline', async () => {
    const gateway = await startTestGateway({ configure: touchy({ listCacheTtlMs: 5_000 }), security: { limits: { requestTimeoutMs: 600 } } });
    try {
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 2_000, operation: 'ListBackupJobs', times: 1 });
      const { answer, ms } = await timed(gateway, EAST_LIST);
      expect(failures(answer)).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
      expect(ms).toBeLessThan(600 + MARGIN_MS);
      expect(await circuitOf(gateway, 'aws-us-east-1')).toBe('CLOSED');
    } finally {
      await gateway.close();
    }
  });
});

describe('retries', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
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
    const gateway = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) => (source.kind === 'aws' ? { ...source, maxConcurrency: 2, describeConcurrency: 8 } : source)),
      }),
    });
    try {
      const ids = (await gateway.query('{ backupJobs(first: 12, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }')).data!
        .backupJobs.edges.map((edge: { node: { id: string } }) => edge.node.id);
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'latency', ms: 60, operation: 'DescribeBackupJob' });
      gateway.sandbox.aws.calls.reset();
      // numberOfChildJobs is not in list records: each job costs a Describe.
      const answer = await gateway.query('query($ids: [ID!]!) { nodes(ids: $ids) { ... on AwsBackupJob { numberOfChildJobs } } }', { ids });
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
    gateway = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) => ({ ...source, circuitBreaker: { failures: 3, halfOpenAfterMs: HALF_OPEN_AFTER_MS } })),
      }),
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
    expect(ms).toBeLessThan(300);
  });

  it('lets one call through after the probe interval, and closes when the source answers again', async () => {
    gateway.sandbox.sailPoint.faults.clear();
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_AFTER_MS + 100));
    expect(await circuitOf('sailpoint-acme-prod')).toBe('HALF_OPEN');
    const answer = await gateway.query(LIST);
    expect(answer.errors).toBeUndefined();
    expect(servedSources(answer)).toEqual(ALL_SOURCES);
    expect(await circuitOf('sailpoint-acme-prod')).toBe('CLOSED');
  });

  it('keeps the deadline of calls that waited behind a half-open probe, so a hang cannot wedge the source', async () => {
    const wedgeable = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) =>
          source.kind === 'aws' ? { ...source, timeoutMs: 1_000, maxConcurrency: 1, circuitBreaker: { failures: 1, halfOpenAfterMs: 300 } } : source,
        ),
      }),
    });
    try {
      const { aws } = wedgeable.sandbox;
      const listed = await wedgeable.query('{ backupJobs(first: 1, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }');
      const id = listed.data!.backupJobs.edges[0].node.id as string;
      aws.faults.set('us-east-1', { kind: 'credentials', operation: 'ListBackupJobs', times: 1 });
      await wedgeable.query(LIST);
      await new Promise((resolve) => setTimeout(resolve, 350));

      // The probe (a slow list) holds the half-open circuit; the lookup waits behind it, then hangs.
      aws.faults.set('us-east-1', { kind: 'latency', ms: 200, operation: 'ListBackupJobs', times: 1 });
      aws.faults.set('us-east-1', { kind: 'hang', operation: 'DescribeBackupJob' });
      aws.calls.reset();
      const probe = wedgeable.query('{ backupJobs(first: 1, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }');
      await expect.poll(() => aws.calls.count('ListBackupJobs'), { interval: 5 }).toBe(1);
      const started = performance.now();
      const waiting = await wedgeable.query(`{ node(id: "${id}") { ... on AwsBackupJob { numberOfChildJobs } } }`);
      expect(failures(waiting)).toEqual([['UPSTREAM_TIMEOUT', 'aws-us-east-1']]);
      expect(performance.now() - started).toBeLessThan(1_000 + MARGIN_MS);
      expect((await probe).errors).toBeUndefined();

      // The timed-out lookup opened the circuit again (one failure does here); once it half-opens,
      // the only slot must be free for the next call, not held by the hung one.
      aws.faults.clear();
      await new Promise((resolve) => setTimeout(resolve, 350));
      const after = await timed(wedgeable, '{ backupJobs(first: 1, filter: { sourceNames: ["aws-us-east-1"] }) { edges { node { id } } } }');
      expect(after.answer.errors).toBeUndefined();
      expect(after.ms).toBeLessThan(500);
    } finally {
      await wedgeable.close();
    }
  });

  it('does not open for requests the source refuses as bad input', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const answer = await gateway.query('{ backupJobs(filter: { backupVaultName: "not a vault name!" }) { edges { node { id } } } }');
      expect(failures(answer)[0]?.[0]).toBe('BAD_USER_INPUT');
    }
    expect(await circuitOf('aws-us-east-1')).toBe('CLOSED');
  });
});
