// The AWS sandbox's jobs in flight over its clock, and StopBackupJob, through the unmodified SDK.
import {
  BackupClient,
  BackupServiceException,
  DescribeBackupJobCommand,
  InvalidRequestException,
  ListBackupJobsCommand,
  ResourceNotFoundException,
  StartBackupJobCommand,
  StopBackupJobCommand,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox, type WireBackupJob } from '../src/sandbox/aws/index.js';
import { seedJobs } from '../src/sandbox/aws/seed.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const CALLER = '111122223333';
const OTHER = '444455556666';
const ROLE = `arn:aws:iam::${CALLER}:role/service-role/AWSBackupDefaultServiceRole`;
const EBS = { BackupVaultName: 'Default', ResourceArn: `arn:aws:ec2:us-east-1:${CALLER}:volume/vol-0123456789abcdef0`, IamRoleArn: ROLE };

let sandbox: AwsSandbox;
let backup: BackupClient;

beforeAll(async () => {
  // A frozen clock: a job's state changes only as a test moves it, so every expectation is exact.
  sandbox = await startAwsSandbox({ now: NOW, frozenClock: true, listOrder: 'newest-first', crossAccountDescribe: 'deny' });
  backup = new BackupClient({ endpoint: sandbox.url, region: 'us-east-1', credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  backup.destroy();
  await sandbox.close();
});

const describeJob = (id: string) => backup.send(new DescribeBackupJobCommand({ BackupJobId: id }));

describe('a started job over the sandbox clock', () => {
  it('is CREATED for 10 s, RUNNING with growing progress until 30 s, then COMPLETED with its recovery point', async () => {
    const { BackupJobId: id } = await backup.send(new StartBackupJobCommand(EBS));
    expect(await describeJob(id!)).toMatchObject({ State: 'CREATED', PercentDone: '0.0', BytesTransferred: 0, BackupSizeInBytes: 0 });
    expect((await describeJob(id!)).RecoveryPointArn).toBeUndefined();

    sandbox.clock.advance(10_000);
    const started = await describeJob(id!);
    expect(started).toMatchObject({ State: 'RUNNING', PercentDone: '0.0', BytesTransferred: 0 });

    sandbox.clock.advance(5_000);
    const quarter = await describeJob(id!);
    expect(quarter.State).toBe('RUNNING');
    expect(quarter.PercentDone).toBe('25.0');
    expect(quarter.BytesTransferred).toBeGreaterThan(0);
    expect(quarter.BackupSizeInBytes).toBe(quarter.BytesTransferred);

    sandbox.clock.advance(10_000);
    const threeQuarters = await describeJob(id!);
    expect(threeQuarters.PercentDone).toBe('75.0');
    expect(threeQuarters.BytesTransferred).toBeGreaterThan(quarter.BytesTransferred!);

    sandbox.clock.advance(5_000);
    const done = await describeJob(id!);
    expect(done).toMatchObject({ State: 'COMPLETED', PercentDone: '100.0', MessageCategory: 'SUCCESS' });
    expect(done.CompletionDate!.getTime()).toBe(done.CreationDate!.getTime() + 30_000);
    expect(done.RecoveryPointArn).toMatch(/^arn:aws:backup:us-east-1:111122223333:recovery-point:[0-9A-F-]{36}$/);
    expect(done.BackupSizeInBytes).toBe(done.BytesTransferred);
    expect(done.BackupSizeInBytes).toBeGreaterThan(threeQuarters.BytesTransferred!);

    // Lists, and the filters on state and completion time, see the same record.
    const listed = await backup.send(new ListBackupJobsCommand({ ByState: 'COMPLETED', ByCompleteAfter: new Date(done.CompletionDate!.getTime() - 1) }));
    expect(listed.BackupJobs!.map((job) => job.BackupJobId)).toEqual([id]);
    expect(listed.BackupJobs![0]).toMatchObject({ State: 'COMPLETED', PercentDone: '100.0', BackupSizeInBytes: done.BackupSizeInBytes });
  });
});

describe("the seeded organization's jobs in flight", () => {
  const IN_FLIGHT = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING'];
  const HOUR = 3_600_000;

  // At 04:30 UTC the nightly SAP HANA backups and the weekly (Sunday) Storage Gateway one are running too.
  it.each([NOW, new Date('2026-11-01T04:30:00Z')])('stay as seeded until the clock is moved, then start, progress and settle, composite jobs with their children (anchor %s)', async (anchor) => {
    const seeded = await startAwsSandbox({ now: anchor, frozenClock: true });
    try {
      const byId = () => new Map(seeded.store.jobs().map((job) => [job.record.BackupJobId, job.record] as const));
      // Unmoved, every record is the anchor's, byte for byte.
      const sorted = (jobs: readonly { record: WireBackupJob }[]) => JSON.stringify(jobs.map((job) => job.record).sort((a, b) => a.BackupJobId.localeCompare(b.BackupJobId)));
      expect(sorted(seeded.store.jobs())).toBe(sorted(seedJobs(anchor)));
      const atAnchor = byId();
      const inFlight = [...atAnchor.values()].filter((record) => IN_FLIGHT.includes(record.State));
      expect(new Set(inFlight.map((record) => record.State))).toEqual(new Set(IN_FLIGHT));

      seeded.clock.advance(20 * 60_000);
      const later = byId();
      const running = inFlight.filter((record) => record.State === 'RUNNING' && !record.IsParent);
      for (const before of running) {
        const after = later.get(before.BackupJobId)!;
        if (after.State === 'RUNNING') expect(Number(after.PercentDone)).toBeGreaterThan(Number(before.PercentDone));
        else expect(after.State).toBe('COMPLETED');
      }
      // Nothing in flight at the anchor is CREATED any more, and the aborting job is aborted.
      expect([...later.values()].filter((record) => record.State === 'CREATED')).toEqual([]);
      const aborting = inFlight.find((record) => record.State === 'ABORTING')!;
      expect(later.get(aborting.BackupJobId)).toMatchObject({ State: 'ABORTED', StatusMessage: 'Backup job was stopped by the user.' });
      expect(later.get(aborting.BackupJobId)!.CompletionDate).toBe((anchor.getTime() + 10 * 60_000) / 1000);

      seeded.clock.advance(6 * HOUR);
      const settled = byId();
      for (const before of inFlight) {
        const after: WireBackupJob = settled.get(before.BackupJobId)!;
        expect(IN_FLIGHT, `${before.State} ${before.BackupJobId} is ${after.State}`).not.toContain(after.State);
        expect(after.CompletionDate).toBeGreaterThan(anchor.getTime() / 1000);
        if (after.State === 'COMPLETED' && !after.IsParent) expect(after).toMatchObject({ PercentDone: '100.0', MessageCategory: 'SUCCESS' });
        if (after.IsParent) expect(Object.keys(after.ChildJobsInState!).every((state) => !IN_FLIGHT.includes(state))).toBe(true);
      }
      // The jobs settled at the anchor are as they were.
      for (const [id, record] of atAnchor) if (!IN_FLIGHT.includes(record.State)) expect(settled.get(id)).toBe(record);
      // And lists see the same: ByState filters the records as they are now.
      const client = new BackupClient({ endpoint: seeded.url, region: 'us-east-1', credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
      try {
        for (const state of ['CREATED', 'PENDING', 'RUNNING', 'ABORTING'] as const) {
          expect((await client.send(new ListBackupJobsCommand({ ByAccountId: '*', ByState: state }))).BackupJobs, state).toEqual([]);
        }
      } finally {
        client.destroy();
      }
    } finally {
      await seeded.close();
    }
  });
});

describe('StopBackupJob', () => {
  it('answers 200 with an empty body; the job is ABORTING, then ABORTED, in Describe and in lists', async () => {
    const { BackupJobId: id } = await backup.send(new StartBackupJobCommand(EBS));
    sandbox.clock.advance(20_000);
    const running = await describeJob(id!);
    expect(running).toMatchObject({ State: 'RUNNING', PercentDone: '50.0' });

    const raw = await fetch(`${sandbox.url}/backup-jobs/${id}`, { method: 'POST', headers: signed() });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({});

    const aborting = await describeJob(id!);
    expect(aborting).toMatchObject({ State: 'ABORTING', PercentDone: '50.0', BytesTransferred: running.BytesTransferred });
    expect(aborting.CompletionDate).toBeUndefined();
    // Its course is stopped: its own completion time passes without completing it.
    sandbox.clock.advance(4_999);
    expect((await describeJob(id!)).State).toBe('ABORTING');
    sandbox.clock.advance(1);
    const aborted = await describeJob(id!);
    expect(aborted).toMatchObject({ State: 'ABORTED', StatusMessage: 'Backup job was stopped by the user.', PercentDone: '50.0' });
    expect(aborted.RecoveryPointArn).toBeUndefined();
    sandbox.clock.advance(60_000);
    expect((await describeJob(id!)).State).toBe('ABORTED');

    const listed = await backup.send(new ListBackupJobsCommand({ ByState: 'ABORTED', ByCreatedAfter: new Date(aborted.CreationDate!.getTime() - 1) }));
    expect(listed.BackupJobs!.map((job) => job.BackupJobId)).toEqual([id]);
    expect(sandbox.calls.count('StopBackupJob')).toBeGreaterThanOrEqual(1);
  });

  it('stops a CREATED job, and a seeded job in flight', async () => {
    const { BackupJobId: created } = await backup.send(new StartBackupJobCommand(EBS));
    await backup.send(new StopBackupJobCommand({ BackupJobId: created! }));
    expect((await describeJob(created!)).State).toBe('ABORTING');

    const seeded = sandbox.store.jobs('us-east-1').find((job) => job.record.AccountId === CALLER && job.record.State === 'RUNNING' && job.record.ResourceType === 'EBS')!;
    await backup.send(new StopBackupJobCommand({ BackupJobId: seeded.record.BackupJobId }));
    expect((await describeJob(seeded.record.BackupJobId)).State).toBe('ABORTING');
    expect(sandbox.store.job('us-east-1', seeded.record.BackupJobId)!.record.State).toBe('ABORTING');
  });

  it('refuses with InvalidRequestException a job that is not CREATED, PENDING or RUNNING', async () => {
    const jobs = sandbox.store.jobs('us-east-1').filter((job) => job.record.AccountId === CALLER);
    for (const state of ['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'ABORTING']) {
      const job = jobs.find((candidate) => candidate.record.State === state)!;
      const refused = await backup.send(new StopBackupJobCommand({ BackupJobId: job.record.BackupJobId })).catch((e: unknown) => e);
      expect(refused, state).toBeInstanceOf(InvalidRequestException);
      expect((refused as InvalidRequestException).$metadata.httpStatusCode).toBe(400);
      expect(sandbox.store.job('us-east-1', job.record.BackupJobId)!.record.State).toBe(state);
    }
  });

  it('refuses a resource type AWS cannot stop jobs of', async () => {
    const rds = sandbox.store.jobs('us-east-1').find((job) => job.record.AccountId === CALLER && job.record.ResourceType === 'RDS' && ['PENDING', 'RUNNING'].includes(job.record.State));
    expect(rds).toBeDefined();
    await expect(backup.send(new StopBackupJobCommand({ BackupJobId: rds!.record.BackupJobId }))).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it("answers ResourceNotFoundException for an unknown id, and AccessDenied for another account's job, as DescribeBackupJob does", async () => {
    await expect(backup.send(new StopBackupJobCommand({ BackupJobId: '00000000-0000-4000-8000-000000000000' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    const other = sandbox.store.jobs('us-east-1').find((job) => job.record.AccountId === OTHER && job.record.State === 'RUNNING')!;
    const refused = await backup.send(new StopBackupJobCommand({ BackupJobId: other.record.BackupJobId })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackupServiceException);
    expect((refused as BackupServiceException).name).toBe('AccessDeniedException');
    expect((refused as BackupServiceException).$metadata.httpStatusCode).toBe(403);
    expect(sandbox.store.job('us-east-1', other.record.BackupJobId)!.record.State).toBe('RUNNING');
  });
});

describe('StopBackupJob in the large organization', () => {
  it('stops a job StartBackupJob created, and refuses a generated one, whose life is fixed by its seed', async () => {
    const large = await startAwsSandbox({ jobs: 30_000, accounts: 2, regions: 1, now: NOW, frozenClock: true });
    const client = new BackupClient({ endpoint: large.url, region: 'us-east-1', credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
    try {
      const { BackupJobId: id } = await client.send(new StartBackupJobCommand(EBS));
      await client.send(new StopBackupJobCommand({ BackupJobId: id! }));
      expect((await client.send(new DescribeBackupJobCommand({ BackupJobId: id! }))).State).toBe('ABORTING');
      const generated = (await client.send(new ListBackupJobsCommand({ ByState: 'RUNNING', ByAccountId: CALLER }))).BackupJobs!.find((job) => job.BackupJobId !== id)!;
      expect(generated).toBeDefined();
      await expect(client.send(new StopBackupJobCommand({ BackupJobId: generated.BackupJobId! }))).rejects.toBeInstanceOf(InvalidRequestException);
    } finally {
      client.destroy();
      await large.close();
    }
  });
});

/** Headers that pass the sandbox's authentication (it reads the credential scope, not the signature). */
function signed(): Record<string, string> {
  const scope = `${SANDBOX_AWS_CREDENTIALS.accessKeyId}/20261101/us-east-1/backup/aws4_request`;
  return { authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}` };
}
