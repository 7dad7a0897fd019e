// The AWS sandbox's large organization, read with the unmodified @aws-sdk/client-backup over real HTTP
// and checked against what its store says independently.
import {
  BackupClient,
  DescribeBackupJobCommand,
  InvalidParameterValueException,
  ListBackupJobsCommand,
  paginateListBackupJobs,
  StartBackupJobCommand,
  type BackupJob,
  type ListBackupJobsInput,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config/index.js';
import {
  LIST_WINDOW_MS,
  SANDBOX_AWS_CREDENTIALS,
  SETTLES_WITHIN_MS,
  startAwsSandbox,
  type AwsSandbox,
  type AwsSandboxOptions,
  type CreationRange,
  type WireBackupJob,
} from '../src/sandbox/aws/index.js';
import { sandboxOptionsFromEnv, startSandbox } from '../src/sandbox/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const REGION = 'us-east-1';
const JOBS = 100_000;
// One Region: a Region's jobs do not depend on how many others there are, and each costs its start.
const SIZE: AwsSandboxOptions = { jobs: JOBS, accounts: 40, regions: 1, now: NOW, frozenClock: true };
const IN_FLIGHT = new Set(['CREATED', 'PENDING', 'RUNNING', 'ABORTING']);

const sandboxes: AwsSandbox[] = [];
const clients: BackupClient[] = [];
let sandbox: AwsSandbox;
let startMs: number;

async function start(options: AwsSandboxOptions = SIZE): Promise<AwsSandbox> {
  const started = await startAwsSandbox(options);
  sandboxes.push(started);
  return started;
}

function client(target: AwsSandbox, region = REGION): BackupClient {
  const created = new BackupClient({ endpoint: target.url, region, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  clients.push(created);
  return created;
}

async function listAll(target: AwsSandbox, input: ListBackupJobsInput, region = REGION): Promise<BackupJob[]> {
  const jobs: BackupJob[] = [];
  for await (const page of paginateListBackupJobs({ client: client(target, region), pageSize: 1000 }, { ByAccountId: '*', ...input })) {
    jobs.push(...page.BackupJobs!);
  }
  return jobs;
}

/** The store's jobs of a creation range, as records. */
function stored(target: AwsSandbox, range: CreationRange, region = REGION): WireBackupJob[] {
  return [...target.store.created(region, range)].map((job) => job.record);
}

const ids = (jobs: readonly { BackupJobId?: string | undefined }[]) => jobs.map((job) => job.BackupJobId!);
const sortedIds = (jobs: readonly { BackupJobId?: string | undefined }[]) => ids(jobs).sort();
const createdMs = (job: BackupJob) => job.CreationDate!.getTime();

beforeAll(async () => {
  const before = performance.now();
  sandbox = await start();
  startMs = performance.now() - before;
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(sandboxes.map((s) => s.close()));
});

describe('the large organization', () => {
  it('starts in seconds and holds the window it was asked for in each Region', () => {
    expect(startMs).toBeLessThan(5_000);
    expect(sandbox.store.regions).toEqual([REGION]);
    expect(sandbox.store.accounts).toHaveLength(40);
    expect(new Set(sandbox.store.accounts).size).toBe(40);
    // A steady arrival rate: any 30 days hold the asked number, give or take the one on the edge.
    expect(Math.abs(sandbox.store.countCreated(REGION) - JOBS)).toBeLessThanOrEqual(1);
  });

  it('lists a time slice page by page exactly as the store holds it, each job once', async () => {
    const range = { after: NOW.getTime() - 3 * DAY, before: NOW.getTime() - 3 * DAY + 12 * HOUR };
    const listed = await listAll(sandbox, { ByCreatedAfter: new Date(range.after), ByCreatedBefore: new Date(range.before) });
    const expected = stored(sandbox, range);
    expect(expected.length).toBe(sandbox.store.countCreated(REGION, range));
    expect(expected.length).toBeGreaterThan(1_000);
    expect(new Set(ids(listed)).size).toBe(listed.length);
    expect(sortedIds(listed)).toEqual(sortedIds(expected));
    const byId = new Map(expected.map((record) => [record.BackupJobId, record]));
    for (const job of listed) {
      const record = byId.get(job.BackupJobId!)!;
      expect([job.State, job.AccountId, job.PercentDone, job.CompletionDate?.getTime()]).toEqual([
        record.State,
        record.AccountId,
        record.PercentDone,
        record.CompletionDate === undefined ? undefined : Math.round(record.CompletionDate * 1000),
      ]);
      expect(createdMs(job)).toBeGreaterThan(range.after);
      expect(createdMs(job)).toBeLessThan(range.before);
    }
  });

  it('adds up disjoint slices to the listing of the span they cover', async () => {
    const from = NOW.getTime() - 10 * DAY;
    const bounds = [from, from + 7 * HOUR, from + 15 * HOUR, from + DAY];
    // ByCreatedAfter excludes its instant: one millisecond earlier, and a slice starts at its bound.
    const slices = await Promise.all(bounds.slice(1).map((end, n) => listAll(sandbox, { ByCreatedAfter: new Date(bounds[n]! - 1), ByCreatedBefore: new Date(end) })));
    const whole = await listAll(sandbox, { ByCreatedAfter: new Date(from - 1), ByCreatedBefore: new Date(from + DAY) });
    expect(slices.map((slice) => slice.length).reduce((a, b) => a + b)).toBe(whole.length);
    expect(sortedIds(slices.flat())).toEqual(sortedIds(whole));
    expect(whole.length).toBe(sandbox.store.countCreated(REGION, { after: from - 1, before: from + DAY }));
  });

  it('honours every filter as the records say, at that size', async () => {
    const range = { after: NOW.getTime() - DAY, before: NOW.getTime() };
    const records = stored(sandbox, range);
    const slice = { ByCreatedAfter: new Date(range.after), ByCreatedBefore: new Date(range.before) };
    const composite = records.find((r) => r.IsParent && r.State !== 'RUNNING')!;
    const failed = records.find((r) => r.State === 'FAILED')!;
    const cases: [ListBackupJobsInput, (r: WireBackupJob) => boolean][] = [
      ...['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL', 'RUNNING', 'PENDING'].map(
        (state): [ListBackupJobsInput, (r: WireBackupJob) => boolean] => [{ ByState: state as never }, (r) => r.State === state],
      ),
      [{ ByAccountId: sandbox.store.accounts[7] }, (r) => r.AccountId === sandbox.store.accounts[7]],
      // Without ByAccountId, AWS lists the caller's own jobs only.
      [{ ByAccountId: undefined }, (r) => r.AccountId === sandbox.store.accounts[0]],
      [{ ByResourceType: 'CloudFormation' }, (r) => r.ResourceType === 'CloudFormation'],
      [{ ByResourceType: 'SAP HANA on Amazon EC2' }, (r) => r.ResourceType === 'SAP HANA on Amazon EC2'],
      [{ ByBackupVaultName: 'airgapped-vault' }, (r) => r.BackupVaultName === 'airgapped-vault'],
      [{ ByMessageCategory: 'ACCESS_DENIED' }, (r) => r.MessageCategory === 'ACCESS_DENIED'],
      [{ ByParentJobId: composite.BackupJobId }, (r) => r.ParentJobId === composite.BackupJobId],
      [{ ByResourceArn: failed.ResourceArn }, (r) => r.ResourceArn === failed.ResourceArn],
      [{ ByCompleteAfter: new Date(range.before - 6 * HOUR) }, (r) => r.CompletionDate !== undefined && r.CompletionDate * 1000 > range.before - 6 * HOUR],
      [{ ByCompleteBefore: new Date(range.after + 6 * HOUR) }, (r) => r.CompletionDate !== undefined && r.CompletionDate * 1000 < range.after + 6 * HOUR],
    ];
    for (const [input, keep] of cases) {
      const expected = records.filter(keep);
      const listed = await listAll(sandbox, { ...slice, ...input });
      expect(expected.length, JSON.stringify(input)).toBeGreaterThan(0);
      expect(sortedIds(listed), JSON.stringify(input)).toEqual(sortedIds(expected));
    }
    expect(composite.NumberOfChildJobs).toBe(records.filter((r) => r.ParentJobId === composite.BackupJobId).length);
  });

  it('lists a filter over the whole window in pages of 1,000 at most, and a small maxResults pages exactly', async () => {
    const expired = await listAll(sandbox, { ByState: 'EXPIRED', ByAccountId: sandbox.store.accounts[1] });
    expect(expired.length).toBeGreaterThan(20);
    expect(expired.every((job) => job.State === 'EXPIRED' && job.AccountId === sandbox.store.accounts[1])).toBe(true);
    const range = { after: NOW.getTime() - 5 * DAY, before: NOW.getTime() - 5 * DAY + 2 * HOUR };
    const small: BackupJob[] = [];
    let pages = 0;
    const input = { ByAccountId: '*', ByCreatedAfter: new Date(range.after), ByCreatedBefore: new Date(range.before) };
    for await (const page of paginateListBackupJobs({ client: client(sandbox), pageSize: 7 }, input)) {
      pages += 1;
      expect(page.BackupJobs!.length).toBeLessThanOrEqual(7);
      small.push(...page.BackupJobs!);
    }
    expect(pages).toBe(Math.max(1, Math.ceil(small.length / 7)));
    expect(sortedIds(small)).toEqual(sortedIds(stored(sandbox, range)));
  });

  it('answers in the configured order: newest first sorted by creation, shuffled not', async () => {
    const newest = await start({ ...SIZE, jobs: 20_000, listOrder: 'newest-first' });
    const page = await client(newest).send(new ListBackupJobsCommand({ ByAccountId: '*', MaxResults: 1000 }));
    const times = page.BackupJobs!.map(createdMs);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times[0]).toBe(Math.round(stored(newest, { after: NOW.getTime() - HOUR }).at(-1)!.CreationDate * 1000));
    const shuffled = await client(sandbox).send(new ListBackupJobsCommand({ ByAccountId: '*', MaxResults: 1000 }));
    const shuffledTimes = shuffled.BackupJobs!.map(createdMs);
    expect(shuffledTimes).not.toEqual([...shuffledTimes].sort((a, b) => b - a));
    expect(shuffledTimes).not.toEqual([...shuffledTimes].sort((a, b) => a - b));
  });

  it('refuses a NextToken of another listing or of its own making, as AWS does', async () => {
    const backup = client(sandbox);
    const first = await backup.send(new ListBackupJobsCommand({ ByAccountId: '*', MaxResults: 10 }));
    expect(first.NextToken).toBeDefined();
    await expect(backup.send(new ListBackupJobsCommand({ ByAccountId: '*', ByState: 'COMPLETED', MaxResults: 10, NextToken: first.NextToken }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(backup.send(new ListBackupJobsCommand({ ByAccountId: '*', NextToken: 'eyJmIjoiIn0.forged' }))).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('describes a job of the caller, and of another account only when allowed', async () => {
    const [own, other] = [sandbox.store.accounts[0], sandbox.store.accounts[3]].map(
      (account) => stored(sandbox, { after: NOW.getTime() - DAY }).find((r) => r.AccountId === account)!,
    );
    const described = await client(sandbox).send(new DescribeBackupJobCommand({ BackupJobId: own!.BackupJobId }));
    expect([described.BackupJobId, described.State, described.ResourceArn]).toEqual([own!.BackupJobId, own!.State, own!.ResourceArn]);
    await expect(client(sandbox).send(new DescribeBackupJobCommand({ BackupJobId: other!.BackupJobId }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    const allowing = await start({ ...SIZE, regions: 2, crossAccountDescribe: 'allow' });
    const across = await client(allowing).send(new DescribeBackupJobCommand({ BackupJobId: other!.BackupJobId }));
    expect(across.AccountId).toBe(other!.AccountId);
    await expect(client(allowing, 'eu-west-1').send(new DescribeBackupJobCommand({ BackupJobId: own!.BackupJobId }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
  });

  it('answers the same to the same settings and clock, and otherwise to another seed', async () => {
    const [twin, other] = await Promise.all([start(), start({ ...SIZE, seed: 'another' })]);
    const ask = (target: AwsSandbox) =>
      Promise.all([
        client(target).send(new ListBackupJobsCommand({ ByAccountId: '*', MaxResults: 200 })),
        client(target).send(new ListBackupJobsCommand({ ByAccountId: '*', ByState: 'FAILED', MaxResults: 200 })),
      ]).then((pages) => pages.map((page) => page.BackupJobs));
    const [mine, twins, others] = await Promise.all([ask(sandbox), ask(twin), ask(other)]);
    expect(twins).toEqual(mine);
    expect(ids(others[0]!)).not.toEqual(ids(mine[0]!));
  });
});

describe('time passing in the large organization', () => {
  // One sandbox whose clock the tests move forward in turn, each from where the last left it.
  let moving: AwsSandbox;
  beforeAll(async () => {
    moving = await start();
  });

  it('creates jobs as the clock advances, settles those in flight and ages out those past 30 days', async () => {
    const before = moving.clock.now();
    const recent = stored(moving, { after: before - SETTLES_WITHIN_MS });
    const inFlight = recent.filter((r) => IN_FLIGHT.has(r.State));
    expect(inFlight.length).toBeGreaterThan(10);
    const oldest = stored(moving, { before: before - LIST_WINDOW_MS + HOUR });
    expect(oldest.length).toBeGreaterThan(0);

    moving.clock.advance(SETTLES_WITHIN_MS);
    const now = moving.clock.now();
    expect(now).toBe(before + SETTLES_WITHIN_MS);

    // New jobs: the store counts them, and a listing after the old now finds exactly those.
    const arrived = await listAll(moving, { ByCreatedAfter: new Date(before) });
    expect(arrived.length).toBe(moving.store.countCreated(REGION, { after: before }));
    expect(Math.abs(arrived.length - JOBS / 30)).toBeLessThan(JOBS / 30 / 2);

    // Every job in flight then has settled since, and ByCompleteAfter finds it.
    const settled = await listAll(moving, { ByCompleteAfter: new Date(before) });
    const settledIds = new Set(ids(settled));
    for (const record of inFlight) expect(settledIds.has(record.BackupJobId), record.BackupJobId).toBe(true);
    const expected = stored(moving, { after: before - SETTLES_WITHIN_MS }).filter((r) => r.CompletionDate !== undefined && r.CompletionDate * 1000 > before);
    expect([...settledIds].sort()).toEqual(sortedIds(expected));
    for (const job of settled) expect(IN_FLIGHT.has(job.State!)).toBe(false);

    // The jobs of the window's first hour then are older than 30 days now: no longer listed.
    const aged = await listAll(moving, { ByCreatedBefore: new Date(before - LIST_WINDOW_MS + HOUR) });
    expect(aged).toEqual([]);
    expect(Math.abs(moving.store.countCreated(REGION) - JOBS)).toBeLessThanOrEqual(1);
  });

  it('advances an in-flight job through its states to a terminal one at a fixed time', async () => {
    const running = stored(moving, { after: moving.clock.now() - 6 * HOUR }).find((r) => r.State === 'RUNNING' && !r.IsParent && r.BytesTransferred! > 0)!;
    moving.clock.advance(60_000);
    const progressed = moving.store.job(REGION, running.BackupJobId)!.record;
    if (progressed.State === 'RUNNING') {
      expect(Number(progressed.PercentDone)).toBeGreaterThan(Number(running.PercentDone));
      expect(progressed.BytesTransferred!).toBeGreaterThan(running.BytesTransferred!);
    }
    moving.clock.advance(SETTLES_WITHIN_MS);
    const done = moving.store.job(REGION, running.BackupJobId)!.record;
    expect(IN_FLIGHT.has(done.State)).toBe(false);
    expect(done.CompletionDate! * 1000).toBeGreaterThan(running.CreationDate * 1000);
    moving.clock.advance(DAY);
    expect(moving.store.job(REGION, running.BackupJobId)!.record).toEqual(done);
  });

  it.each(['shuffled', 'newest-first'] as const)('pages %s through jobs being created and settling, each job once', async (listOrder) => {
    const target = listOrder === 'shuffled' ? moving : await start({ ...SIZE, jobs: 30_000, listOrder });
    const from = target.clock.now() - 5 * DAY;
    const before = stored(target, { after: from }).map((record) => record.BackupJobId);
    const backup = client(target);
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await backup.send(new ListBackupJobsCommand({ ByAccountId: '*', ByCreatedAfter: new Date(from), MaxResults: 500, NextToken: token }));
      seen.push(...ids(page.BackupJobs!));
      token = page.NextToken;
      target.clock.advance(10 * 60_000);
    } while (token);
    expect(new Set(seen).size).toBe(seen.length);
    const delivered = new Set(seen);
    expect(before.filter((id) => !delivered.has(id))).toEqual([]);
    expect(seen.length).toBeGreaterThan(1_000);
  });

  it('moves its clock over HTTP too, for a sandbox in another process', async () => {
    const before = moving.clock.now();
    const advanced = await fetch(`${moving.url}/__sandbox/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: HOUR }) });
    expect(await advanced.json()).toEqual({ now: new Date(before + HOUR).toISOString() });
    expect(moving.clock.now()).toBe(before + HOUR);
    expect(await (await fetch(`${moving.url}/__sandbox/clock`)).json()).toEqual({ now: new Date(before + HOUR).toISOString() });
    const backwards = await fetch(`${moving.url}/__sandbox/clock`, { method: 'POST', body: JSON.stringify({ advanceMs: -1 }) });
    expect(backwards.status).toBe(400);
  });

  it('lists a job StartBackupJob created with the generated ones', async () => {
    const before = moving.clock.now();
    const vaultRecord = stored(moving, { after: before - DAY }).find((r) => r.AccountId === moving.store.accounts[0] && r.ResourceType === 'DynamoDB')!;
    const started = await client(moving).send(
      new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: vaultRecord.ResourceArn, IamRoleArn: vaultRecord.IamRoleArn }),
    );
    moving.clock.advance(HOUR);
    const listed = await listAll(moving, { ByCreatedAfter: new Date(before - 1) });
    expect(ids(listed)).toContain(started.BackupJobId);
    expect(listed.length).toBe(moving.store.countCreated(REGION, { after: before - 1 }));
    expect(new Set(ids(listed)).size).toBe(listed.length);
  });
});

describe('the sandbox settings', () => {
  it('reads the organization size from the environment and refuses what is out of range', () => {
    expect(sandboxOptionsFromEnv({ SANDBOX_AWS_JOBS: '1_000_000', SANDBOX_AWS_ACCOUNTS: '200', SANDBOX_AWS_REGIONS: '17' })).toMatchObject({
      awsJobs: 1_000_000,
      awsAccounts: 200,
      awsRegions: 17,
    });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_REGIONS: '18' })).toThrow(ConfigError);
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_ACCOUNTS: '0' })).toThrow('SANDBOX_AWS_ACCOUNTS must be a whole number from 1 to 200');
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_JOBS: '1e6' })).toThrow(ConfigError);
  });

  it('gives the gateway one AWS source per Region, 17 of them when asked', async () => {
    const whole = await startSandbox({ awsRegions: 17, awsJobs: 1_000, now: NOW });
    try {
      const names = whole.config.sources.filter((source) => source.kind === 'aws').map((source) => source.name);
      expect(names).toHaveLength(17);
      expect(names.slice(0, 3)).toEqual(['aws-us-east-1', 'aws-eu-west-1', 'aws-us-east-2']);
      expect(new Set(names).size).toBe(17);
      // Each Region has jobs of its own.
      const [east, west] = await Promise.all(
        ['us-east-1', 'eu-west-1'].map((region) => client(whole.aws, region).send(new ListBackupJobsCommand({ ByAccountId: '*', MaxResults: 50 }))),
      );
      expect(east!.BackupJobs).toHaveLength(50);
      expect(ids(west!.BackupJobs!).filter((id) => ids(east!.BackupJobs!).includes(id))).toEqual([]);
    } finally {
      await whole.close();
    }
  });
});
