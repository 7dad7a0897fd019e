// The merged job list: order, pagination, filters, and a job created between two pages.
import { BackupClient, StartBackupJobCommand } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import { startTestGateway, steady, uncached, type GraphQLResponse, type TestGateway } from './support/gateway.js';
import { newestFirst, rawJobs, type RawJob } from './support/wire.js';

// AWS documents no order for ListBackupJobs, nor whether DescribeBackupJob reaches a member
// account's jobs: the merged list must be exact whichever way the upstream behaves.
describe.each([
  ['shuffled', 'deny'],
  ['newest-first', 'allow'],
] as const)('backupJobs over an AWS that lists in %s order and answers cross-account Describe with %s', (awsListOrder, awsCrossAccountDescribe) => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady, sandbox: { awsListOrder, awsCrossAccountDescribe } });
    // The first read of each source: one list of each, after which every page below is served from the read models.
    await gateway.query('{ backupJobs(first: 1) { edges { cursor } } }');
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(2);
    expect(gateway.sandbox.sailPoint.calls.count('listBackups') + gateway.sandbox.sailPoint.calls.count('listUploads')).toBe(4);
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();
  });
  afterAll(() => gateway.close());

  const PAGE = `query ($first: Int, $after: String, $filter: BackupJobFilter) {
    backupJobs(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id sourceName phase createdAt
        ... on AwsBackupJob { jobId: backupJobId accountId resourceType backupVaultName state }
        ... on SailPointBackupJob { jobId status }
      } }
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
  }`;

  async function pageThrough(filter: Record<string, unknown> | undefined, first: number, between?: () => Promise<void>, through = gateway) {
    const nodes: any[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const result: GraphQLResponse = await through.query(PAGE, { first, after, filter });
      expect(result.errors).toBeUndefined();
      const connection: any = result.data!.backupJobs;
      nodes.push(...connection.edges.map((edge: any) => edge.node));
      if (!connection.pageInfo.hasNextPage) return nodes;
      expect(connection.pageInfo.endCursor).toBeTruthy();
      after = connection.pageInfo.endCursor;
      if (between && pages === 0) await between();
    }
    throw new Error('pagination did not end');
  }

  const allRawJobs = () => rawJobs(gateway.sandbox);
  const label = (job: { sourceName: string; jobId: string }) => `${job.sourceName}/${job.jobId}`;

  describe('backupJobs', () => {
    it('pages through every job of every source exactly once, newest first across sources', async () => {
      const nodes = await pageThrough(undefined, 97);
      const expected = allRawJobs().sort(newestFirst);
      expect(expected.filter((job) => job.kind === 'aws').length).toBeGreaterThanOrEqual(500);
      expect(expected.filter((job) => job.kind === 'sailpoint').length).toBeGreaterThanOrEqual(60);
      expect(nodes.map(label)).toEqual(expected.map(label));
      expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
    });

    it('yields each job exactly once when new jobs are created between page requests', async () => {
      // Every page reads upstream here, so the new job is in the source's answers from the second page on.
      const changing = await startTestGateway({ configure: uncached });
      const before = rawJobs(changing.sandbox).length;
      const client = new BackupClient({
        region: 'us-east-1',
        endpoint: changing.sandbox.aws.url,
        credentials: SANDBOX_AWS_CREDENTIALS,
        maxAttempts: 1,
      });
      let created: string | undefined;
      const nodes = await pageThrough(undefined, 100, async () => {
        const output = await client.send(
          new StartBackupJobCommand({
            BackupVaultName: 'Default',
            ResourceArn: 'arn:aws:dynamodb:us-east-1:111122223333:table/orders',
            IamRoleArn: 'arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole',
          }),
        );
        created = output.BackupJobId;
      }, changing);
      client.destroy();
      expect(created).toBeTruthy();
      const keys = nodes.map(label);
      expect(new Set(keys).size).toBe(keys.length);
      // The new job is newer than the first page, so this pagination never reaches it...
      expect(keys).not.toContain(`aws-us-east-1/${created}`);
      expect(keys).toHaveLength(before);
      // ...and the next pagination starts with it.
      const fresh = await changing.query(PAGE, { first: 1 });
      expect(fresh.data!.backupJobs.edges[0].node.jobId).toBe(created);
      await changing.close();
    });

    it('says where a page sits', async () => {
      const first = await gateway.query(PAGE, { first: 5 });
      const info = first.data!.backupJobs.pageInfo;
      expect(info).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(info.startCursor).toBe(first.data!.backupJobs.edges[0].cursor);
      expect(info.endCursor).toBe(first.data!.backupJobs.edges[4].cursor);
      const second = await gateway.query(PAGE, { first: 5, after: info.endCursor });
      expect(second.data!.backupJobs.pageInfo.hasPreviousPage).toBe(true);
      expect(second.data!.backupJobs.edges[0].node.id).not.toBe(first.data!.backupJobs.edges[4].node.id);
    });

    it('refuses a cursor with any filter but the one it was issued for, and takes it with that filter however it is spelled', async () => {
      const sailPoint = await gateway.query(PAGE, { first: 3, filter: { sourceKinds: ['SAILPOINT'], phases: ['COMPLETED', 'FAILED'] } });
      const after = sailPoint.data!.backupJobs.pageInfo.endCursor;
      for (const filter of [{ sourceKinds: ['AWS_BACKUP'], phases: ['COMPLETED', 'FAILED'] }, { sourceKinds: ['SAILPOINT'] }, undefined]) {
        const refused = await gateway.query(PAGE, { first: 3, after, filter });
        expect(refused.data?.backupJobs ?? null).toBeNull();
        expect(refused.errors?.map((error) => [error.extensions?.code, error.path])).toEqual([['BAD_USER_INPUT', ['backupJobs']]]);
        expect(refused.errors?.[0]?.message).toContain('issued for another filter');
      }
      const same = await gateway.query(PAGE, { first: 3, after, filter: { phases: ['FAILED', 'COMPLETED'], sourceKinds: ['SAILPOINT'], sourceNames: null } });
      expect(same.errors).toBeUndefined();
      expect(same.data!.backupJobs.edges).toHaveLength(3);
    });

    const filters: [string, Record<string, unknown>, (job: RawJob) => boolean][] = [
      ['one phase', { phases: ['FAILED'] }, (j) => j.phase === 'FAILED'],
      ['a phase that splits an upstream state', { phases: ['COMPLETED_WITH_ISSUES'] }, (j) => j.phase === 'COMPLETED_WITH_ISSUES'],
      ['several phases', { phases: ['QUEUED', 'CANCELLING', 'PARTIAL'] }, (j) => ['QUEUED', 'CANCELLING', 'PARTIAL'].includes(j.phase)],
      ['a phase SailPoint does not have', { phases: ['EXPIRED'] }, (j) => j.phase === 'EXPIRED'],
      ['resource type (AWS only)', { resourceType: 'DynamoDB' }, (j) => j.record.ResourceType === 'DynamoDB'],
      ['a resource type whose AWS name holds spaces', { resourceType: 'Storage Gateway' }, (j) => j.record.ResourceType === 'Storage Gateway'],
      ['vault name (AWS only)', { backupVaultName: 'Default' }, (j) => j.record.BackupVaultName === 'Default'],
      ['account (AWS only)', { accountId: '444455556666' }, (j) => j.record.AccountId === '444455556666'],
      ['source name', { sourceNames: ['aws-eu-west-1', 'sailpoint-acme-prod'] }, (j) => ['aws-eu-west-1', 'sailpoint-acme-prod'].includes(j.sourceName)],
      ['source kind AWS', { sourceKinds: ['AWS_BACKUP'] }, (j) => j.kind === 'aws'],
      ['source kind SailPoint', { sourceKinds: ['SAILPOINT'] }, (j) => j.kind === 'sailpoint'],
      [
        'created window',
        { createdAfter: '2026-10-20T00:00:00.000Z', createdBefore: '2026-10-25T06:30:00.000Z' },
        (j) => j.createdAt > '2026-10-20T00:00:00.000Z' && j.createdAt < '2026-10-25T06:30:00.000Z',
      ],
      [
        'several at once',
        { phases: ['COMPLETED'], resourceType: 'EBS', sourceNames: ['aws-us-east-1'] },
        (j) => j.phase === 'COMPLETED' && j.record.ResourceType === 'EBS' && j.sourceName === 'aws-us-east-1',
      ],
      [
        'phase and SailPoint source',
        { phases: ['COMPLETED_WITH_ISSUES', 'FAILED'], sourceKinds: ['SAILPOINT'] },
        (j) => j.kind === 'sailpoint' && ['COMPLETED_WITH_ISSUES', 'FAILED'].includes(j.phase),
      ],
    ];

    it.each(filters)('filters by %s, exactly as the raw records say, counts them, and costs no upstream call', async (_name, filter, predicate) => {
      const nodes = await pageThrough(filter, 100);
      const expected = allRawJobs().filter(predicate).map(label).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(nodes.map(label).sort()).toEqual(expected);
      const counted = await gateway.query(PAGE, { first: 1, filter });
      expect(counted.data!.backupJobs.totalCount).toBe(expected.length);
      expect(gateway.sandbox.aws.calls.count() + gateway.sandbox.sailPoint.calls.count()).toBe(0);
    });

    it("leaves the sources of other kinds out of a page that a kind's own condition filters", async () => {
      const result = await gateway.query('{ backupJobs(first: 1, filter: { backupVaultName: "Default" }) { sources { sourceName } } }');
      const awsSources = new Set(allRawJobs().filter((job) => job.kind === 'aws').map((job) => job.sourceName));
      expect(result.data!.backupJobs.sources.map((part: { sourceName: string }) => part.sourceName).sort()).toEqual([...awsSources].sort());
    });

    it.each([
      ['one AWS state', ['FAILED'], ['FAILED']],
      ['several AWS states', ['QUEUED'], ['CREATED', 'PENDING']],
      ['the phase unknown states join', ['RUNNING'], ['RUNNING']],
    ])('fills a page of a phase filter covering %s from the read model', async (_name, phases, states) => {
      const matching = gateway.sandbox.aws.store.jobs('us-east-1').filter((job) => states.includes(job.record.State!)).length;
      expect(matching).toBeGreaterThanOrEqual(2);
      const result = await gateway.query(PAGE, { first: 5, filter: { phases, sourceNames: ['aws-us-east-1'] } });
      const edges = result.data!.backupJobs.edges;
      expect(edges).toHaveLength(Math.min(5, matching));
      expect(edges.every((edge: any) => states.includes(edge.node.state))).toBe(true);
      expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(0);
    });

    it('returns an empty page for a source kind with no configured source', async () => {
      gateway.sandbox.aws.calls.reset();
      const result = await gateway.query(PAGE, { filter: { sourceKinds: [] } });
      expect(result.data!.backupJobs.edges).toEqual([]);
      expect(result.data!.backupJobs.pageInfo.hasNextPage).toBe(false);
      expect(gateway.sandbox.aws.calls.count()).toBe(0);
    });
  });
});
