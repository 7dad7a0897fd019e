// A short soak, as CI can afford it: mixed operations while every fault of the schedule plays in
// turn. It asserts what must hold whatever the machine's speed: every request is answered, and the
// faults show up as their error codes. Timings and memory are the long run's business (npm run soak).
import { describe, expect, it } from 'vitest';
import { runSoak } from '../bench/soak.js';

describe('npm run soak, shortened', () => {
  it('answers every request while sources fail, hang, throttle and drop connections in turn', async () => {
    const report = await runSoak({ durationS: 14, connections: 4, latencyMs: 5, phaseS: 1 });
    expect(report.phases.filter((phase) => phase !== 'all well').length).toBeGreaterThanOrEqual(6);
    expect(report.lost).toBe(0);
    expect(report.non2xx).toBe(0);
    expect(report.inFlightAtEnd).toBeLessThanOrEqual(4);
    expect(report.answered).toBeGreaterThan(20);
    expect(report.errorsByCode).not.toHaveProperty('INTERNAL_SERVER_ERROR');
    expect(report.errorsByCode).not.toHaveProperty('NOT_JSON');
    expect(Object.keys(report.errorsByCode).every((code) => code.startsWith('UPSTREAM_'))).toBe(true);
    expect(report.errorsByCode.UPSTREAM_UNAVAILABLE).toBeGreaterThan(0);
  }, 90_000);
});
