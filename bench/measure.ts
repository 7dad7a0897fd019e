// A measured load on one target: autocannon on loopback, the target's CPU and memory read from
// /proc, and a wait for its upstream to go quiet before and after.
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Result } from 'autocannon';
import { cpuMs, GRAPHQL_HEADERS, RssSampler, rssMb } from './processes.js';

export interface Measurement {
  /** Requests served: 2xx answers that carried no GraphQL errors. */
  requests: number;
  /** Requests served per second of measured load. */
  requestsPerSecond: number;
  /** Latency of the 2xx answers (with or without GraphQL errors; autocannon leaves the others out). */
  p50Ms: number;
  p99Ms: number;
  /**
   * Non-2xx answers, plus answers that carried GraphQL errors, plus connection errors and timeouts
   * (autocannon's counts, summed: a non-2xx answer that carries errors counts twice).
   */
  failed: number;
  /** The process's CPU time during the measured load over the requests served. */
  cpuMsPerOp: number;
  /**
   * The load generator's CPU time (autocannon, in the bench's own process) over the requests served:
   * on loopback it shares the machine's cores with the target.
   */
  loadCpuMsPerOp: number;
  peakRssMb: number;
  rssAfterWarmupMb: number;
  rssEndMb: number;
}

/** What a measured load is sent to. */
export interface Target {
  url: string;
  pid: number;
  /** The processes whose CPU time counts (a gateway and its workers); `pid` alone when absent. */
  pids?: readonly number[];
  /** Upstream calls so far, for telling when a target has gone quiet. */
  quietCheck: () => Promise<number>;
}

/** The requests of a short load, one after another. */
const SHORT_REQUESTS = 5;

/** How long a load runs: `warmupS` of it unmeasured, then `durationS`; short: a few requests one after another instead. */
export interface LoadWindow {
  short: boolean;
  warmupS: number;
  durationS: number;
  /** How long the upstream must have had no call, before and after the measured load (default 1 s). */
  settleMs?: number;
}

/**
 * One request body sent by autocannon at `connections`, after a warm-up and once the upstream is
 * quiet, with what the target's process spent in CPU and memory meanwhile.
 */
export async function measure(
  target: Target,
  scenario: { body: string },
  connections: number,
  options: LoadWindow,
  resetCalls: () => Promise<unknown>,
): Promise<{ measurement: Measurement; sent: number; callsS: number; from: number; to: number }> {
  const request = { method: 'POST', headers: GRAPHQL_HEADERS, body: scenario.body };
  const load = { url: target.url, ...request };
  await autocannon(
    options.short ? { ...load, connections: 1, amount: 2 } : { ...load, connections, duration: options.warmupS },
  );
  // A short run sends its requests one after another and waits for each, so nothing is left in flight.
  if (!options.short) await quiet(target.quietCheck, options.settleMs);
  await resetCalls();

  const cpuNow = () => (target.pids ?? [target.pid]).reduce((sum, pid) => sum + cpuMs(pid), 0);
  const cpuBefore = cpuNow();
  const loadCpuBefore = process.cpuUsage();
  const rssAfterWarmupMb = rssMb(target.pid);
  const sampler = new RssSampler(target.pid);
  const from = performance.now();
  // Served: a 2xx answer without GraphQL errors. An answer that carries errors (a throttled or failed
  // source) is a mismatch, and counts as failed, not as served; so do non-2xx answers.
  const hasErrors = (body: string) => body.includes('"errors":');
  let served = 0;
  const result: Result = await autocannon({
    url: target.url,
    requests: [
      {
        ...request,
        onResponse: (status, body) => {
          if (status >= 200 && status < 300 && !hasErrors(body)) served++;
        },
      },
    ],
    ...(options.short ? { connections: 1, amount: SHORT_REQUESTS } : { connections, duration: options.durationS }),
    verifyBody: (body) => !hasErrors(body),
  });
  const cpuUsedMs = cpuNow() - cpuBefore;
  const loadCpu = process.cpuUsage(loadCpuBefore);
  const to = performance.now();
  // The requests under way when the load stopped make their upstream calls after it.
  const lastCallAt = options.short ? to : await quiet(target.quietCheck, options.settleMs);
  const peakRssMb = sampler.stop();

  return {
    sent: result.requests.sent,
    callsS: (lastCallAt - from) / 1000,
    from,
    to,
    measurement: {
      requests: served,
      requestsPerSecond: served / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      failed: result.non2xx + result.mismatches + result.errors,
      cpuMsPerOp: served > 0 ? cpuUsedMs / served : Number.NaN,
      loadCpuMsPerOp: served > 0 ? (loadCpu.user + loadCpu.system) / 1000 / served : Number.NaN,
      peakRssMb,
      rssAfterWarmupMb,
      rssEndMb: rssMb(target.pid),
    },
  };
}

/**
 * Waits until the upstream calls so far (`count`) have not changed for `stillMs` (at most 20 s), so
 * that operations the load generator cut off at its end are finished, and counted, before the next
 * phase. Returns when the last call was seen (to a quarter of a second), or when it began if none came.
 */
export async function quiet(count: () => Promise<number>, stillMs = 1_000): Promise<number> {
  let last = await count();
  let lastCallAt = performance.now();
  let still = 0;
  for (let waited = 0; waited < 20_000 && still < stillMs; waited += 250) {
    await sleep(250);
    const current = await count();
    if (current !== last) lastCallAt = performance.now();
    still = current === last ? still + 250 : 0;
    last = current;
  }
  return lastCallAt;
}
