// A source too large for one upstream page is refreshed by what changed: the jobs created or
// completed since the newest it has seen, and the running ones, each listing one round trip.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { editJobs } from '../src/read-model/job-set.js';
import type { ReadableJob } from '../src/model/order.js';
import { startJobs } from './support/aws-jobs.js';
import { startTestGateway, uncached, type TestGateway } from './support/gateway.js';

const PAGE = `{ backupJobs(first: 5) { totalCount sources { sourceName complete completeAfter }
  edges { node { ... on AwsBackupJob { backupJobId } } } } }`;

describe('a source larger than one page', () => {
  let gateway: TestGateway;
  const region = 'us-east-1';
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: (config) => uncached({ ...config, sources: config.sources.filter((source) => source.name === `aws-${region}`) }) });
    await startJobs(gateway.sandbox.aws.url, region, 1_200 - gateway.sandbox.aws.store.jobs(region).length, 'grow');
  });
  afterAll(() => gateway.close());

  it('is read in full at first, then each refresh reads what changed: three listings, whatever its size', async () => {
    gateway.sandbox.aws.calls.reset();
    const first = await gateway.query(PAGE);
    expect(first.data!.backupJobs.totalCount).toBe(gateway.sandbox.aws.store.jobs(region).length);
    expect(first.data!.backupJobs.sources).toEqual([{ sourceName: `aws-${region}`, complete: true, completeAfter: null }]);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(2);

    const started = await startJobs(gateway.sandbox.aws.url, region, 3, 'later');
    gateway.sandbox.aws.calls.reset();
    const next = await gateway.query(PAGE);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(3);
    expect(next.data!.backupJobs.totalCount).toBe(gateway.sandbox.aws.store.jobs(region).length);
    const newest = next.data!.backupJobs.edges.map((edge: { node: { backupJobId: string } }) => edge.node.backupJobId);
    expect(newest.slice(0, 3).sort()).toEqual([...started].sort());

    gateway.sandbox.aws.calls.reset();
    const unchanged = await gateway.query(PAGE);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(3);
    expect(unchanged.data).toEqual(next.data);
  });
});

describe('an edit of a sorted job list', () => {
  const job = (key: string, createdAt: number, state = 'RUNNING') => ({ key, sourceName: 's', createdAt, state });
  type Job = ReadableJob & { state: string };
  const keys = (jobs: readonly Job[]) => jobs.map((one) => `${one.key}@${one.createdAt}:${one.state}`);
  const sorted = [job('e', 50), job('d', 40), job('c', 30), job('b', 20), job('a', 10)];

  it('replaces changed jobs, inserts new ones in order and leaves the others as they were', () => {
    const result = editJobs<Job>(sorted, { listed: [job('c', 30, 'COMPLETED'), job('f', 35), job('g', 60)] });
    expect(keys(result.jobs)).toEqual(['g@60:RUNNING', 'e@50:RUNNING', 'd@40:RUNNING', 'f@35:RUNNING', 'c@30:COMPLETED', 'b@20:RUNNING', 'a@10:RUNNING']);
    expect(result.changed.map((one) => one.key).sort()).toEqual(['c', 'f', 'g']);
    expect(result.jobs[1]).toBe(sorted[0]);
  });

  it('edits jobs the list holds in their places, reporting them in the list\'s order; a job listed at another time than the list holds it is moved, never doubled', () => {
    const result = editJobs<Job>(sorted, { listed: [job('b', 20, 'COMPLETED'), job('d', 40, 'FAILED'), job('b', 20, 'EXPIRED')] });
    expect(keys(result.jobs)).toEqual(['e@50:RUNNING', 'd@40:FAILED', 'c@30:RUNNING', 'b@20:EXPIRED', 'a@10:RUNNING']);
    expect(result.changed.map((one) => one.key)).toEqual(['d', 'b']);
    expect(result.dropped).toEqual([sorted[1], sorted[3]]);
    expect(result.jobs).not.toBe(sorted);
    expect(result.jobs[2]).toBe(sorted[2]);
    const moved = editJobs<Job>(sorted, { listed: [job('d', 40, 'FAILED'), job('b', 45)] });
    expect(keys(moved.jobs)).toEqual(['e@50:RUNNING', 'b@45:RUNNING', 'd@40:FAILED', 'c@30:RUNNING', 'a@10:RUNNING']);
  });

  it('keeps the version `prefer` chooses, and reports no change for it', () => {
    const settledFirst = (kept: Job, listed: Job) => (kept.state === 'COMPLETED' && listed.state !== 'COMPLETED' ? kept : listed);
    const done = editJobs<Job>(sorted, { listed: [job('d', 40, 'COMPLETED')] }).jobs;
    const result = editJobs<Job>(done, { listed: [job('d', 40, 'RUNNING')], prefer: settledFirst });
    expect(result.changed).toEqual([]);
    expect(keys(result.jobs)).toContain('d@40:COMPLETED');
  });

  it('drops the jobs of a swept range the upstream no longer lists, and with no lower bound those past its window too', () => {
    const result = editJobs<Job>(sorted, { listed: [job('c', 30)], sweptRange: { after: 20, before: 45 } });
    expect(result.jobs.map((one) => one.key)).toEqual(['e', 'c', 'b', 'a']);
    expect(result.dropped.map((one) => one.key).sort()).toEqual(['c', 'd']);
    const oldest = editJobs<Job>(sorted, { listed: [job('b', 20)], sweptRange: { after: null, before: 25 } });
    expect(oldest.jobs.map((one) => one.key)).toEqual(['e', 'd', 'c', 'b']);
    expect(oldest.removed).toBe(1);
  });
});
