// What each query costs upstream, counted by the sandbox on the wire.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());
beforeEach(() => gateway.sandbox.aws.calls.reset());

const calls = () => gateway.sandbox.aws.calls;

describe('upstream calls', () => {
  it('a page of 50 jobs with createdBy and recoveryPointLifecycle costs one ListBackupJobs and no Describe', async () => {
    const result = await gateway.query(`{
      backupJobs(first: 50, filter: { sourceNames: ["aws-us-east-1"] }) {
        edges { node { id phase ... on AwsBackupJob {
          backupJobId createdBy { backupPlanName backupRuleCron } recoveryPointLifecycle { deleteAfterDays moveToColdStorageAfterDays }
        } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.backupJobs.edges).toHaveLength(50);
    expect(calls().count('ListBackupJobs')).toBe(1);
    expect(calls().count('DescribeBackupJob')).toBe(0);
  });

  it('a page across both regions costs one ListBackupJobs per source', async () => {
    const result = await gateway.query(`{ backupJobs(first: 30) { edges { node { id } } } }`);
    expect(result.data!.backupJobs.edges).toHaveLength(30);
    expect(calls().count('ListBackupJobs')).toBe(2);
    expect(calls().count()).toBe(2);
  });

  it('selecting numberOfChildJobs on a page costs one Describe per listed job', async () => {
    const result = await gateway.query(`{
      backupJobs(first: 25, filter: { sourceNames: ["aws-us-east-1"] }) {
        edges { node { ... on AwsBackupJob { numberOfChildJobs childJobsInState { state count } } } }
      }
    }`);
    expect(result.errors).toBeUndefined();
    expect(calls().count('ListBackupJobs')).toBe(1);
    expect(calls().count('DescribeBackupJob')).toBe(25);
  });

  it('the same 20 ids asked three times in one query cost at most 20 Describe calls', async () => {
    const ids = gateway.sandbox.aws.store
      .jobs('us-east-1')
      .slice(40, 60)
      .map((job) => job.record.BackupJobId as string);
    const lookups = [0, 1, 2]
      .flatMap((round) =>
        ids.map(
          (id, index) =>
            `r${round}_${index}: awsBackupJob(backupJobId: "${id}", sourceName: "aws-us-east-1") { backupJobId numberOfChildJobs }`,
        ),
      )
      .join('\n');
    const result = await gateway.query(`{ ${lookups} }`);
    expect(result.errors).toBeUndefined();
    expect(Object.keys(result.data!)).toHaveLength(60);
    expect(calls().count('DescribeBackupJob')).toBe(20);
    expect(calls().count('ListBackupJobs')).toBe(0);
  });

  it('a job the list already returned costs nothing more when a nested field loads it again', async () => {
    const parent = gateway.sandbox.aws.store.jobs('us-east-1').find((j) => j.record.IsParent === true)!;
    const created = (parent.record.CreationDate as number) * 1000;
    const result = await gateway.query(
      `query ($after: DateTime, $before: DateTime) {
        backupJobs(first: 100, filter: { sourceNames: ["aws-us-east-1"], createdAfter: $after, createdBefore: $before }) {
          edges { node { ... on AwsBackupJob { backupJobId parentJob { backupJobId isParent } } } }
        }
      }`,
      { after: new Date(created - 3_600_000).toISOString(), before: new Date(created + 3_600_000).toISOString() },
    );
    expect(result.errors).toBeUndefined();
    const nodes = result.data!.backupJobs.edges.map((edge: any) => edge.node);
    const children = nodes.filter((node: any) => node.parentJob?.backupJobId === parent.record.BackupJobId);
    expect(nodes.some((node: any) => node.backupJobId === parent.record.BackupJobId)).toBe(true);
    expect(children.length).toBeGreaterThan(1);
    // The parent came with the page, so resolving it for each child costs no Describe.
    expect(calls().count('ListBackupJobs')).toBe(1);
    expect(calls().count('DescribeBackupJob')).toBe(0);
  });

  it('child jobs listed for a parent are not described again when their parentJob is selected', async () => {
    const parent = gateway.sandbox.aws.store.jobs('us-east-1').find((j) => j.record.IsParent === true)!;
    const result = await gateway.query(
      `query ($id: String!) { awsBackupJob(backupJobId: $id, sourceName: "aws-us-east-1") {
        childJobs { backupJobId parentJob { backupJobId } }
      } }`,
      { id: parent.record.BackupJobId },
    );
    expect(result.errors).toBeUndefined();
    expect(calls().count('DescribeBackupJob')).toBe(1);
    expect(calls().count('ListBackupJobs')).toBe(1);
  });
});

describe('the opt-in list cache (listCacheTtlMs)', () => {
  it('lets one list answer per source serve every request within its TTL, and lists anew after it; probes skip it', async () => {
    const cached = await startTestGateway({
      configure: (config) => ({ ...config, sources: config.sources.map((source) => ({ ...source, listCacheTtlMs: 400 })) }),
    });
    try {
      const { aws, sailPoint } = cached.sandbox;
      const page = '{ backupJobs(first: 20) { edges { node { id } } } }';
      const first = await cached.query(page);
      expect(aws.calls.count('ListBackupJobs')).toBe(2);
      expect(sailPoint.calls.count('listBackups') + sailPoint.calls.count('listUploads')).toBe(4);

      const again = await Promise.all([cached.query(page), cached.query(page), cached.query(page)]);
      expect(again.map((answer) => answer.data)).toEqual([first.data, first.data, first.data]);
      expect(aws.calls.count('ListBackupJobs')).toBe(2);
      expect(sailPoint.calls.count('listBackups') + sailPoint.calls.count('listUploads')).toBe(4);

      await cached.query('{ backupSources { health { reachable } } }');
      expect(aws.calls.count('ListBackupJobs')).toBe(4);

      await new Promise((resolve) => setTimeout(resolve, 450));
      await cached.query(page);
      expect(aws.calls.count('ListBackupJobs')).toBe(6);
    } finally {
      await cached.close();
    }
  });
});
