// Live job updates over GraphQL over Server-Sent Events: events for jobs that appear and change,
// the filter and the caller's sources applied, the limits, and what subscribers cost upstream.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../src/config/index.js';
import { startJobs } from './support/aws-jobs.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { subscribe } from './support/sse.js';

const UPDATES = `subscription Updates($filter: BackupJobFilter) {
  backupJobUpdated(filter: $filter) {
    changes
    job { sourceName phase ... on AwsBackupJob { backupJobId state percentDone } ... on SailPointBackupJob { jobId status } }
  }
}`;

/** Sources refreshed every 300 ms while anyone reads them. */
function quick(config: GatewayConfig): GatewayConfig {
  return { ...config, sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 300, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 } })) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('backupJobUpdated', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: quick });
    // The first read of each source is the base the changes are told against.
    await gateway.query('{ backupJobs(first: 1) { totalCount } }');
  });
  afterAll(() => gateway.close());

  it('sends an event for each job that appears, to the subscribers whose filter it meets', async () => {
    const east = await subscribe(gateway.url, UPDATES, { filter: { sourceNames: ['aws-us-east-1'] } });
    const sailPoint = await subscribe(gateway.url, UPDATES, { filter: { sourceKinds: ['SAILPOINT'] } });
    try {
      expect(east.status).toBe(200);
      const started = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 2, 'live');
      const events = await east.next(2);
      const updates = events.map((event) => (event.data as { data: { backupJobUpdated: { changes: string[]; job: { backupJobId: string; sourceName: string } } } }).data.backupJobUpdated);
      expect(updates.map((update) => update.job.backupJobId).sort()).toEqual([...started].sort());
      expect(updates.every((update) => update.changes.join() === 'APPEARED' && update.job.sourceName === 'aws-us-east-1')).toBe(true);
      // A refresh later, the SailPoint subscriber has heard nothing of the AWS jobs.
      await sleep(700);
      expect(sailPoint.events).toEqual([]);
    } finally {
      east.close();
      sailPoint.close();
    }
  });
});
