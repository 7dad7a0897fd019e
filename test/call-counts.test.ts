// What each query costs upstream, counted by the sandbox on the wire: every source's jobs are read
// once into its shared read model, and everything after is answered from it.
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import { startJobs } from './support/aws-jobs.js';
import { startTestGateway, steady, uncached, ownAccountOnly, type TestGateway } from './support/gateway.js';

const DASHBOARD = `{ backupJobs(first: 100) { totalCount edges { node { id phase
  ... on AwsBackupJob { backupJobId createdBy { backupPlanName } recoveryPointLifecycle { deleteAfterDays } numberOfChildJobs childJobsInState { state count } }
  ... on SailPointBackupJob { jobId options { includeTypes } }
} } } }`;

const listCalls = (gateway: TestGateway) => ({
  aws: gateway.sandbox.aws.calls.count('ListBackupJobs'),
  describe: gateway.sandbox.aws.calls.count('DescribeBackupJob'),
  sailPointLists: gateway.sandbox.sailPoint.calls.count('listBackups') + gateway.sandbox.sailPoint.calls.count('listUploads'),
  tokens: gateway.sandbox.sailPoint.calls.count('token'),
});

describe('the shared read models', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady });
  });
  afterAll(() => gateway.close());

  it('read each source once for many requests at the same time, and answer every later read from memory', async () => {
    const answers = await Promise.all(Array.from({ length: 5 }, () => gateway.query(DASHBOARD)));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual(answers[0]!.data);
    }
    expect(listCalls(gateway)).toEqual({ aws: 2, describe: 0, sailPointLists: 4, tokens: 2 });

    await gateway.query(DASHBOARD);
    expect(listCalls(gateway)).toEqual({ aws: 2, describe: 0, sailPointLists: 4, tokens: 2 });
  });

  it('answer lookups by id of listed jobs, their children and parents, with no call', async () => {
    await gateway.query(DASHBOARD);
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();
    const aws = gateway.sandbox.aws.store.jobs('us-east-1').slice(40, 60).map((job) => job.record.BackupJobId);
    const parent = gateway.sandbox.aws.store.jobs('us-east-1').find((job) => job.record.IsParent)!.record.BackupJobId;
    const sailPoint = gateway.sandbox.sailPoint.store.backups(gateway.sandbox.sailPoint.tenants[0]!.name).slice(0, 10).map((record) => record.jobId);
    const lookups = [
      ...[0, 1, 2].flatMap((round) =>
        aws.map((id, index) => `a${round}_${index}: awsBackupJob(backupJobId: "${id}", sourceName: "aws-us-east-1") { backupJobId numberOfChildJobs }`),
      ),
      `parent: awsBackupJob(backupJobId: "${parent}") { childJobs { backupJobId parentJob { backupJobId } } }`,
      ...sailPoint.map((id, index) => `s${index}: sailPointBackupJob(jobId: "${id}") { jobId }`),
    ];
    const result = await gateway.query(`{ ${lookups.join('\n')} }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.parent.childJobs.length).toBeGreaterThan(0);
    expect(result.data!.parent.childJobs.every((child: any) => child.parentJob.backupJobId === parent)).toBe(true);
    expect(Object.values(result.data!).every((value) => value !== null)).toBe(true);
    expect(gateway.sandbox.aws.calls.count() + gateway.sandbox.sailPoint.calls.count()).toBe(0);
  });
});

describe('a refresh', () => {
  it('that fails reaches every request that shared it, from one upstream call', async () => {
    // Each upstream answer takes 300 ms, so the four requests all arrive while the one refresh per source is under way.
    const gateway = await startTestGateway({ configure: uncached, latencyMs: 300 });
    try {
      gateway.sandbox.aws.faults.set('us-east-1', { kind: 'credentials', operation: 'ListBackupJobs' });
      const answers = await Promise.all(Array.from({ length: 4 }, () => gateway.query('{ backupJobs(first: 5) { edges { node { id } } } }')));
      for (const answer of answers) {
        expect((answer.errors ?? []).map((error) => [error.extensions?.code, error.extensions?.sourceName])).toEqual([
          ['UPSTREAM_AUTH_FAILED', 'aws-us-east-1'],
        ]);
      }
      expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(2);
    } finally {
      await gateway.close();
    }
  });

  it('past refreshAfterMs serves the snapshot at once and refreshes it once in the background', async () => {
    const gateway = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 0, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 } })),
      }),
    });
    try {
      const page = '{ backupJobs(first: 5, filter: { sourceNames: ["aws-us-east-1"] }) { sources { fetchedAt } edges { node { id } } } }';
      const first = await gateway.query(page);
      expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(1);
      const second = await gateway.query(page);
      // Served from the first read, while the next one runs behind it.
      expect(second.data).toEqual(first.data);
      await until(() => gateway.sandbox.aws.calls.count('ListBackupJobs') === 2);
      await until(async () => (await gateway.query(page)).data!.backupJobs.sources[0].fetchedAt !== first.data!.backupJobs.sources[0].fetchedAt);
    } finally {
      await gateway.close();
    }
  });
});

describe('a source whose list spans several pages', () => {
  it('follows NextToken through every page of ListBackupJobs into one read model', async () => {
    const gateway = await startTestGateway({ configure: (config) => steady({ ...config, sources: config.sources.filter((source) => source.name === 'aws-us-east-1') }) });
    try {
      // Past 1,000 jobs in the Region, the most one ListBackupJobs returns.
      await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1_001 - gateway.sandbox.aws.store.jobs('us-east-1').length);
      gateway.sandbox.aws.calls.reset();
      const answer = await gateway.query('{ backupJobs(first: 1) { totalCount } }');
      expect(answer.data!.backupJobs.totalCount).toBe(gateway.sandbox.aws.store.jobs('us-east-1').length);
      expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(2);
    } finally {
      await gateway.close();
    }
  });
});

describe('an AWS source of its own account (no accountId)', () => {
  let gateway: TestGateway;
  let client: BackupClient;
  beforeAll(async () => {
    gateway = await startTestGateway({
      configure: (config) => steady(ownAccountOnly(config)),
    });
    client = new BackupClient({ region: 'us-east-1', endpoint: gateway.sandbox.aws.url, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await gateway.close();
  });

  it('looks up a job its read model lacks with one DescribeBackupJob, and not again while it is cached', async () => {
    await gateway.query('{ backupJobs(first: 1) { edges { cursor } } }');
    const { BackupJobId } = await client.send(
      new StartBackupJobCommand({
        BackupVaultName: 'Default',
        ResourceArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
        IamRoleArn: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole',
      }),
    );
    gateway.sandbox.aws.calls.reset();
    const lookup = `{ awsBackupJob(backupJobId: "${BackupJobId}") { backupJobId state } }`;
    for (let round = 0; round < 3; round++) {
      const answer = await gateway.query(lookup);
      expect(answer.data!.awsBackupJob).toEqual({ backupJobId: BackupJobId, state: 'CREATED' });
    }
    expect(gateway.sandbox.aws.calls.count()).toBe(1);
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(1);
  });

  it('remembers that an id does not exist', async () => {
    gateway.sandbox.aws.calls.reset();
    const lookup = '{ awsBackupJob(backupJobId: "00000000-0000-0000-0000-000000000000") { backupJobId } }';
    for (let round = 0; round < 3; round++) expect((await gateway.query(lookup)).data!.awsBackupJob).toBeNull();
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(1);
  });
});

/** Waits for a condition the gateway reaches by itself; fails the test if it never does. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
