// DescribeBackupJob calls stay within each source's configured concurrency, whatever a query asks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    // Every upstream answer takes 40 ms, so calls that are allowed to overlap do.
    latencyMs: 40,
    configure: (config) => ({
      ...config,
      sources: config.sources.map((source) => (source.kind === 'aws' ? { ...source, describeConcurrency: 3 } : source)),
    }),
  });
});
afterAll(() => gateway.close());

describe('Describe concurrency', () => {
  it('keeps at most describeConcurrency DescribeBackupJob calls in flight per source, and uses that many', async () => {
    const ids = gateway.sandbox.aws.store
      .jobs('us-east-1')
      .slice(0, 15)
      .map((job) => job.record.BackupJobId as string);
    gateway.sandbox.aws.calls.reset();
    const lookups = ids
      .map((id, index) => `j${index}: awsBackupJob(backupJobId: "${id}", sourceName: "aws-us-east-1") { backupJobId }`)
      .join('\n');
    const result = await gateway.query(`{ ${lookups} }`);
    expect(result.errors).toBeUndefined();
    expect(gateway.sandbox.aws.calls.count('DescribeBackupJob')).toBe(15);
    expect(gateway.sandbox.aws.calls.peakConcurrency('DescribeBackupJob')).toBe(3);
  });
});
