// The short benchmark as a regression test of what each frontend-style operation costs upstream; it asserts no timings.
import { expect, it } from 'vitest';
import { leakedSecrets } from '../bench/processes.js';
import { runBench } from '../bench/run.js';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import { SAILPOINT_SANDBOX_TENANTS } from '../src/sandbox/sailpoint/index.js';

it('every bench scenario costs the upstream calls the issue allows, counted by the sandbox', async () => {
  const { report, gatewayOutput, secrets } = await runBench({ short: true, durationS: 1, warmupS: 0, connections: [1], latencyMs: 0, ceiling: false });

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
    // Every request answered without errors was served, and counts in the throughput.
    expect(result.gateway.requests, result.scenario).toBe(5);
  }
  // The gateways printed (each its start-up lines) and none of it holds a credential it was handed.
  expect(gatewayOutput.match(/gateway on http:/g)).toHaveLength(4);
  // A boolean, so that a failure does not print the secrets.
  const documented = [SANDBOX_AWS_CREDENTIALS.secretAccessKey, ...SAILPOINT_SANDBOX_TENANTS.map((tenant) => tenant.clientSecret)];
  expect(documented.every((secret) => secrets.includes(secret))).toBe(true);
  expect(leakedSecrets(gatewayOutput, secrets)).toEqual([]);
}, 90_000);
