// The short benchmark as a regression test of what each frontend-style operation costs upstream; it asserts no timings.
import { expect, it } from 'vitest';
import { runBench } from '../bench/run.js';

it('every bench scenario costs the upstream calls the issue allows, counted by the sandbox', async () => {
  const report = await runBench({ short: true, durationS: 1, warmupS: 0, connections: [1], latencyMs: 0, ceiling: false });

  const perOp = Object.fromEntries(
    report.results.map((result) => [
      result.scenario,
      { ...result.callsPerOp, failed: result.gateway.failed, missed: result.missedCallTargets },
    ]),
  );
  // Two AWS sources (one per sandbox region) and two SailPoint tenants with backups and uploads each.
  // Tokens were fetched during the warm-up, so the measured operations need none.
  const none = { failed: 0, missed: [], sailPointTokens: 0 };
  expect(perOp).toEqual({
    dashboard: { ...none, ListBackupJobs: 2, DescribeBackupJob: 0, sailPointLists: 4, busiestTenantLists: 2 },
    detail: { ...none, ListBackupJobs: 0, DescribeBackupJob: 50, sailPointLists: 0, busiestTenantLists: 0 },
    federation: { ...none, ListBackupJobs: 0, DescribeBackupJob: 50, sailPointLists: 4, busiestTenantLists: 2 },
    'one-job': { ...none, ListBackupJobs: 0, DescribeBackupJob: 1, sailPointLists: 0, busiestTenantLists: 0 },
  });
  for (const result of report.results) {
    expect(result.peakDescribeInFlight, result.scenario).toBeLessThanOrEqual(2 * 8);
  }
}, 90_000);
