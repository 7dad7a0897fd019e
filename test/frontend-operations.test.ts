// The example frontend operations run against the gateway through the generated typed documents.
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../examples/frontend/client.js';
import { DashboardDocument, FailedJobsDocument, JobDetailDocument, JobUpdatesDocument, type JobUpdatesSubscription } from '../examples/frontend/generated/graphql.js';
import { startJobs } from './support/aws-jobs.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { subscribe } from './support/sse.js';
import { rawJobs } from './support/wire.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe('example frontend operations', () => {
  it('Dashboard, then JobDetail of a row of each kind, then FailedJobs', async () => {
    const dashboard = await request(gateway.url, DashboardDocument, { first: 100 });
    expect(dashboard.errors).toBeUndefined();
    const rows = dashboard.data!.backupJobs.edges.flatMap((edge) => (edge?.node ? [edge.node] : []));
    expect(rows).toHaveLength(100);
    expect(dashboard.data!.backupSources).toHaveLength(4);

    for (const kind of ['AWS_BACKUP', 'SAILPOINT'] as const) {
      const row = rows.find((candidate) => candidate.sourceKind === kind)!;
      const detail = await request(gateway.url, JobDetailDocument, { id: row.id });
      expect(detail.errors).toBeUndefined();
      expect(detail.data!.backupJob).toMatchObject({ id: row.id, sourceKind: kind, phase: row.phase });
    }

    const failed = await request(gateway.url, FailedJobsDocument, { since: '2026-10-15T00:00:00Z' });
    expect(failed.errors).toBeUndefined();
    const phases = new Set(failed.data!.backupJobs.edges.map((edge) => edge?.node?.phase));
    expect([...phases].every((phase) => phase === 'FAILED' || phase === 'COMPLETED_WITH_ISSUES' || phase === 'PARTIAL')).toBe(true);
    expect(phases.size).toBeGreaterThan(1);
    // Every job of those phases created since the date, read from the raw records apart from the gateway.
    const since = '2026-10-15T00:00:00.000Z';
    const expected = rawJobs(gateway.sandbox)
      .filter((job) => ['FAILED', 'COMPLETED_WITH_ISSUES', 'PARTIAL'].includes(job.phase) && job.createdAt > since)
      .map((job) => Buffer.from(`${job.kind === 'aws' ? 'AwsBackupJob' : 'SailPointBackupJob'}:${job.key}`).toString('base64url'))
      .sort();
    expect(failed.data!.backupJobs.pageInfo.hasNextPage).toBe(false);
    expect(failed.data!.backupJobs.edges.map((edge) => edge!.node!.id).sort()).toEqual(expected);
  });

  it('JobUpdates streams a job started upstream, typed as the generated document says', async () => {
    await request(gateway.url, DashboardDocument, { first: 1 });
    const updates = await subscribe(gateway.url, print(JobUpdatesDocument), { filter: { sourceKinds: ['AWS_BACKUP'] } });
    try {
      const [started] = await startJobs(gateway.sandbox.aws.url, 'eu-west-1', 1, 'frontend');
      // The sandbox's read models refresh every 5 s while anyone watches them.
      const [event] = await updates.next(1, 15_000);
      const { backupJobUpdated } = (event!.data as { data: JobUpdatesSubscription }).data;
      expect(backupJobUpdated.changes).toEqual(['APPEARED']);
      expect(backupJobUpdated.job).toMatchObject({ sourceName: 'aws-eu-west-1', phase: 'QUEUED', backupJobId: started });
    } finally {
      updates.close();
    }
  });
});
