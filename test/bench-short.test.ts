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
      { cold: result.coldCalls, measured: result.callsPerOp, failed: result.gateway.failed, missed: result.missedCallTargets },
    ]),
  );
  // Two AWS sources (one per sandbox region, each seeing the whole organization, so finding every job
  // in its list) and two SailPoint tenants with backups and uploads each. On a cold gateway an
  // operation lists each source it reads once (a tenant after its token); after that the read models
  // answer, and the measured operations cost nothing.
  const calls = (ListBackupJobs: number, tenants: number) => ({
    ListBackupJobs,
    DescribeBackupJob: 0,
    sailPointLists: tenants * 2,
    sailPointTokens: tenants,
    busiestTenantLists: tenants > 0 ? 2 : 0,
  });
  const fresh = { measured: calls(0, 0), failed: 0, missed: [] };
  expect(perOp).toEqual({
    dashboard: { ...fresh, cold: calls(2, 2) },
    detail: { ...fresh, cold: calls(2, 0) },
    federation: { ...fresh, cold: calls(2, 2) },
    'one-job': { ...fresh, cold: calls(1, 0) },
  });
  for (const result of report.results) {
    expect(result.peakDescribeInFlight, result.scenario).toBe(0);
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
