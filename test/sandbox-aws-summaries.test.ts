// The AWS sandbox's ListBackupJobSummaries, read with the unmodified @aws-sdk/client-backup and
// checked against a count over a full ListBackupJobs traversal of the same sandbox.
import {
  BackupClient,
  InvalidParameterValueException,
  ListBackupJobSummariesCommand,
  paginateListBackupJobs,
  paginateListBackupJobSummaries,
  type BackupJob,
  type BackupJobSummary,
  type ListBackupJobSummariesInput,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox } from '../src/sandbox/aws/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const DAY = 24 * 3_600_000;
const TODAY = Date.UTC(2026, 10, 1);
const FIRST_DAY = TODAY - 13 * DAY;
const CALLER = '111122223333';

const sandboxes: AwsSandbox[] = [];
const clients: BackupClient[] = [];
let seeded: AwsSandbox;
let large: AwsSandbox;

function client(target: AwsSandbox, region = 'us-east-1'): BackupClient {
  const created = new BackupClient({ endpoint: target.url, region, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  seeded = await startAwsSandbox({ now: NOW, frozenClock: true });
  large = await startAwsSandbox({ jobs: 20_000, accounts: 6, regions: 1, now: NOW, frozenClock: true });
  sandboxes.push(seeded, large);
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all(sandboxes.map((s) => s.close()));
});

async function summaries(target: AwsSandbox, input: ListBackupJobSummariesInput, pageSize = 7): Promise<BackupJobSummary[]> {
  const rows: BackupJobSummary[] = [];
  for await (const page of paginateListBackupJobSummaries({ client: client(target), pageSize }, input)) rows.push(...(page.BackupJobSummaries ?? []));
  return rows;
}

async function everyJob(target: AwsSandbox): Promise<BackupJob[]> {
  const jobs: BackupJob[] = [];
  for await (const page of paginateListBackupJobs({ client: client(target) }, { ByAccountId: '*' })) jobs.push(...(page.BackupJobs ?? []));
  return jobs;
}

const dayOf = (at: Date) => Math.floor(at.getTime() / DAY) * DAY;

/** Counts of the listed jobs created since FIRST_DAY, keyed as a summary row of every dimension is. */
function countByRow(jobs: readonly BackupJob[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) {
    if (job.CreationDate!.getTime() < FIRST_DAY) continue;
    const key = JSON.stringify([dayOf(job.CreationDate!), job.AccountId, job.State, job.ResourceType, job.MessageCategory ?? null]);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function rowCounts(rows: readonly BackupJobSummary[]): Map<string, number> {
  return new Map(rows.map((row) => [JSON.stringify([row.StartTime!.getTime(), row.AccountId, row.State, row.ResourceType, row.MessageCategory ?? null]), row.Count!]));
}

describe.each([
  ['the seeded organization', () => seeded],
  ['the large organization', () => large],
])('ListBackupJobSummaries over %s', (_name, target) => {
  it('counts every listed job of the last 14 UTC days once, by day, account, state, resource type and category', async () => {
    const [rows, jobs] = await Promise.all([summaries(target(), { AccountId: 'ANY', AggregationPeriod: 'ONE_DAY' }), everyJob(target())]);
    const expected = countByRow(jobs);
    expect(expected.size).toBeGreaterThan(20);
    expect(rowCounts(rows)).toEqual(expected);
    for (const row of rows) {
      expect(row.Region).toBe('us-east-1');
      expect(row.EndTime!.getTime() - row.StartTime!.getTime()).toBe(DAY);
    }
  });

  it('sums a dimension given AGGREGATE_ALL and leaves its member out; narrows to a value given one', async () => {
    const [failed, jobs] = await Promise.all([
      summaries(target(), { AccountId: 'AGGREGATE_ALL', State: 'FAILED', ResourceType: 'AGGREGATE_ALL', MessageCategory: 'AGGREGATE_ALL', AggregationPeriod: 'FOURTEEN_DAYS' }),
      everyJob(target()),
    ]);
    const expected = jobs.filter((job) => job.State === 'FAILED' && job.CreationDate!.getTime() >= FIRST_DAY).length;
    expect(expected).toBeGreaterThan(0);
    expect(failed).toEqual([{ Region: 'us-east-1', State: 'FAILED', Count: expected, StartTime: new Date(FIRST_DAY), EndTime: new Date(TODAY + DAY) }]);
  });

  it("counts the caller's own account without AccountId, and the last 7 days with SEVEN_DAYS", async () => {
    const [rows, jobs] = await Promise.all([
      summaries(target(), { State: 'AGGREGATE_ALL', ResourceType: 'AGGREGATE_ALL', MessageCategory: 'AGGREGATE_ALL', AggregationPeriod: 'SEVEN_DAYS' }),
      everyJob(target()),
    ]);
    const since = TODAY - 6 * DAY;
    const expected = jobs.filter((job) => job.AccountId === CALLER && job.CreationDate!.getTime() >= since).length;
    expect(rows).toEqual([{ Region: 'us-east-1', AccountId: CALLER, Count: expected, StartTime: new Date(since), EndTime: new Date(TODAY + DAY) }]);
  });
});

describe('the large organization by message category', () => {
  it('lists the jobs of every category ByMessageCategory names, the first one its columns learned (SUCCESS) included', async () => {
    const jobs = await everyJob(large);
    for (const category of ['SUCCESS', 'ACCESS_DENIED']) {
      const listed: BackupJob[] = [];
      for await (const page of paginateListBackupJobs({ client: client(large) }, { ByAccountId: '*', ByMessageCategory: category })) listed.push(...(page.BackupJobs ?? []));
      const expected = jobs.filter((job) => job.MessageCategory === category);
      expect(expected.length).toBeGreaterThan(0);
      expect(listed.map((job) => job.BackupJobId).sort()).toEqual(expected.map((job) => job.BackupJobId).sort());
    }
  });
});

describe('ListBackupJobSummaries paging and validation', () => {
  it('pages with NextToken, each row once, and echoes the period', async () => {
    const first = await client(seeded).send(new ListBackupJobSummariesCommand({ AccountId: 'ANY', MaxResults: 5 }));
    expect(first.AggregationPeriod).toBe('ONE_DAY');
    expect(first.BackupJobSummaries).toHaveLength(5);
    expect(first.NextToken).toBeDefined();
    const all = await summaries(seeded, { AccountId: 'ANY' }, 1000);
    const paged = await summaries(seeded, { AccountId: 'ANY' }, 5);
    expect(paged).toEqual(all);
  });

  it.each([
    [{ AggregationPeriod: 'ONE_WEEK' as never }, 'AggregationPeriod'],
    [{ State: 'DONE' as never }, 'State'],
    [{ AccountId: '12345' }, 'AccountId'],
    [{ MaxResults: 1001 }, 'MaxResults'],
    [{ NextToken: 'forged.token' }, 'NextToken'],
  ])('refuses %j with InvalidParameterValueException', async (input, parameter) => {
    const error = await client(seeded).send(new ListBackupJobSummariesCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toContain(parameter);
  });
});
