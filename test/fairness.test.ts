// Each caller may cause only its share of upstream reads: past it, what needs a new read is
// refused with RATE_LIMITED (extensions and Retry-After) without calling upstream, what the read
// models hold still comes back, and other callers are not affected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallerTurns, OperationTurn } from '../src/caller-turns.js';
import { metricsRegistry, startRecording } from '../src/observability/metrics.js';
import type { GatewayConfig } from '../src/config/index.js';
import { MemoryState } from '../src/shared-state/memory.js';
import { ownAccountOnly, startTestGateway, steady, type TestGateway } from './support/gateway.js';
import { apiKeyEntry } from './support/secrets.js';

const KEYS = { busy: 'bgk_busy_caller_41c9', calm: 'bgk_calm_caller_8e2d', polite: 'bgk_polite_caller_7a13' };

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    // Two reads per caller a minute; the AWS sources' read models stay fresh for a minute, SailPoint's are read anew each time.
    configure: (config) => ({
      ...config,
      sources: config.sources.map((source) => ({
        ...source,
        freshness:
          source.kind === 'aws'
            ? { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 }
            : { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 },
      })),
    }),
    security: {
      auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => apiKeyEntry(name, key, ['*'])) },
      limits: { callerBudget: { calls: 2, perSeconds: 60 } },
    },
  });
});
afterAll(() => gateway.close());

const awsPage = '{ backupJobs(first: 3, filter: { sourceKinds: [AWS_BACKUP] }) { edges { node { id } } } }';
const OWN_SOURCE = '{ backupJobs(first: 1, filter: { sourceNames: ["own"] }) { sources { errorCode } } }';
const sailPointPage = (name: string) => `{ backupJobs(first: 3, filter: { sourceNames: ["${name}"] }) { sources { complete errorCode } edges { node { id } } } }`;

async function post(query: string, key: string) {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: any; errors?: any[] } };
}

describe('the per-caller share of upstream reads', () => {
  it('refuses a caller past its share, without calling upstream, and still serves it what the read models hold', async () => {
    // Two reads: both AWS read models.
    expect((await post(awsPage, KEYS.busy)).body.errors).toBeUndefined();
    const before = gateway.sandbox.sailPoint.calls.count();

    const refused = await post(sailPointPage('sailpoint-acme-prod'), KEYS.busy);
    expect(refused.body.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    const seconds = refused.body.errors![0].extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(refused.retryAfter).toBe(String(seconds));
    expect(refused.body.errors![0].extensions.sourceName).toBe('sailpoint-acme-prod');
    expect(refused.body.data.backupJobs.sources).toEqual([{ complete: false, errorCode: 'RATE_LIMITED' }]);
    expect(gateway.sandbox.sailPoint.calls.count()).toBe(before);

    // What is already read costs nothing, so it is still served.
    const cached = await post(awsPage, KEYS.busy);
    expect(cached.body.errors).toBeUndefined();
    expect(cached.body.data.backupJobs.edges).toHaveLength(3);
  });

  it('counts a refusal for every source the spent share keeps from the caller', async () => {
    // The recorders count once a gateway serves its metrics; this one does not, so the test turns them on.
    startRecording({ all: [], readModel: () => undefined, state: { failedWrites: 0 } });
    const refusals = async (source: string) =>
      (await metricsRegistry.getSingleMetric('backup_graph_refusals_total')!.get()).values.find(
        (value) => value.labels.source === source && value.labels.reason === 'caller-budget',
      )?.value ?? 0;
    const before = await Promise.all(['sailpoint-acme-prod', 'sailpoint-acme-sandbox'].map(refusals));
    const both = await post('{ backupJobs(first: 3, filter: { sourceKinds: [SAILPOINT] }) { sources { sourceName errorCode } } }', KEYS.busy);
    expect(both.body.data.backupJobs.sources).toEqual([
      { sourceName: 'sailpoint-acme-prod', errorCode: 'RATE_LIMITED' },
      { sourceName: 'sailpoint-acme-sandbox', errorCode: 'RATE_LIMITED' },
    ]);
    const after = await Promise.all(['sailpoint-acme-prod', 'sailpoint-acme-sandbox'].map(refusals));
    expect(after.map((count, index) => count - before[index]!)).toEqual([1, 1]);
  });

  it('spends no share on reads that fail upstream: a caller paging while a source is down never meets RATE_LIMITED', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 503 });
    try {
      const codes: unknown[] = [];
      for (let page = 0; page < 4; page++) {
        const answer = await post(sailPointPage('sailpoint-acme-prod'), KEYS.polite);
        codes.push(answer.body.data.backupJobs.sources[0].errorCode);
      }
      expect(codes).toEqual(Array(4).fill('UPSTREAM_UNAVAILABLE'));
    } finally {
      gateway.sandbox.sailPoint.faults.clear();
    }
    // Its whole share is still there: two reads.
    for (let read = 0; read < 2; read++) {
      const answer = await post(sailPointPage('sailpoint-acme-sandbox'), KEYS.polite);
      expect(answer.body.data.backupJobs.sources).toEqual([{ complete: true, errorCode: null }]);
    }
  });

  it('leaves other callers their own share', async () => {
    const calm = await post(sailPointPage('sailpoint-acme-sandbox'), KEYS.calm);
    expect(calm.body.errors).toBeUndefined();
    expect(calm.body.data.backupJobs.sources).toEqual([{ complete: true, errorCode: null }]);
  });
});

describe("the per-caller share, for a lookup its request's deadline stopped before it called", () => {
  /** Reads the caller may cause in the test's hour: one refresh of the source and two lookups. */
  const SHARE = 3;
  let own: TestGateway;
  beforeAll(async () => {
    own = await startTestGateway({
      configure: (config) => steady(ownAccountOnly(config)),
      security: { limits: { requestTimeoutMs: 300, callerBudget: { calls: SHARE, perSeconds: 3600 } } },
    });
  });
  afterAll(() => own.close());

  const lookup = (index: number) => `{ awsBackupJob(backupJobId: "00000000-0000-4000-8000-${String(index).padStart(12, '0')}", sourceName: "own") { backupJobId } }`;

  it('gives its share back: the caller still has it for the lookups that call AWS', async () => {
    const { aws } = own.sandbox;
    // The source's first list outlasts the request's deadline, which has passed once the lookup can begin.
    aws.faults.set('us-east-1', { kind: 'latency', ms: 800, operation: 'ListBackupJobs', times: 1 });
    const late = await own.query(lookup(0));
    expect(late.errors?.map((error) => [error.extensions?.code, error.extensions?.sourceName])).toEqual([['UPSTREAM_TIMEOUT', 'own']]);
    expect(aws.calls.count('DescribeBackupJob')).toBe(0);
    // The refresh goes on for the others; once it has stored the list, reading it costs nothing.
    await expect.poll(async () => (await own.query(OWN_SOURCE)).data?.backupJobs.sources[0].errorCode, { timeout: 5_000, interval: 100 }).toBeNull();

    for (const index of [1, 2]) expect(await own.query(lookup(index))).toEqual({ status: 200, data: { awsBackupJob: null } });
    expect(aws.calls.count('DescribeBackupJob')).toBe(2);
  });
});

describe('the per-caller share, for a refresh another replica answered', () => {
  /** Two refreshes of the source in the test's hour. */
  const SHARE = 2;
  const state = new MemoryState();
  const configure = (config: GatewayConfig) => ({
    ...ownAccountOnly(config),
    sources: ownAccountOnly(config).sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 1_000, maxStalenessMs: 1_000, staleIfErrorMs: 300_000 } })),
  });
  const security = { limits: { callerBudget: { calls: SHARE, perSeconds: 3600 } } };
  let first: TestGateway;
  let second: TestGateway;
  beforeAll(async () => {
    first = await startTestGateway({ configure, security, state });
    second = await startTestGateway({ configure, security, state, over: first.sandbox });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  it("gives its share back: the caller's next refresh is not refused", async () => {
    const { aws } = first.sandbox;
    // The first replica's list takes long enough for the second's reader to find it under way and wait for it.
    aws.faults.set('us-east-1', { kind: 'latency', ms: 500, operation: 'ListBackupJobs', times: 1 });
    const answers = await Promise.all([first.query(OWN_SOURCE), new Promise((resolve) => setTimeout(resolve, 100)).then(() => second.query(OWN_SOURCE))]);
    expect(answers.map((answer) => answer.data?.backupJobs.sources[0].errorCode)).toEqual([null, null]);
    expect(aws.calls.count('ListBackupJobs')).toBe(1);
    // Past the list's freshness, the caller's second refresh of the hour.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await second.query(OWN_SOURCE)).data?.backupJobs.sources[0].errorCode).toBeNull();
    expect(aws.calls.count('ListBackupJobs')).toBe(2);
  });
});

describe('turns per caller', () => {
  let turns: TestGateway;
  beforeAll(async () => {
    turns = await startTestGateway({
      // acme-prod is read anew for every request, and gives up after a short deadline when it hangs.
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) =>
          source.name === 'sailpoint-acme-prod' ? { ...source, timeoutMs: 1_500, freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 } } : source,
        ),
      }),
      security: {
        auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => apiKeyEntry(name, key, ['*'])) },
        limits: { callerConcurrency: 1 },
      },
    });
  });
  afterAll(() => turns.close());

  async function ask(query: string, key: string) {
    const response = await fetch(turns.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
    return (await response.json()) as { data?: any; errors?: any[] };
  }

  it("lends the turn of a caller's operation that waits for an upstream to the caller's next one (callerConcurrency 1)", async () => {
    turns.sandbox.sailPoint.faults.set('acme-prod', { kind: 'hang' });
    const ended: string[] = [];
    const track = (name: string, answer: Promise<{ data?: any; errors?: any[] }>) =>
      answer.then((body) => {
        ended.push(name);
        return body;
      });
    const calls = turns.sandbox.sailPoint.calls.count();
    const stuck = track('busy: the hanging tenant', ask(sailPointPage('sailpoint-acme-prod'), KEYS.busy));
    await expect.poll(() => turns.sandbox.sailPoint.calls.count()).toBeGreaterThan(calls);
    // Sent while the busy caller's only turn is lent out for the wait: it runs at once.
    const mine = await track('busy: the source list', ask('{ backupSources { name } }', KEYS.busy));
    const other = await track('calm: the source list', ask('{ backupSources { name } }', KEYS.calm));
    expect(mine.errors).toBeUndefined();
    expect(other.errors).toBeUndefined();
    expect(mine.data.backupSources).toEqual(other.data.backupSources);
    expect(ended).toEqual(['busy: the source list', 'calm: the source list']);

    const first = await stuck;
    expect(first.data.backupJobs.sources).toEqual([{ complete: false, errorCode: 'UPSTREAM_TIMEOUT' }]);
    expect(ended).toEqual(['busy: the source list', 'calm: the source list', 'busy: the hanging tenant']);
  });

  it('gives the turn back however a request ends: unreadable body, syntax error, invalid field, refused variable', async () => {
    const send = async (body: string) => {
      const response = await fetch(turns.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.calm }, body });
      return (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    };
    const refusals = [
      '{"query": ',
      JSON.stringify({ query: '{ backupSources { name ' }),
      JSON.stringify({ query: '{ noSuchField }' }),
      JSON.stringify({ query: 'query ($first: Int) { backupJobs(first: $first) { totalCount } }', variables: { first: 'many' } }),
    ];
    for (const body of refusals) expect((await send(body)).errors?.[0]?.extensions?.code).toBeTruthy();
    // With callerConcurrency 1, a turn any of them kept would leave this one waiting for ever.
    const after = await ask('{ backupSources { name } }', KEYS.calm);
    expect(after.errors).toBeUndefined();
    expect(after.data.backupSources.length).toBeGreaterThan(0);
  });
});

describe('a caller\'s turns', () => {
  const settled = async (promise: Promise<unknown>) => {
    let done = false;
    void promise.then(() => (done = true));
    // Past the event-loop turn at which a freed turn is handed on.
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  it('lets `limit` operations of one caller compute at once, hands a freed turn to the next in order, and leaves other callers alone', async () => {
    const turns = new CallerTurns(2);
    await turns.take('a');
    await turns.take('a');
    const third = turns.take('a');
    const fourth = turns.take('a');
    expect(await settled(third)).toBe(false);
    expect(await settled(turns.take('b'))).toBe(true);
    turns.give('a');
    expect(await settled(third)).toBe(true);
    expect(await settled(fourth)).toBe(false);
    turns.give('a');
    expect(await settled(fourth)).toBe(true);
  });

  it('starts no turn in the turn of the event loop that asked for it, so that requests read together are all queued first', async () => {
    const turns = new CallerTurns(1);
    const started: string[] = [];
    const first = turns.take('a').then(() => started.push('a'));
    const other = turns.take('b').then(() => started.push('b'));
    await Promise.resolve();
    expect(started).toEqual([]);
    await Promise.all([first, other]);
    expect(started).toEqual(['a', 'b']);
  });

  it("starts a request of a caller without a backlog before a turn handed on within a caller that has one", async () => {
    const turns = new CallerTurns(1);
    const started: string[] = [];
    await turns.take('busy');
    const backlog = turns.take('busy').then(() => started.push('busy, queued'));
    // The busy caller's turn is handed on, then a calm caller's request arrives, in the same turn of the loop.
    turns.give('busy');
    const calm = turns.take('calm').then(() => started.push('calm, arrived'));
    await Promise.all([backlog, calm]);
    expect(started).toEqual(['calm, arrived', 'busy, queued']);
  });

  it('lends an operation\'s turn out while it waits, takes one again before it goes on, and takes none once the operation has answered', async () => {
    const turns = new CallerTurns(1);
    const operation = new OperationTurn(turns, 'a');
    await operation.take();
    expect(await settled(turns.take('a'))).toBe(false);

    let finish!: () => void;
    const waited = operation.away(() => new Promise<void>((resolve) => (finish = resolve)));
    // The queued take above got the lent turn; give it back so that the wait can end and re-queue.
    turns.give('a');
    finish();
    await waited;
    expect(await settled(turns.take('a'))).toBe(false);
    operation.end();

    // A wait the operation left behind when it answered takes no turn when it ends.
    const late = new OperationTurn(turns, 'b');
    await late.take();
    let release!: () => void;
    const behind = late.away(() => new Promise<void>((resolve) => (release = resolve)));
    late.end();
    release();
    await behind;
    expect(await settled(turns.take('b'))).toBe(true);
  });
});
