// A short soak, as CI can afford it: mixed operations while every fault of the schedule plays in
// turn. It asserts what must hold whatever the machine's speed: every request is answered, the
// faults show up as their error codes, and nothing the gateway printed holds a credential it was
// handed. Timings and memory are the long run's business (npm run soak).
import { describe, expect, it } from 'vitest';
import { leakedSecrets } from '../bench/processes.js';
import { runSoak } from '../bench/soak.js';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import { SAILPOINT_SANDBOX_TENANTS } from '../src/sandbox/sailpoint/index.js';

describe('npm run soak, shortened', () => {
  it('answers every request while sources fail, hang, throttle and drop connections in turn', async () => {
    const { report, gatewayOutput, secrets } = await runSoak({ durationS: 14, connections: 4, latencyMs: 5, phaseS: 1 });
    expect(report.phases.filter((phase) => phase !== 'all well').length).toBeGreaterThanOrEqual(6);
    expect(report.lost).toBe(0);
    expect(report.sent).toBe(report.answered + report.lost);
    expect(report.non2xx).toBe(0);
    expect(report.answered).toBeGreaterThan(20);
    expect(report.errorsByCode).not.toHaveProperty('INTERNAL_SERVER_ERROR');
    expect(report.errorsByCode).not.toHaveProperty('NOT_JSON');
    expect(Object.keys(report.errorsByCode).every((code) => code.startsWith('UPSTREAM_'))).toBe(true);
    expect(report.errorsByCode.UPSTREAM_UNAVAILABLE).toBeGreaterThan(0);

    // The secrets the soak's gateway was handed (AWS in its environment, SailPoint in its configuration
    // file) are the sandbox's documented ones; checked as a boolean, so that a failure prints none.
    const documented = [SANDBOX_AWS_CREDENTIALS.secretAccessKey, ...SAILPOINT_SANDBOX_TENANTS.map((tenant) => tenant.clientSecret)];
    expect(documented.every((secret) => secrets.includes(secret))).toBe(true);
    // The gateway printed its start and the upstream failures the faults provoked, and none of it holds one.
    expect(gatewayOutput).toMatch(/gateway on http:/);
    expect(gatewayOutput).toMatch(/UPSTREAM_/);
    expect(leakedSecrets(gatewayOutput, secrets)).toEqual([]);
  }, 90_000);
});
