// AwsBackupJob field by field against the sandbox's raw records, through every way to reach a job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, uncached, type TestGateway } from './support/gateway.js';
import { AWS_JOB_FIELDS, expectedAwsJob, expectedPhase } from './support/wire.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

const STATES = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED', 'COMPLETED', 'FAILED', 'EXPIRED', 'PARTIAL'];

/** One raw job per state and region, plus the special shapes worth checking on their own. */
function sampleJobs() {
  const samples = [];
  for (const region of gateway.sandbox.aws.store.regions) {
    const jobs = gateway.sandbox.aws.store.jobs(region);
    for (const state of STATES) {
      const job = jobs.find((candidate) => candidate.record.State === state);
      expect(job, `a ${state} job in ${region}`).toBeDefined();
      samples.push(job!);
    }
    const special = [
      jobs.find((j) => j.record.IsParent === true),
      jobs.find((j) => typeof j.record.ParentJobId === 'string'),
      jobs.find((j) => j.record.BackupOptions !== undefined),
      jobs.find((j) => (j.record.BackupSizeInBytes as number) > 2 ** 31),
      jobs.find((j) => (j.record.RecoveryPointLifecycle as any)?.MoveToColdStorageAfterDays !== undefined),
      jobs.find((j) => j.record.State === 'COMPLETED' && j.record.MessageCategory !== 'SUCCESS'),
      jobs.find((j) => j.record.CreatedBy === undefined || (j.record.CreatedBy as any).BackupPlanId === undefined),
    ];
    for (const job of special) {
      expect(job).toBeDefined();
      samples.push(job!);
    }
  }
  return samples;
}

describe('AwsBackupJob', () => {
  it('returns every DescribeBackupJob member of jobs in every state, nested records included', async () => {
    for (const { region, record } of sampleJobs()) {
      const result = await gateway.query(
        `query ($id: String!, $source: String) { awsBackupJob(backupJobId: $id, sourceName: $source) { ${AWS_JOB_FIELDS} } }`,
        { id: record.BackupJobId, source: `aws-${region}` },
      );
      expect(result.errors).toBeUndefined();
      const job = result.data!.awsBackupJob;
      expect(job).toMatchObject(expectedAwsJob(record, region));
      expect(job.sourceKind).toBe('AWS_BACKUP');
      expect(job.sourceName).toBe(`aws-${region}`);
      expect(job.phase).toBe(expectedPhase(record));
      expect(job.createdAt).toBe(job.creationDate);
      expect(job.completedAt).toBe(job.completionDate);
    }
  });

  it('keeps byte counts above 2^31 exact', async () => {
    const { region, record } = gateway.sandbox.aws.store.jobs().find((j) => (j.record.BackupSizeInBytes as number) > 2 ** 40)!;
    const result = await gateway.query(
      `query ($id: String!, $source: String) { awsBackupJob(backupJobId: $id, sourceName: $source) { backupSizeInBytes bytesTransferred } }`,
      { id: record.BackupJobId, source: `aws-${region}` },
    );
    expect(result.data!.awsBackupJob.backupSizeInBytes).toBe(record.BackupSizeInBytes);
    expect(result.data!.awsBackupJob.backupSizeInBytes).toBeGreaterThan(2 ** 40);
  });

  it('finds a job without sourceName by asking every AWS source', async () => {
    const { region, record } = gateway.sandbox.aws.store.jobs('eu-west-1')[3]!;
    const result = await gateway.query(`query ($id: String!) { awsBackupJob(backupJobId: $id) { sourceName backupJobId } }`, {
      id: record.BackupJobId,
    });
    expect(result.data!.awsBackupJob).toEqual({ sourceName: `aws-${region}`, backupJobId: record.BackupJobId });
  });

  it('resolves the same job through its global id with backupJob and node', async () => {
    const { region, record } = gateway.sandbox.aws.store.jobs('us-east-1')[7]!;
    const first = await gateway.query(`query ($id: String!) { awsBackupJob(backupJobId: $id) { id } }`, {
      id: record.BackupJobId,
    });
    const id = first.data!.awsBackupJob.id as string;
    expect(id).not.toContain(record.BackupJobId as string);

    const again = await gateway.query(
      `query ($id: ID!) { backupJob(id: $id) { ${AWS_JOB_FIELDS} } node(id: $id) { id ... on AwsBackupJob { backupJobId } } }`,
      { id },
    );
    expect(again.errors).toBeUndefined();
    expect(again.data!.backupJob).toMatchObject({ id, ...expectedAwsJob(record, region) });
    expect(again.data!.node).toEqual({ id, backupJobId: record.BackupJobId });
  });

  it('resolves parentJob and childJobs of composite jobs through the loaders', async () => {
    const parent = gateway.sandbox.aws.store.jobs('us-east-1').find((j) => j.record.IsParent === true)!;
    const children = gateway.sandbox.aws.store
      .jobs('us-east-1')
      .filter((j) => j.record.ParentJobId === parent.record.BackupJobId)
      .map((j) => j.record.BackupJobId)
      .sort();
    expect(children.length).toBeGreaterThan(1);

    const result = await gateway.query(
      `query ($id: String!) { awsBackupJob(backupJobId: $id, sourceName: "aws-us-east-1") {
        numberOfChildJobs
        childJobs { backupJobId parentJobId parentJob { backupJobId isParent } }
      } }`,
      { id: parent.record.BackupJobId },
    );
    expect(result.errors).toBeUndefined();
    const job = result.data!.awsBackupJob;
    expect(job.numberOfChildJobs).toBe(children.length);
    expect(job.childJobs.map((c: any) => c.backupJobId).sort()).toEqual(children);
    for (const child of job.childJobs) {
      expect(child.parentJobId).toBe(parent.record.BackupJobId);
      expect(child.parentJob).toEqual({ backupJobId: parent.record.BackupJobId, isParent: true });
    }
  });

  it('gives a job that is not a composite an empty childJobs list and no parent', async () => {
    const plain = gateway.sandbox.aws.store.jobs('us-east-1').find((j) => !j.record.IsParent && !j.record.ParentJobId)!;
    const result = await gateway.query(
      `query ($id: String!) { awsBackupJob(backupJobId: $id, sourceName: "aws-us-east-1") { childJobs { backupJobId } parentJob { backupJobId } } }`,
      { id: plain.record.BackupJobId },
    );
    expect(result.data!.awsBackupJob).toEqual({ childJobs: [], parentJob: null });
  });
});

describe('a state AWS adds after this gateway was built', () => {
  it('is phase UNKNOWN, state UNKNOWN and the value as sent in stateRaw, and the other jobs are served as before', async () => {
    const fresh = await startTestGateway({ configure: uncached });
    try {
      fresh.sandbox.aws.faults.set('us-east-1', { kind: 'rewrite', member: 'State', value: 'QUEUED_FOR_FUTURE', operation: 'ListBackupJobs' });
      const PAGE = (phases: string) => `{ backupJobs(first: 100, filter: { sourceNames: ["aws-us-east-1"], phases: [${phases}] }) {
        totalCount edges { node { phase ... on AwsBackupJob { state stateRaw } } }
      } }`;
      const unknown = await fresh.query(PAGE('UNKNOWN'));
      expect(unknown.errors).toBeUndefined();
      expect(unknown.data!.backupJobs.totalCount).toBe(1);
      expect(unknown.data!.backupJobs.edges[0].node).toEqual({ phase: 'UNKNOWN', state: 'UNKNOWN', stateRaw: 'QUEUED_FOR_FUTURE' });
      const running = await fresh.query(PAGE('RUNNING'));
      expect(running.data!.backupJobs.totalCount).toBeGreaterThan(0);
      for (const edge of running.data!.backupJobs.edges) expect(edge.node).toEqual({ phase: 'RUNNING', state: 'RUNNING', stateRaw: 'RUNNING' });
    } finally {
      await fresh.close();
    }
  });
});
