// The AWS Backup sandbox, proven with the unmodified @aws-sdk/client-backup over real HTTP.
import {
  BackupClient,
  BackupServiceException,
  DescribeBackupJobCommand,
  InvalidParameterValueException,
  ListBackupJobsCommand,
  MissingParameterValueException,
  paginateListBackupJobs,
  ResourceNotFoundException,
  StartBackupJobCommand,
  type BackupJob,
  type ListBackupJobsInput,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox, type SandboxJob, type WireBackupJob } from '../src/sandbox/aws/index.js';
import { BackupOperations } from '../src/sandbox/aws/operations.js';
import { seedJobs } from '../src/sandbox/aws/seed.js';
import { JobStore } from '../src/sandbox/aws/store.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const CALLER = '111122223333';
const OTHER = '444455556666';
const STATES = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED', 'COMPLETED', 'FAILED', 'EXPIRED', 'PARTIAL'];
const IN_FLIGHT = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING'];
const TIMESTAMPS = ['CreationDate', 'CompletionDate', 'ExpectedCompletionDate', 'StartBy', 'InitiationDate'] as const;
const ROLE = `arn:aws:iam::${CALLER}:role/service-role/AWSBackupDefaultServiceRole`;

let sandbox: AwsSandbox;
const clients: BackupClient[] = [];

function client(region = 'us-east-1', target = sandbox): BackupClient {
  // One attempt: a retry would hide a failed call from the counts and the error assertions.
  const created = new BackupClient({ endpoint: target.url, region, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  // Most tests here follow the records in newest-first order and describe jobs of either account;
  // the defaults (shuffled, cross-account Describe denied) have tests of their own below.
  sandbox = await startAwsSandbox({ now: NOW, listOrder: 'newest-first', crossAccountDescribe: 'allow' });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await sandbox.close();
});

/** A request that passes the sandbox's authentication (it reads the credential scope, not the signature). */
function rawFetch(
  path: string,
  init: { region?: string; service?: string; method?: string; body?: string; target?: AwsSandbox } = {},
): Promise<Response> {
  const scope = `${SANDBOX_AWS_CREDENTIALS.accessKeyId}/20261101/${init.region ?? 'us-east-1'}/${init.service ?? 'backup'}/aws4_request`;
  return fetch(`${(init.target ?? sandbox).url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}` },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

async function listAll(backup: BackupClient, input: ListBackupJobsInput, pageSize = 1000): Promise<{ jobs: BackupJob[]; pages: number }> {
  const jobs: BackupJob[] = [];
  let pages = 0;
  for await (const page of paginateListBackupJobs({ client: backup, pageSize }, { ...input })) {
    pages += 1;
    expect(page.BackupJobs!.length).toBeLessThanOrEqual(pageSize);
    jobs.push(...page.BackupJobs!);
  }
  return { jobs, pages };
}

const ids = (jobs: readonly { BackupJobId?: string | undefined }[]) => jobs.map((job) => job.BackupJobId);
const recordIds = (jobs: readonly SandboxJob[]) => jobs.map((job) => job.record.BackupJobId);
const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : Math.round(seconds * 1000));

/** The raw record as the SDK should decode it: epoch-second numbers become Dates, all else as sent. */
function asDecoded(record: WireBackupJob): Record<string, unknown> {
  const decoded: Record<string, unknown> = { ...record };
  for (const member of TIMESTAMPS) {
    const value = record[member];
    if (value !== undefined) decoded[member] = new Date(Math.round(value * 1000));
  }
  return decoded;
}

describe('ListBackupJobs', () => {
  it("pages through every job of the caller's account exactly once, newest first", async () => {
    const expected = sandbox.store.jobs('us-east-1').filter((job) => job.record.AccountId === CALLER);
    sandbox.calls.reset();
    const { jobs, pages } = await listAll(client(), {}, 37);
    expect(expected.length).toBeGreaterThan(37 * 3);
    expect(ids(jobs)).toEqual(recordIds(expected));
    expect(new Set(ids(jobs)).size).toBe(jobs.length);
    expect(pages).toBe(Math.ceil(expected.length / 37));
    expect(sandbox.calls.count('ListBackupJobs')).toBe(pages);
    for (let i = 1; i < jobs.length; i++) {
      const [newer, older] = [jobs[i - 1]!, jobs[i]!];
      expect(newer.CreationDate!.getTime()).toBeGreaterThanOrEqual(older.CreationDate!.getTime());
      if (newer.CreationDate!.getTime() === older.CreationDate!.getTime()) expect(newer.BackupJobId! < older.BackupJobId!).toBe(true);
    }
  });

  it("lists every account's jobs with accountId *, and one account's with its id", async () => {
    const all = await listAll(client('eu-west-1'), { ByAccountId: '*' }, 250);
    expect(ids(all.jobs)).toEqual(recordIds(sandbox.store.jobs('eu-west-1')));
    expect(new Set(all.jobs.map((job) => job.AccountId))).toEqual(new Set([CALLER, OTHER]));

    const other = await listAll(client('eu-west-1'), { ByAccountId: OTHER });
    expect(ids(other.jobs)).toEqual(recordIds(sandbox.store.jobs('eu-west-1').filter((job) => job.record.AccountId === OTHER)));
  });

  it('reads the region from the credential scope, and a region without data has no jobs', async () => {
    const page = await client('ap-southeast-2').send(new ListBackupJobsCommand({ ByAccountId: '*' }));
    expect(page.BackupJobs).toEqual([]);
    expect(page.NextToken).toBeUndefined();
  });

  it('sends NextToken on every page but the last, also when the last page is exactly full', async () => {
    const count = sandbox.store.jobs('us-east-1').filter((job) => job.record.AccountId === OTHER).length;
    const first = await client().send(new ListBackupJobsCommand({ ByAccountId: OTHER, MaxResults: count - 1 }));
    expect(first.NextToken).toBeTruthy();
    const exact = await client().send(new ListBackupJobsCommand({ ByAccountId: OTHER, MaxResults: count }));
    expect(exact.BackupJobs).toHaveLength(count);
    expect(exact.NextToken).toBeUndefined();
  });

  const job = (find: (job: WireBackupJob) => boolean) => sandbox.store.jobs('us-east-1').find((candidate) => find(candidate.record))!.record;
  const at = (seconds: number, offsetMs = 0) => new Date(Math.round(seconds * 1000) + offsetMs);
  const filters: [string, () => ListBackupJobsInput, (job: WireBackupJob) => boolean][] = [
    ['resourceArn', () => ({ ByResourceArn: job((j) => j.ResourceType === 'EFS').ResourceArn }), (j) => j.ResourceArn === job((x) => x.ResourceType === 'EFS').ResourceArn],
    ['state', () => ({ ByState: 'FAILED' }), (j) => j.State === 'FAILED'],
    ['backupVaultName', () => ({ ByBackupVaultName: 'airgapped-vault' }), (j) => j.BackupVaultName === 'airgapped-vault'],
    ['createdBefore (milliseconds)', () => ({ ByCreatedBefore: new Date('2026-10-20T06:30:00.250Z') }), (j) => ms(j.CreationDate)! < Date.parse('2026-10-20T06:30:00.250Z')],
    ['createdAfter (whole seconds)', () => ({ ByCreatedAfter: new Date('2026-10-25T00:00:00Z') }), (j) => ms(j.CreationDate)! > Date.parse('2026-10-25T00:00:00Z')],
    ['resourceType', () => ({ ByResourceType: 'EBS' }), (j) => j.ResourceType === 'EBS'],
    // Names with spaces that the API reference lists although the model's pattern forbids spaces.
    ['resourceType SAP HANA on Amazon EC2', () => ({ ByResourceType: 'SAP HANA on Amazon EC2' }), (j) => j.ResourceType === 'SAP HANA on Amazon EC2'],
    ['resourceType Storage Gateway', () => ({ ByResourceType: 'Storage Gateway' }), (j) => j.ResourceType === 'Storage Gateway'],
    ['completeAfter', () => ({ ByCompleteAfter: new Date('2026-10-28T00:00:00Z') }), (j) => j.CompletionDate !== undefined && ms(j.CompletionDate)! > Date.parse('2026-10-28T00:00:00Z')],
    ['completeBefore', () => ({ ByCompleteBefore: new Date('2026-10-10T00:00:00Z') }), (j) => j.CompletionDate !== undefined && ms(j.CompletionDate)! < Date.parse('2026-10-10T00:00:00Z')],
    ['parentJobId', () => ({ ByParentJobId: job((j) => j.IsParent).BackupJobId }), (j) => j.ParentJobId === job((x) => x.IsParent).BackupJobId],
    ['messageCategory', () => ({ ByMessageCategory: 'ACCESS_DENIED' }), (j) => j.MessageCategory === 'ACCESS_DENIED'],
    [
      'several at once',
      () => ({ ByState: 'COMPLETED', ByResourceType: 'EBS', ByCreatedAfter: new Date('2026-10-15T00:00:00Z'), ByMessageCategory: 'SUCCESS' }),
      (j) => j.State === 'COMPLETED' && j.ResourceType === 'EBS' && ms(j.CreationDate)! > Date.parse('2026-10-15T00:00:00Z') && j.MessageCategory === 'SUCCESS',
    ],
    // The bounds are exclusive, to the millisecond.
    ['createdBefore a job’s own creation time', () => ({ ByCreatedBefore: at(job((j) => j.State === 'EXPIRED').CreationDate) }), (j) => ms(j.CreationDate)! < ms(job((x) => x.State === 'EXPIRED').CreationDate)!],
    ['createdAfter a job’s own creation time', () => ({ ByCreatedAfter: at(job((j) => j.State === 'EXPIRED').CreationDate) }), (j) => ms(j.CreationDate)! > ms(job((x) => x.State === 'EXPIRED').CreationDate)!],
  ];

  it.each(filters)('narrows by %s exactly as the records say', async (_name, input, predicate) => {
    const expected = sandbox.store.jobs('us-east-1').filter((candidate) => predicate(candidate.record));
    const total = sandbox.store.jobs('us-east-1').length;
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(total);
    const { jobs } = await listAll(client(), { ...input(), ByAccountId: '*' }, 100);
    expect(ids(jobs)).toEqual(recordIds(expected));
  });

  it('omits NumberOfChildJobs and ChildJobsInState from list elements, as AWS does', async () => {
    const parent = sandbox.store.jobs('us-east-1').find((job) => job.record.IsParent && job.record.AccountId === CALLER)!.record;
    const response = await rawFetch(`/backup-jobs?resourceArn=${encodeURIComponent(parent.ResourceArn)}&maxResults=1000`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await response.json()) as { BackupJobs: Record<string, unknown>[]; NextToken?: string };
    const listed = body.BackupJobs.find((element) => element.BackupJobId === parent.BackupJobId)!;
    expect(parent.NumberOfChildJobs).toBeGreaterThan(1);
    expect(listed).not.toHaveProperty('NumberOfChildJobs');
    expect(listed).not.toHaveProperty('ChildJobsInState');
    const { NumberOfChildJobs: _count, ChildJobsInState: _inState, ...rest } = parent;
    expect(listed).toEqual(rest);
    expect(typeof listed.CreationDate).toBe('number');
    expect(body).not.toHaveProperty('NextToken');
  });

  it('breaks creation-time ties by BackupJobId, across page boundaries too', () => {
    // Jobs created in the same millisecond need a stopped clock, which only the operations layer takes.
    const store = new JobStore([], 'newest-first');
    const operations = new BackupOperations(store, { clock: () => Date.parse('2026-11-01T12:00:00.500Z') });
    const caller = { account: CALLER, region: 'us-east-1' };
    for (let i = 0; i < 5; i++) {
      operations.start(caller, { BackupVaultName: 'Default', ResourceArn: `arn:aws:dynamodb:us-east-1:${CALLER}:table/t${i}`, IamRoleArn: ROLE });
    }
    const created = store.jobs('us-east-1').map((job) => job.record.BackupJobId);
    expect(new Set(store.jobs('us-east-1').map((job) => job.record.CreationDate)).size).toBe(1);
    expect(created).toEqual([...created].sort());

    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = operations.list(caller, new URLSearchParams({ maxResults: '2', ...(nextToken ? { nextToken } : {}) }));
      seen.push(...page.BackupJobs.map((element) => element.BackupJobId as string));
      nextToken = page.NextToken;
    } while (nextToken);
    expect(seen).toEqual(created);
  });

  it('continues a listing across jobs created between its pages, each job exactly once', async () => {
    const backup = client();
    const before = recordIds(sandbox.store.jobs('us-east-1').filter((job) => job.record.AccountId === CALLER));
    const first = await backup.send(new ListBackupJobsCommand({ MaxResults: 25 }));
    const started = await backup.send(
      new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: `arn:aws:dynamodb:us-east-1:${CALLER}:table/orders`, IamRoleArn: ROLE }),
    );
    const rest = await listAll(backup, { NextToken: first.NextToken }, 100);
    const seen = [...ids(first.BackupJobs!), ...ids(rest.jobs)];
    expect(seen).toEqual(before);
    expect(seen).not.toContain(started.BackupJobId);
  });
});

describe('ListBackupJobs in shuffled order, the default', () => {
  let shuffled: AwsSandbox;
  beforeAll(async () => {
    shuffled = await startAwsSandbox({ now: NOW });
    expect(shuffled.listOrder).toBe('shuffled');
  });
  afterAll(() => shuffled.close());

  /** Share of neighbours that are not newest first: none in newest-first order, about half in a shuffle. */
  const outOfDateOrder = (jobs: readonly BackupJob[]) => {
    let count = 0;
    for (let i = 1; i < jobs.length; i++) if (jobs[i]!.CreationDate!.getTime() > jobs[i - 1]!.CreationDate!.getTime()) count += 1;
    return count / (jobs.length - 1);
  };

  it('pages through every job exactly once, grouped by account and shuffled within each account', async () => {
    expect(shuffled.listOrder).toBe('shuffled');
    const { jobs, pages } = await listAll(client('us-east-1', shuffled), { ByAccountId: '*' }, 37);
    expect(pages).toBe(Math.ceil(jobs.length / 37));
    expect(ids(jobs)).toEqual(recordIds(shuffled.store.jobs('us-east-1')));
    expect(new Set(ids(jobs)).size).toBe(jobs.length);
    // The seeded jobs, in another order than newest first.
    const seeded = recordIds(seedJobs(NOW).filter((job) => job.region === 'us-east-1'));
    expect([...ids(jobs)].sort()).toEqual([...seeded].sort());

    const accounts = jobs.map((job) => job.AccountId);
    const firstOther = accounts.indexOf(OTHER);
    expect(accounts.slice(0, firstOther).every((account) => account === CALLER)).toBe(true);
    expect(accounts.slice(firstOther).every((account) => account === OTHER)).toBe(true);
    for (const group of [jobs.slice(0, firstOther), jobs.slice(firstOther)]) {
      expect(outOfDateOrder(group)).toBeGreaterThan(0.3);
      expect(outOfDateOrder(group)).toBeLessThan(0.7);
    }
  });

  it('answers in the same order on every run', async () => {
    const twin = await startAwsSandbox({ now: new Date(NOW), listOrder: 'shuffled' });
    try {
      const again = await listAll(client('eu-west-1', twin), { ByAccountId: '*' }, 100);
      const first = await listAll(client('eu-west-1', shuffled), { ByAccountId: '*' }, 100);
      expect(ids(again.jobs)).toEqual(ids(first.jobs));
    } finally {
      await twin.close();
    }
  });

  it('applies filters in the same order', async () => {
    const { jobs } = await listAll(client('us-east-1', shuffled), { ByAccountId: '*', ByResourceType: 'EBS' }, 10);
    const expected = shuffled.store.jobs('us-east-1').filter((job) => job.record.ResourceType === 'EBS');
    expect(expected.length).toBeGreaterThan(20);
    expect(ids(jobs)).toEqual(recordIds(expected));
  });

  it('continues a listing across jobs created between its pages, each earlier job exactly once', async () => {
    const backup = client('us-east-1', shuffled);
    const before = recordIds(shuffled.store.jobs('us-east-1').filter((job) => job.record.AccountId === CALLER));
    const first = await backup.send(new ListBackupJobsCommand({ MaxResults: 25 }));
    const started: string[] = [];
    for (let i = 0; i < 10; i++) {
      const output = await backup.send(
        new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: `arn:aws:dynamodb:us-east-1:${CALLER}:table/t${i}`, IamRoleArn: ROLE }),
      );
      started.push(output.BackupJobId!);
    }
    const rest = await listAll(backup, { NextToken: first.NextToken }, 100);
    const seen = [...ids(first.BackupJobs!), ...ids(rest.jobs)];
    expect(seen.filter((id) => !started.includes(id!))).toEqual(before);
    // A new job lands wherever its key falls: listed when that is past the first page, not otherwise.
    const order = recordIds(shuffled.store.jobs('us-east-1'));
    const boundary = order.indexOf(first.BackupJobs!.at(-1)!.BackupJobId!);
    const listedNew = seen.filter((id) => started.includes(id!));
    expect(listedNew).toEqual(order.filter((id, index) => started.includes(id) && index > boundary));
  });
});

describe('ListBackupJobs validation', () => {
  const invalid: [string, ListBackupJobsInput][] = [
    ['maxResults 0', { MaxResults: 0 }],
    ['maxResults 1001', { MaxResults: 1001 }],
    ['an unknown state', { ByState: 'DONE' as never }],
    ['a lower-case state', { ByState: 'completed' as never }],
    ['an account id that is not 12 digits', { ByAccountId: '1234' }],
    ['a vault name with spaces', { ByBackupVaultName: 'my vault' }],
    ['a resource type with a slash', { ByResourceType: 'EBS/gp3' }],
    ['a resource type with a space that AWS does not name', { ByResourceType: 'EBS gp3' }],
    ['a spaced resource type spelled otherwise', { ByResourceType: 'Storage  Gateway' }],
    ['a spaced resource type in other case', { ByResourceType: 'storage gateway' }],
    ['a NextToken the sandbox never issued', { NextToken: 'eyJmIjoiZm9yZ2VkIn0.c2lnbmF0dXJl' }],
  ];

  it.each(invalid)('refuses %s with InvalidParameterValueException', async (_name, input) => {
    const error = await client().send(new ListBackupJobsCommand(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as InvalidParameterValueException).$metadata.httpStatusCode).toBe(400);
    expect((error as InvalidParameterValueException).Type).toBe('User');
  });

  it('refuses a NextToken issued for other filters', async () => {
    const backup = client();
    const page = await backup.send(new ListBackupJobsCommand({ ByState: 'COMPLETED', MaxResults: 5 }));
    expect(page.NextToken).toBeTruthy();
    await expect(backup.send(new ListBackupJobsCommand({ ByState: 'COMPLETED', MaxResults: 7, NextToken: page.NextToken }))).resolves.toBeDefined();
    await expect(backup.send(new ListBackupJobsCommand({ ByState: 'FAILED', MaxResults: 5, NextToken: page.NextToken }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
    await expect(
      client('eu-west-1').send(new ListBackupJobsCommand({ ByState: 'COMPLETED', MaxResults: 5, NextToken: page.NextToken })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('refuses timestamps that are not ISO 8601 date-times', async () => {
    for (const value of ['yesterday', '1793534400', '2026-02-30T00:00:00Z', '2026-10-20 00:00:00Z', '2026-10-20T00:00:00']) {
      const response = await rawFetch(`/backup-jobs?createdAfter=${encodeURIComponent(value)}`);
      expect(response.status, value).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('InvalidParameterValueException');
    }
    const offset = await rawFetch(`/backup-jobs?createdAfter=${encodeURIComponent('2026-10-31T14:00:00+02:00')}&accountId=*`);
    const body = (await offset.json()) as { BackupJobs: { CreationDate: number }[] };
    expect(body.BackupJobs.length).toBeGreaterThan(0);
    expect(body.BackupJobs.every((element) => element.CreationDate * 1000 > Date.parse('2026-10-31T12:00:00Z'))).toBe(true);
  });
});

describe('DescribeBackupJob', () => {
  function samples(): SandboxJob[] {
    const jobs = sandbox.store.jobs('eu-west-1');
    const found = [
      ...STATES.map((state) => jobs.find((job) => job.record.State === state)),
      jobs.find((job) => job.record.IsParent),
      jobs.find((job) => job.record.ParentJobId !== undefined),
      jobs.find((job) => job.record.BackupOptions !== undefined),
      jobs.find((job) => (job.record.BackupSizeInBytes ?? 0) > 2 ** 40),
      jobs.find((job) => job.record.RecoveryPointLifecycle?.MoveToColdStorageAfterDays !== undefined),
      jobs.find((job) => job.record.VaultLockState !== undefined),
      jobs.find((job) => job.record.AccountId === OTHER && job.record.CreatedBy === undefined),
    ];
    for (const job of found) expect(job).toBeDefined();
    return found as SandboxJob[];
  }

  it('returns every member, nested ones included, with Dates for timestamps and exact large numbers', async () => {
    const backup = client('eu-west-1');
    for (const { record } of samples()) {
      const { $metadata, ...output } = await backup.send(new DescribeBackupJobCommand({ BackupJobId: record.BackupJobId }));
      expect($metadata.httpStatusCode).toBe(200);
      expect(output).toEqual(asDecoded(record));
      for (const member of TIMESTAMPS) if (record[member] !== undefined) expect(output[member]).toBeInstanceOf(Date);
    }
  });

  it('keeps composite statistics and byte counts above 2^31 intact through the SDK', async () => {
    const backup = client('eu-west-1');
    const parent = sandbox.store.jobs('eu-west-1').find((job) => job.record.IsParent)!.record;
    const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: parent.BackupJobId }));
    expect(described.NumberOfChildJobs).toBe(parent.NumberOfChildJobs);
    expect(described.ChildJobsInState).toEqual(parent.ChildJobsInState);
    expect(described.CreatedBy?.BackupRuleCron).toMatch(/^cron\(/);

    const big = sandbox.store.jobs('eu-west-1').find((job) => (job.record.BytesTransferred ?? 0) > 2 ** 36)!.record;
    const large = await backup.send(new DescribeBackupJobCommand({ BackupJobId: big.BackupJobId }));
    expect(large.BackupSizeInBytes).toBe(big.BackupSizeInBytes);
    expect(large.BytesTransferred).toBe(big.BytesTransferred);
    expect(Number.isSafeInteger(large.BytesTransferred)).toBe(true);
  });

  it('throws ResourceNotFoundException for an unknown id, and for a job of another region', async () => {
    const missing = await client().send(new DescribeBackupJobCommand({ BackupJobId: '00000000-0000-4000-8000-000000000000' })).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect(missing).toBeInstanceOf(BackupServiceException);
    expect((missing as ResourceNotFoundException).$metadata.httpStatusCode).toBe(404);
    expect((missing as ResourceNotFoundException).Code).toBe('ResourceNotFoundException');
    expect((missing as ResourceNotFoundException).Type).toBe('User');

    const elsewhere = sandbox.store.jobs('eu-west-1')[0]!.record.BackupJobId;
    await expect(client('us-east-1').send(new DescribeBackupJobCommand({ BackupJobId: elsewhere }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("finds another account's job in the region when told to allow it", async () => {
    expect(sandbox.crossAccountDescribe).toBe('allow');
    const other = sandbox.store.jobs('us-east-1').find((job) => job.record.AccountId === OTHER)!.record;
    const described = await client().send(new DescribeBackupJobCommand({ BackupJobId: other.BackupJobId }));
    expect(described.AccountId).toBe(OTHER);
  });

  it("refuses another account's job with 403 AccessDeniedException by default", async () => {
    const denying = await startAwsSandbox({ now: NOW });
    expect(denying.crossAccountDescribe).toBe('deny');
    try {
      const jobs = denying.store.jobs('us-east-1');
      const own = jobs.find((job) => job.record.AccountId === CALLER)!.record;
      const other = jobs.find((job) => job.record.AccountId === OTHER)!.record;
      const backup = client('us-east-1', denying);
      expect((await backup.send(new DescribeBackupJobCommand({ BackupJobId: own.BackupJobId }))).AccountId).toBe(CALLER);

      const refused = await backup.send(new DescribeBackupJobCommand({ BackupJobId: other.BackupJobId })).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(BackupServiceException);
      expect((refused as BackupServiceException).name).toBe('AccessDeniedException');
      expect((refused as BackupServiceException).$metadata.httpStatusCode).toBe(403);

      const raw = await rawFetch(`/backup-jobs/${other.BackupJobId}`, { target: denying });
      expect(raw.status).toBe(403);
      expect(raw.headers.get('x-amzn-errortype')).toBe('AccessDeniedException');
      const body = (await raw.json()) as { Message: string };
      expect(body.Message).toContain('is not authorized to perform: backup:DescribeBackupJob');
      expect(body.Message).toContain(OTHER);

      // The organization-wide list still reaches every account, and an unknown id is still not found.
      const listed = await backup.send(new ListBackupJobsCommand({ ByAccountId: OTHER, MaxResults: 5 }));
      expect(listed.BackupJobs!.every((job) => job.AccountId === OTHER)).toBe(true);
      await expect(backup.send(new DescribeBackupJobCommand({ BackupJobId: '00000000-0000-4000-8000-000000000000' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    } finally {
      await denying.close();
    }
  });
});

describe('StartBackupJob', () => {
  const input = { BackupVaultName: 'Default', ResourceArn: `arn:aws:elasticfilesystem:us-east-1:${CALLER}:file-system/fs-0123456789abcdef0`, IamRoleArn: ROLE };

  it('creates a CREATED job in the caller account and region that then lists first', async () => {
    const backup = client();
    const newestSeeded = Math.max(...sandbox.store.jobs().map((job) => ms(job.record.CreationDate)!));
    const started = await backup.send(new StartBackupJobCommand({ ...input, Lifecycle: { MoveToColdStorageAfterDays: 10, DeleteAfterDays: 120 } }));
    expect(started.BackupJobId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    expect(started.IsParent).toBe(false);
    expect(started.RecoveryPointArn).toMatch(/^arn:aws:backup:us-east-1:111122223333:recovery-point:/);
    // Stamped on the seed's clock (its anchor plus the time the sandbox has run), not the wall clock.
    expect(started.CreationDate!.getTime()).toBeGreaterThan(Math.max(newestSeeded, NOW.getTime()));
    expect(started.CreationDate!.getTime()).toBeLessThan(NOW.getTime() + 3_600_000);

    const first = await backup.send(new ListBackupJobsCommand({ MaxResults: 1 }));
    expect(first.BackupJobs![0]!.BackupJobId).toBe(started.BackupJobId);
    const described = await backup.send(new DescribeBackupJobCommand({ BackupJobId: started.BackupJobId! }));
    expect(described).toMatchObject({
      AccountId: CALLER,
      State: 'CREATED',
      ResourceType: 'EFS',
      ResourceArn: input.ResourceArn,
      BackupVaultName: 'Default',
      IamRoleArn: ROLE,
      RecoveryPointLifecycle: { MoveToColdStorageAfterDays: 10, DeleteAfterDays: 120 },
      CreationDate: started.CreationDate,
    });
    expect(sandbox.store.jobs('us-east-1')[0]!.record.BackupJobId).toBe(started.BackupJobId);
    expect(sandbox.store.job('us-east-1', started.BackupJobId!)?.record.State).toBe('CREATED');
  });

  it('creates one job per IdempotencyToken', async () => {
    const backup = client();
    const count = sandbox.store.jobs('us-east-1').length;
    const once = await backup.send(new StartBackupJobCommand({ ...input, IdempotencyToken: 'sandbox-test-token' }));
    const twice = await backup.send(new StartBackupJobCommand({ ...input, IdempotencyToken: 'sandbox-test-token' }));
    expect(twice.BackupJobId).toBe(once.BackupJobId);
    expect(sandbox.store.jobs('us-east-1')).toHaveLength(count + 1);
  });

  it('refuses a request without a required member with MissingParameterValueException', async () => {
    const backup = client();
    const count = sandbox.store.jobs('us-east-1').length;
    for (const member of ['BackupVaultName', 'ResourceArn', 'IamRoleArn'] as const) {
      const error = await backup.send(new StartBackupJobCommand({ ...input, [member]: undefined })).catch((e: unknown) => e);
      expect(error, member).toBeInstanceOf(MissingParameterValueException);
      expect((error as MissingParameterValueException).$metadata.httpStatusCode).toBe(400);
    }
    expect(sandbox.store.jobs('us-east-1')).toHaveLength(count);
  });

  it('refuses invalid members as AWS does', async () => {
    const backup = client();
    await expect(backup.send(new StartBackupJobCommand({ ...input, BackupVaultName: 'no-such-vault' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(backup.send(new StartBackupJobCommand({ ...input, ResourceArn: 'not-an-arn' }))).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      backup.send(new StartBackupJobCommand({ ...input, ResourceArn: `arn:aws:elasticfilesystem:eu-west-1:${CALLER}:file-system/fs-0123456789abcdef0` })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(backup.send(new StartBackupJobCommand({ ...input, StartWindowMinutes: 30 }))).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(
      backup.send(new StartBackupJobCommand({ ...input, Lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 60 } })),
    ).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(backup.send(new StartBackupJobCommand({ ...input, BackupOptions: { WindowsVSS: 'enabled' } }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });
});

describe('the wire', () => {
  it('counts every call per operation, failed ones included', async () => {
    const backup = client();
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
    await backup.send(new ListBackupJobsCommand({ MaxResults: 3 }));
    await backup.send(new ListBackupJobsCommand({ MaxResults: 0 })).catch(() => undefined);
    await backup.send(new DescribeBackupJobCommand({ BackupJobId: 'missing' })).catch(() => undefined);
    await backup.send(new StartBackupJobCommand({ BackupVaultName: 'Default', ResourceArn: undefined, IamRoleArn: ROLE })).catch(() => undefined);
    await fetch(`${sandbox.url}/backup-jobs`);
    await rawFetch('/no-such-operation');

    expect(sandbox.calls.byOperation()).toEqual({
      ListBackupJobs: 3,
      ListBackupJobSummaries: 0,
      DescribeBackupJob: 1,
      StartBackupJob: 1,
      StopBackupJob: 0,
      DescribeRecoveryPoint: 0,
      GetBackupPlan: 0,
      DescribeBackupVault: 0,
      ListRegions: 0,
    });
    expect(sandbox.calls.count('ListBackupJobs')).toBe(3);
    expect(sandbox.calls.count('GetBackupPlan')).toBe(0);
    expect(sandbox.calls.count()).toBe(5);
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
  });

  it('answers a request without a SigV4 Authorization header with 403 MissingAuthenticationTokenException', async () => {
    for (const headers of [{}, { authorization: 'Bearer abc' }] as Record<string, string>[]) {
      const response = await fetch(`${sandbox.url}/backup-jobs`, { headers });
      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
      expect(await response.json()).toEqual({ Code: 'MissingAuthenticationTokenException', Message: 'Missing Authentication Token', Type: 'User' });
    }
  });

  it('refuses a signature scoped to another service', async () => {
    const response = await rawFetch('/backup-jobs', { service: 's3' });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('answers an unknown route with 404 UnknownOperationException', async () => {
    for (const [method, path] of [['GET', '/backup-vaults'], ['DELETE', '/backup-jobs'], ['GET', '/backup-jobs/a/b']] as const) {
      const response = await rawFetch(path, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
      expect(((await response.json()) as { Code: string }).Code).toBe('UnknownOperationException');
    }
  });

  it('answers a malformed StartBackupJob body with 400', async () => {
    const response = await rawFetch('/backup-jobs', { method: 'PUT', body: '{"BackupVaultName": ' });
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('SerializationException');
  });

  it('delays every answer by latencyMs', async () => {
    const slow = await startAwsSandbox({ now: NOW, latencyMs: 150 });
    try {
      const started = performance.now();
      const response = await fetch(`${slow.url}/backup-jobs`);
      expect(response.status).toBe(403);
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});

describe('seed data', () => {
  let seeded: AwsSandbox;
  beforeAll(async () => {
    seeded = await startAwsSandbox({ now: NOW });
  });
  afterAll(() => seeded.close());
  const all = () => seeded.store.jobs().map((job) => job.record);

  it('is the same for the same anchor, byte for byte, and moves with the anchor', async () => {
    const twin = await startAwsSandbox({ now: new Date(NOW) });
    const later = await startAwsSandbox({ now: new Date(NOW.getTime() + 86_400_000) });
    try {
      expect(JSON.stringify(twin.store.jobs())).toBe(JSON.stringify(seeded.store.jobs()));
      expect(JSON.stringify(later.store.jobs())).not.toBe(JSON.stringify(seeded.store.jobs()));
      expect(later.store.jobs().length).toBe(seeded.store.jobs().length);
    } finally {
      await Promise.all([twin.close(), later.close()]);
    }
  });

  it('anchors at the current hour by default', async () => {
    const hour = () => Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const before = hour();
    const current = await startAwsSandbox();
    const after = hour();
    try {
      const newest = Math.max(...current.store.jobs().map((job) => ms(job.record.CreationDate)!));
      expect(newest).toBeLessThan(after);
      expect(newest).toBeGreaterThan(before - 3_600_000);
    } finally {
      await current.close();
    }
  });

  it('spreads 2 accounts x 2 regions of jobs over the 29 days before the anchor', () => {
    expect(seeded.store.accounts).toEqual([CALLER, OTHER]);
    expect(seeded.store.regions).toEqual(['us-east-1', 'eu-west-1']);
    // The figure the README gives.
    expect(all()).toHaveLength(660);
    for (const region of seeded.store.regions) {
      for (const account of seeded.store.accounts) {
        expect(seeded.store.jobs(region).filter((job) => job.record.AccountId === account).length).toBeGreaterThan(100);
      }
    }
    for (const record of all()) {
      expect(ms(record.CreationDate)).toBeLessThan(NOW.getTime());
      expect(ms(record.CreationDate)).toBeGreaterThanOrEqual(NOW.getTime() - 29 * 86_400_000);
      expect(record.BackupJobId).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
      expect(record.IsEncrypted).toBe(true);
      expect(record.EncryptionKeyArn).toMatch(/^arn:aws:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/);
      expect(record.IamRoleArn).toMatch(/^arn:aws:iam::\d{12}:role\/.*AWSBackup/);
      expect(record.PercentDone).toMatch(/^\d{1,3}\.\d$/);
      expect(record.BackupVaultArn).toBe(`arn:aws:backup:${record.BackupVaultArn.split(':')[3]}:${record.AccountId}:backup-vault:${record.BackupVaultName}`);
    }
    expect(new Set(all().map((record) => record.BackupJobId)).size).toBe(all().length);
  });

  it('has every state in every region, in-flight ones only among the most recent jobs', () => {
    for (const region of seeded.store.regions) {
      const states = new Set(seeded.store.jobs(region).map((job) => job.record.State));
      expect([...states].sort()).toEqual([...STATES].sort());
    }
    for (const record of all()) {
      const inFlight = IN_FLIGHT.includes(record.State);
      if (inFlight) expect(NOW.getTime() - ms(record.CreationDate)!).toBeLessThan(12 * 3_600_000);
      expect(record.CompletionDate === undefined, `${record.State} ${record.BackupJobId}`).toBe(inFlight);
      if (record.State === 'COMPLETED') expect(record.PercentDone).toBe('100.0');
      if (record.State === 'FAILED') {
        expect(record.StatusMessage).toBeTruthy();
        expect(record.MessageCategory).toMatch(/^(ACCESS_DENIED|INVALIDPARAMETERS)$/);
      }
    }
  });

  it('completes mostly with SUCCESS, some with issues', () => {
    const completed = all().filter((record) => record.State === 'COMPLETED');
    const withIssues = completed.filter((record) => record.MessageCategory !== 'SUCCESS');
    expect(withIssues.length).toBeGreaterThan(0);
    expect(withIssues.length).toBeLessThan(completed.length / 5);
    for (const record of withIssues) expect(record.StatusMessage).toBeTruthy();
    expect(new Set(withIssues.map((record) => record.MessageCategory))).toEqual(new Set(['ACCESS_DENIED', 'INVALIDPARAMETERS']));
  });

  it('covers the resource types with realistic ARNs and recovery points', () => {
    const types = new Set(all().map((record) => record.ResourceType));
    const spaced = ['SAP HANA on Amazon EC2', 'Storage Gateway'];
    for (const type of ['EBS', 'RDS', 'EFS', 'DynamoDB', 'S3', 'EC2', 'Aurora', 'FSx', 'CloudFormation', ...spaced]) expect(types).toContain(type);
    const arns: Record<string, RegExp> = {
      EBS: /^arn:aws:ec2:[a-z0-9-]+:\d{12}:volume\/vol-0[0-9a-f]{16}$/,
      EC2: /^arn:aws:ec2:[a-z0-9-]+:\d{12}:instance\/i-0[0-9a-f]{16}$/,
      RDS: /^arn:aws:rds:[a-z0-9-]+:\d{12}:db:[a-z-]+$/,
      S3: /^arn:aws:s3:::[a-z0-9.-]+$/,
      'SAP HANA on Amazon EC2': /^arn:aws:ssm-sap:[a-z0-9-]+:\d{12}:HANA\/[a-z0-9-]+\/DB\/[A-Z0-9]+$/,
      'Storage Gateway': /^arn:aws:storagegateway:[a-z0-9-]+:\d{12}:gateway\/sgw-[0-9A-F]{8}\/volume\/vol-[0-9A-F]{8}$/,
    };
    // A few of each spaced type in every account and region, no more.
    for (const region of seeded.store.regions) {
      for (const account of seeded.store.accounts) {
        const jobs = seeded.store.jobs(region).filter((job) => job.record.AccountId === account);
        expect(jobs.filter((job) => job.record.ResourceType === 'SAP HANA on Amazon EC2')).toHaveLength(3);
        expect(jobs.filter((job) => job.record.ResourceType === 'Storage Gateway')).toHaveLength(2);
      }
    }
    for (const record of all()) {
      expect(record.ResourceName).toBeTruthy();
      const pattern = arns[record.ResourceType];
      if (pattern) expect(record.ResourceArn).toMatch(pattern);
      if (record.State === 'COMPLETED') expect(record.RecoveryPointArn).toBeDefined();
      if (record.State === 'COMPLETED' && ['EBS', 'Storage Gateway'].includes(record.ResourceType)) {
        expect(record.RecoveryPointArn).toMatch(/^arn:aws:ec2:[a-z0-9-]+::snapshot\/snap-0[0-9a-f]{16}$/);
      }
      if (record.State === 'COMPLETED' && record.ResourceType === 'EFS') expect(record.RecoveryPointArn).toMatch(/^arn:aws:backup:[a-z0-9-]+:\d{12}:recovery-point:/);
    }
  });

  it('holds byte counts above 2^31, terabyte backups among them', () => {
    expect(all().filter((record) => (record.BackupSizeInBytes ?? 0) > 2 ** 31).length).toBeGreaterThan(10);
    expect(all().filter((record) => (record.BytesTransferred ?? 0) > 2 ** 31).length).toBeGreaterThan(10);
    expect(all().some((record) => (record.BackupSizeInBytes ?? 0) > 2 ** 40)).toBe(true);
    for (const record of all()) {
      expect(Number.isSafeInteger(record.BackupSizeInBytes)).toBe(true);
      expect(Number.isSafeInteger(record.BytesTransferred)).toBe(true);
    }
  });

  it('gives composite parents the child counts of their children', () => {
    const parents = all().filter((record) => record.IsParent);
    expect(parents.length).toBeGreaterThanOrEqual(8);
    for (const parent of parents) {
      const children = all().filter((record) => record.ParentJobId === parent.BackupJobId);
      expect(children.length).toBeGreaterThanOrEqual(2);
      expect(children.length).toBeLessThanOrEqual(5);
      expect(parent.NumberOfChildJobs).toBe(children.length);
      const inState: Record<string, number> = {};
      for (const child of children) inState[child.State] = (inState[child.State] ?? 0) + 1;
      expect(parent.ChildJobsInState).toEqual(inState);
      for (const child of children) {
        expect(child.IsParent).toBe(false);
        expect(child.AccountId).toBe(parent.AccountId);
        expect(ms(child.CreationDate)).toBeGreaterThanOrEqual(ms(parent.CreationDate)!);
      }
      if (parent.State === 'PARTIAL') expect(inState.COMPLETED).toBeGreaterThan(0);
    }
    expect(all().filter((record) => !record.IsParent).every((record) => record.NumberOfChildJobs === undefined && record.ChildJobsInState === undefined)).toBe(true);
  });

  it('mixes lifecycles: cold storage, retention only, delete after copy, and none', () => {
    const lifecycles = all().map((record) => record.RecoveryPointLifecycle);
    const cold = lifecycles.filter((lifecycle) => lifecycle?.MoveToColdStorageAfterDays !== undefined);
    expect(cold.length).toBeGreaterThan(0);
    for (const lifecycle of cold) expect(lifecycle!.DeleteAfterDays).toBeGreaterThanOrEqual(lifecycle!.MoveToColdStorageAfterDays! + 90);
    expect(lifecycles.some((lifecycle) => lifecycle?.OptInToArchiveForSupportedResources === true)).toBe(true);
    expect(lifecycles.some((lifecycle) => lifecycle?.DeleteAfterEvent === 'DELETE_AFTER_COPY')).toBe(true);
    expect(lifecycles.some((lifecycle) => lifecycle !== undefined && lifecycle.MoveToColdStorageAfterDays === undefined)).toBe(true);
    expect(lifecycles.some((lifecycle) => lifecycle === undefined)).toBe(true);
  });

  it('names plan-created jobs with all eight CreatedBy members and leaves them off on-demand jobs', () => {
    const planned = all().filter((record) => record.CreatedBy !== undefined);
    expect(planned.length).toBeGreaterThan(all().length / 2);
    for (const { CreatedBy } of planned) {
      expect(Object.keys(CreatedBy!).sort()).toEqual(
        ['BackupPlanArn', 'BackupPlanId', 'BackupPlanName', 'BackupPlanVersion', 'BackupRuleCron', 'BackupRuleId', 'BackupRuleName', 'BackupRuleTimezone'].sort(),
      );
      expect(CreatedBy!.BackupRuleCron).toMatch(/^cron\(\d+ \d+ \? \* (\*|[A-Z]{3}) \*\)$/);
      expect(CreatedBy!.BackupPlanArn).toBe(`${CreatedBy!.BackupPlanArn!.split(':backup-plan:')[0]}:backup-plan:${CreatedBy!.BackupPlanId}`);
    }
    expect(new Set(planned.map((record) => record.CreatedBy!.BackupRuleTimezone))).toContain('Europe/Berlin');
    expect(all().some((record) => record.CreatedBy === undefined)).toBe(true);
  });

  it('marks Windows VSS backups and the air-gapped vault', () => {
    const windows = all().filter((record) => record.BackupOptions !== undefined);
    expect(windows.length).toBeGreaterThan(0);
    for (const record of windows) {
      expect(record.ResourceType).toBe('EC2');
      expect(record.BackupOptions).toEqual({ WindowsVSS: 'enabled' });
    }
    expect(windows.some((record) => record.BackupType === 'WindowsVSS')).toBe(true);
    const airGapped = all().filter((record) => record.VaultType === 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT');
    expect(airGapped.length).toBeGreaterThan(0);
    expect(airGapped.every((record) => record.VaultLockState === 'LOCKED')).toBe(true);
    expect(all().filter((record) => record.VaultType === 'BACKUP_VAULT').every((record) => record.VaultLockState === undefined)).toBe(true);
  });
});
