// A lookup by id of a job an organization's (or one account's) list cannot tell of, past the
// retained window: DescribeBackupJob answers it where AWS gives the job, and where AWS refuses
// another account's job (which it does not document either way) the answer stays unknown and the
// source stops asking. Run over a sandbox that allows cross-account Describe and one that denies it.
// The tests of each run go in order, as one gateway's life: each finds what those before it taught
// the source about AWS (whether it answers, what it refused, what it cached). Last, the lookups a
// refusal stopped before they called cost their caller nothing of its share.
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsSourceConfig } from '../src/aws/config.js';
import { SANDBOX_AWS_CREDENTIALS, type CrossAccountDescribe } from '../src/sandbox/aws/index.js';
import { MemoryState } from '../src/shared-state/memory.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { apiKeyEntry } from './support/secrets.js';

const REGION = 'us-east-1';
const HOUR = 60 * 60 * 1000;
/** Member accounts of the large sandbox (its management account, every request's caller, is `store.accounts[0]`): one with more jobs than a source reads in full, one with fewer. */
const LARGE_MEMBER = '444455556666';
const SMALL_MEMBER = '485586875019';
const DESCRIBE_CONCURRENCY = 4;
const NO_SUCH_JOB = '00000000-0000-0000-0000-000000000000';

interface Looked {
  data?: Record<string, { backupJobId: string; accountId: string } | null> | null;
  errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

/** What every source of these tests shares: a retained day, and read models that stay fresh through a file. */
const COMMON = {
  retainedWindowHours: 24,
  describeConcurrency: DESCRIBE_CONCURRENCY,
  budget: { calls: 1_000_000, perSeconds: 1 },
  freshness: { refreshAfterMs: 600_000, maxStalenessMs: 600_000, staleIfErrorMs: 600_000 },
};

/**
 * A gateway over the large sandbox whose sources `sources` makes of its organization's source (given
 * with COMMON), once every one has read its retained day (asked with `headers`).
 */
async function startFilled(
  mode: CrossAccountDescribe,
  sources: (organization: AwsSourceConfig) => AwsSourceConfig[],
  options: { state?: MemoryState; security?: unknown; headers?: Record<string, string> } = {},
): Promise<TestGateway> {
  const gateway = await startTestGateway({
    ...options,
    sandbox: { awsJobs: 20_000, awsAccounts: 3, awsRegions: 1, awsFrozenClock: true, awsCrossAccountDescribe: mode },
    configure: (config) => {
      const organization = config.sources.find((source): source is AwsSourceConfig => source.kind === 'aws' && source.region === REGION)!;
      return { ...config, sources: sources({ ...organization, ...COMMON }) };
    },
  });
  for (let waited = 0; ; waited += 50) {
    const answer = await gateway.query<{ backupJobs: { sources: { completeAfter: string | null; errorCode: string | null }[] } }>(
      '{ backupJobs(first: 1) { sources { completeAfter errorCode } } }',
      undefined,
      options.headers,
    );
    if (answer.data!.backupJobs.sources.every((source) => source.completeAfter === null && source.errorCode === null)) return gateway;
    expect(waited).toBeLessThan(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Jobs of `account` (or of any account but the caller's) created more than three days ago, the retained day long past. */
function oldJobs(gateway: TestGateway, count: number, account: string | { not: string }): string[] {
  const before = gateway.sandbox.aws.clock.now() - 3 * 24 * HOUR;
  const ids: string[] = [];
  for (const { record } of gateway.sandbox.aws.store.created(REGION, { before })) {
    if (typeof account === 'string' ? record.AccountId === account : record.AccountId !== account.not) ids.push(record.BackupJobId);
    if (ids.length === count) break;
  }
  expect(ids).toHaveLength(count);
  return ids;
}

/** The fields that look every id up in `sourceName`, one alias each (j0, j1, ...). */
function lookups(sourceName: string, ids: readonly string[]): string {
  return `{ ${ids.map((id, index) => `j${index}: awsBackupJob(backupJobId: "${id}", sourceName: "${sourceName}") { backupJobId accountId }`).join('\n')} }`;
}

function expectFound(answer: Looked, ids: readonly string[]): void {
  expect(answer.errors).toBeUndefined();
  expect(ids.map((_, index) => answer.data![`j${index}`]?.backupJobId)).toEqual(ids);
}

function expectUnknown(answer: Looked, ids: readonly string[]): void {
  expect(ids.map((_, index) => answer.data![`j${index}`])).toEqual(ids.map(() => null));
  expect(answer.errors?.map((error) => [error.path?.[0], error.extensions?.code])).toEqual(ids.map((_, index) => [`j${index}`, 'UPSTREAM_UNAVAILABLE']));
}

describe.each(['allow', 'deny'] as const)('lookups beyond the list, over an AWS whose cross-account Describe is %s', (mode: CrossAccountDescribe) => {
  let gateway: TestGateway;
  /** The gateway's shared state, which a second replica joins below. */
  const state = new MemoryState();
  beforeAll(async () => {
    gateway = await startFilled(
      mode,
      (organization) => [
        organization,
        { ...organization, name: 'member', accountId: LARGE_MEMBER },
        { ...organization, name: 'small', accountId: SMALL_MEMBER },
        { ...organization, name: 'own', accountId: undefined },
      ],
      { state },
    );
  }, 60_000);
  afterAll(() => gateway.close());

  const describes = () => gateway.sandbox.aws.calls.count('DescribeBackupJob');

  /** Looks every id up in `sourceName` in one request; then the same again, which must cost nothing upstream. */
  async function lookUp(sourceName: string, ids: readonly string[]): Promise<{ answer: Looked; calls: number }> {
    const query = lookups(sourceName, ids);
    gateway.sandbox.aws.calls.reset();
    const answer = (await gateway.query(query)) as Looked;
    const calls = describes();
    expect(gateway.sandbox.aws.calls.count()).toBe(calls);
    gateway.sandbox.aws.calls.reset();
    expect(await gateway.query(query)).toEqual({ status: 200, ...answer });
    expect(gateway.sandbox.aws.calls.count()).toBe(0);
    return { answer, calls };
  }

  it('answers an id a source that keeps its whole window lacks from its list: absent, with no call', async () => {
    const { answer, calls } = await lookUp('small', [NO_SUCH_JOB]);
    expect(answer).toEqual({ status: 200, data: { j0: null } });
    expect(calls).toBe(0);
  });

  it("looks up 50 of a member account's jobs older than the retained window in a source pinned to it: one refused call when AWS refuses, one call each when it answers", async () => {
    const ids = oldJobs(gateway, 50, LARGE_MEMBER);
    const { answer, calls } = await lookUp('member', ids);
    if (mode === 'allow') {
      expectFound(answer, ids);
      expect(Object.values(answer.data!).every((job) => job!.accountId === LARGE_MEMBER)).toBe(true);
      expect(calls).toBe(50);
    } else {
      expectUnknown(answer, ids);
      expect(calls).toBe(1);
    }
  });

  it("says another account's job is not a pinned source's where AWS shows it, and unknown once AWS has refused", async () => {
    const [id] = oldJobs(gateway, 1, gateway.sandbox.aws.store.accounts[0]!);
    const { answer, calls } = await lookUp('member', [id!]);
    if (mode === 'allow') {
      expect(answer).toEqual({ status: 200, data: { j0: null } });
      expect(calls).toBe(1);
    } else {
      // The source learnt from the lookups above that AWS refuses it: no call for the next hour.
      expectUnknown(answer, [id!]);
      expect(calls).toBe(0);
    }
  });

  it("finds a job started since the list was read, newer than the list, where AWS describes it (the caller's own)", async () => {
    const management = gateway.sandbox.aws.store.accounts[0]!;
    const client = new BackupClient({ region: REGION, endpoint: gateway.sandbox.aws.url, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
    const { BackupJobId } = await client.send(
      new StartBackupJobCommand({
        BackupVaultName: 'Default',
        ResourceArn: `arn:aws:dynamodb:${REGION}:${management}:table/orders`,
        IamRoleArn: `arn:aws:iam::${management}:role/service-role/AWSBackupDefaultServiceRole`,
      }),
    );
    client.destroy();
    const { answer, calls } = await lookUp(`aws-${REGION}`, [BackupJobId!]);
    expectFound(answer, [BackupJobId!]);
    expect(calls).toBe(1);
  });

  it("finds an old job of the caller's own account in a source of that account, says a member's job is not that source's even where AWS describes it, and remembers where AWS refused it", async () => {
    const [own] = oldJobs(gateway, 1, gateway.sandbox.aws.store.accounts[0]!);
    const found = await lookUp('own', [own!]);
    expectFound(found.answer, [own!]);
    expect(found.calls).toBe(1);
    const [member, other] = oldJobs(gateway, 2, LARGE_MEMBER);
    // Where AWS refuses the member's job, the source remembers it: the second lookup (in lookUp) makes no call.
    const { answer, calls } = await lookUp('own', [member!]);
    expect(calls).toBe(1);
    if (mode === 'allow') expect(answer).toEqual({ status: 200, data: { j0: null } });
    else {
      expect(answer.data).toEqual({ j0: null });
      expect(answer.errors?.map((error) => [error.path?.[0], error.extensions?.code])).toEqual([['j0', 'UPSTREAM_AUTH_FAILED']]);
    }
    // A replica that reads the source's list from the shared state, never listing it, knows its
    // account too, and what AWS refused the first.
    const replica = await startTestGateway({ over: gateway.sandbox, state, configure: (config) => ({ ...config, sources: config.sources.filter((source) => source.name === `aws-${REGION}`).map((source) => ({ ...source, name: 'own', accountId: undefined, retainedWindowHours: 24, freshness: { refreshAfterMs: 600_000, maxStalenessMs: 600_000, staleIfErrorMs: 600_000 } })) }) });
    try {
      gateway.sandbox.aws.calls.reset();
      const fromReplica = await replica.query(`{ j0: awsBackupJob(backupJobId: "${member}", sourceName: "own") { backupJobId } }`);
      expect(fromReplica).toEqual({ status: 200, ...answer });
      expect(gateway.sandbox.aws.calls.count()).toBe(0);
      if (mode === 'allow') {
        const another = await replica.query(`{ j0: awsBackupJob(backupJobId: "${other}", sourceName: "own") { backupJobId } }`);
        expect(another).toEqual({ status: 200, data: { j0: null } });
        expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(0);
        expect(describes()).toBe(1);
      }
    } finally {
      await replica.close();
    }
  });

  /** Looks up, in the organization's source, an old job of its management account (the caller's own, which AWS describes either way). */
  async function expectManagementJobFound(describeCalls: number): Promise<void> {
    const ids = oldJobs(gateway, 1, gateway.sandbox.aws.store.accounts[0]!);
    const { answer, calls } = await lookUp(`aws-${REGION}`, ids);
    expectFound(answer, ids);
    expect(calls).toBe(describeCalls);
  }

  it("finds an old job of the organization's management account (the caller's own, which AWS describes either way)", () => expectManagementJobFound(1));

  it("looks up 50 of the members' jobs older than the retained window in the organization's source: at most one refused call per Describe slot when AWS refuses", async () => {
    const ids = oldJobs(gateway, 50, { not: gateway.sandbox.aws.store.accounts[0]! });
    const { answer, calls } = await lookUp(`aws-${REGION}`, ids);
    if (mode === 'allow') {
      expectFound(answer, ids);
      expect(calls).toBe(50);
    } else {
      expectUnknown(answer, ids);
      // AWS answered the caller's own job above, so these go at once; the first refusals stop the rest.
      expect(calls).toBeGreaterThanOrEqual(1);
      expect(calls).toBeLessThanOrEqual(DESCRIBE_CONCURRENCY);
    }
  });

  it('still answers, from its cache, the jobs AWS described before it refused', () => expectManagementJobFound(0));

  it('says an id AWS does not know is unknown, not absent, in a source whose list keeps a retained window', async () => {
    const { answer, calls } = await lookUp(`aws-${REGION}`, [NO_SUCH_JOB]);
    expectUnknown(answer, [NO_SUCH_JOB]);
    expect(calls).toBe(mode === 'allow' ? 1 : 0);
  });
});

describe("a caller's share of upstream reads, spent only on lookups beyond the list that call AWS", () => {
  const KEYS = { setup: 'bgk_share_setup_5c1d', probe: 'bgk_share_probe_9e4b' };
  const as = (key: string) => ({ 'x-api-key': key });
  /** Reads each caller may cause in the test's hour. */
  const SHARE = 10;
  let gateway: TestGateway;
  let management: string;
  beforeAll(async () => {
    // The organization's source describes one job at a time, so that the lookups of a batch wait
    // behind the first for its answer.
    gateway = await startFilled('deny', (organization) => [{ ...organization, describeConcurrency: 1 }, { ...organization, name: 'own', accountId: undefined }], {
      security: {
        auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => apiKeyEntry(name, key, ['*'])) },
        limits: { callerBudget: { calls: SHARE, perSeconds: 3600 } },
      },
      headers: as(KEYS.setup),
    });
    management = gateway.sandbox.aws.store.accounts[0]!;
    // AWS describes the management account's own job: the organization's source learns that it
    // answers, so that a batch of lookups then goes at once.
    const ids = oldJobs(gateway, 1, management);
    expectFound(await gateway.query(lookups(`aws-${REGION}`, ids), undefined, as(KEYS.setup)), ids);
  }, 60_000);
  afterAll(() => gateway.close());

  it('gives back the share of lookups that a refusal stopped before they called: the caller still has it for lookups that do', async () => {
    const members = oldJobs(gateway, SHARE, { not: management });
    gateway.sandbox.aws.calls.reset();
    expectUnknown(await gateway.query(lookups(`aws-${REGION}`, members), undefined, as(KEYS.probe)), members);
    // AWS refused the first; the others, waiting for the one Describe slot, learnt of it and made no call.
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(1);

    const own = oldJobs(gateway, SHARE / 2, management);
    gateway.sandbox.aws.calls.reset();
    expectFound(await gateway.query(lookups('own', own), undefined, as(KEYS.probe)), own);
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(own.length);
  });
});
