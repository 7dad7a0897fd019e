// DescribeBackupJob calls stay within each source's configured concurrency, whatever a query asks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, ownAccountOnly, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    // Every upstream answer takes 40 ms, so calls that are allowed to overlap do.
    latencyMs: 40,
    // Only a source of its own account describes jobs; those its list lacks (here: ids no job has).
    configure: (config) => ownAccountOnly(config, { describeConcurrency: 3 }),
  });
});
afterAll(() => gateway.close());

describe('Describe concurrency', () => {
  it('keeps at most describeConcurrency DescribeBackupJob calls in flight per source, and uses that many', async () => {
    const ids = Array.from({ length: 15 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
    await gateway.query('{ backupJobs(first: 1) { edges { cursor } } }');
    gateway.sandbox.aws.calls.reset();
    const lookups = ids.map((id, index) => `j${index}: awsBackupJob(backupJobId: "${id}", sourceName: "own") { backupJobId }`).join('\n');
    const result = await gateway.query(`{ ${lookups} }`);
    expect(result.errors).toBeUndefined();
    expect(Object.values(result.data!)).toEqual(ids.map(() => null));
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(15);
    expect(gateway.sandbox.aws.calls.peakConcurrency('DescribeBackupJob')).toBe(3);
  });
});
