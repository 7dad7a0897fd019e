// The short benchmark as a regression test of what each frontend-style operation costs upstream,
// and of the timed scenarios cut to seconds (a noisy neighbour, a traversal, polling dashboards); it asserts no timings.
import { expect, it } from 'vitest';
import { leakedSecrets } from '../bench/processes.js';
import { runBench } from '../bench/run.js';
import type { UpstreamCalls } from '../bench/sandbox-process.js';
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

  // Every count and correctness target of the timed scenarios is met (a short run judges no timing):
  // the victim's answers carry no error while the attacker's are refused with RATE_LIMITED, its
  // lookups stay within its share and every source within its budget; every traversal gets every
  // job once; the upstream calls stay within what the freshness allows.
  expect(report.timed.map((result) => result.scenario)).toEqual(['noisy-neighbour', 'traversal', 'polling']);
  const missed = report.timed.flatMap((result) => result.verdicts.filter((verdict) => !verdict.met).map((verdict) => `${result.scenario}: ${verdict.text}`));
  expect(missed).toEqual([]);
  expect(report.timed.every((result) => result.verdicts.every((verdict) => verdict.gate))).toBe(true);
  // Three seconds of polling with read models fresh for a minute: each source is read exactly once, cold.
  const polled = report.timed.find((result) => result.scenario === 'polling')!.figures.calls as UpstreamCalls;
  const aws = { ListBackupJobs: 1, DescribeBackupJob: 0 };
  const tenant = { token: 1, listBackups: 1, listUploads: 1, getUpload: 0 };
  expect(polled.bySource).toEqual({ 'aws-us-east-1': aws, 'aws-eu-west-1': aws, 'sailpoint-acme-prod': tenant, 'sailpoint-acme-sandbox': tenant, own: { ListBackupJobs: 0, ListBackupJobSummaries: 0, DescribeBackupJob: 0, StartBackupJob: 0, StopBackupJob: 0, DescribeRecoveryPoint: 0, GetBackupPlan: 0, DescribeBackupVault: 0, ListRegions: 0 } });

  // The gateways printed (each its start-up lines) and none of it holds a credential it was handed.
  expect(gatewayOutput.match(/gateway on http:/g)).toHaveLength(7);
  // A boolean, so that a failure does not print the secrets.
  const documented = [SANDBOX_AWS_CREDENTIALS.secretAccessKey, ...SAILPOINT_SANDBOX_TENANTS.map((tenant) => tenant.clientSecret)];
  expect(documented.every((secret) => secrets.includes(secret))).toBe(true);
  expect(leakedSecrets(gatewayOutput, secrets)).toEqual([]);
}, 180_000);
