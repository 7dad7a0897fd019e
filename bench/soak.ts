// The soak: the benchmark's four operations, mixed, against the real gateway for minutes while the
// sandbox's sources fail, throttle, hang and drop connections in turn. Its own load loop (global
// fetch, one request at a time per connection) awaits every request it sends, counts each once as
// answered or lost, with its error codes, and watches the gateway's memory; every request must get an answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { load, percentile, type Counts, type LoadResult } from './clients.js';
import { benchNow, readyMessage, RssSampler, rssMb, secretsHandedOut, spawnGateway, spawnTs, stop, writeGatewayConfig, type GatewayProcess } from './processes.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

export interface SoakOptions {
  durationS: number;
  connections: number;
  /** Delay of every upstream call in the sandbox. */
  latencyMs: number;
  /** Seconds each fault of the schedule lasts. */
  phaseS: number;
  log?: (line: string) => void;
}

/** One step of the schedule: which sandbox, where, and how it misbehaves (none: all well). */
interface Phase {
  name: string;
  fault?: { sandbox: 'aws' | 'sailpoint'; target: string; operation?: string } & SandboxFault;
}

/** The schedule cycles through every kind of trouble, with a quiet phase between each, so recovery is exercised too. */
const SCHEDULE: Phase[] = [
  { name: 'all well' },
  { name: 'AWS us-east-1 lists fail (503)', fault: { sandbox: 'aws', target: 'us-east-1', operation: 'ListBackupJobs', kind: 'error', status: 503 } },
  { name: 'all well' },
  { name: 'SailPoint acme-prod hangs', fault: { sandbox: 'sailpoint', target: 'acme-prod', kind: 'hang' } },
  { name: 'all well' },
  { name: 'AWS eu-west-1 throttles', fault: { sandbox: 'aws', target: 'eu-west-1', kind: 'throttle' } },
  { name: 'all well' },
  { name: 'SailPoint acme-sandbox drops connections', fault: { sandbox: 'sailpoint', target: 'acme-sandbox', kind: 'reset' } },
  { name: 'all well' },
  { name: 'AWS us-east-1 answers garbage', fault: { sandbox: 'aws', target: 'us-east-1', kind: 'malformed' } },
  { name: 'all well' },
  { name: 'SailPoint acme-prod refuses its token', fault: { sandbox: 'sailpoint', target: 'acme-prod', kind: 'credentials' } },
];

export interface SoakReport extends Counts {
  options: Omit<SoakOptions, 'log'>;
  phases: string[];
  /** Answers per second, from the start of the load until the last request under way at its end settled. */
  requestsPerSecond: number;
  /** Latency of the answered requests. */
  p50Ms: number;
  p99Ms: number;
  rssAfterWarmupMb: number;
  rssEndMb: number;
  peakRssMb: number;
  /** rssEnd over rssAfterWarmup, minus one. */
  rssGrowth: number;
}

/** The report, and what the gateway printed: kept off the report, for checking that no secret handed out is in it. */
export interface SoakRun {
  report: SoakReport;
  /** Everything the gateway printed, stdout and stderr. */
  gatewayOutput: string;
  /** The credentials the gateway was handed. */
  secrets: string[];
}

/**
 * The load loop's connections all come from one address, which the gateway counts as one caller;
 * they stand for many users, and the soak is about upstream faults, not about one caller's share.
 */
const LOAD_LOOP_CALLER_BUDGET = { calls: 1_000_000, perSeconds: 1 };

/**
 * Read models refreshed a few times a second, and each fault outlasting what they may serve stale:
 * a fault shows first as stale parts served without error (within staleIfErrorMs), then as the
 * source's error, and its end as fresh parts again. With the soak's own phases of 10 s: 200 ms,
 * 500 ms and 2 s; shorter phases shorten them.
 */
function freshnessFor(phaseS: number): { refreshAfterMs: number; maxStalenessMs: number; staleIfErrorMs: number } {
  const phaseMs = phaseS * 1000;
  return {
    refreshAfterMs: Math.round(Math.min(200, phaseMs / 5)),
    maxStalenessMs: Math.round(Math.min(500, phaseMs / 4)),
    staleIfErrorMs: Math.round(Math.min(2_000, phaseMs / 2)),
  };
}

export async function runSoak(options: SoakOptions): Promise<SoakRun> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-soak-'));
  const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { BENCH_NOW: benchNow(), BENCH_LATENCY_MS: String(options.latencyMs) }, ipc: true });
  let gateway: GatewayProcess | undefined;
  let phaseTimer: NodeJS.Timeout | undefined;
  try {
    const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
    const admin = adminUrls(fixtures);
    // A production-like gateway: short deadlines, a quick breaker, and read models short-lived enough
    // that the load keeps refreshing them into every fault.
    const sources = fixtures.sources.map((source) => ({
      ...source,
      timeoutMs: 3_000,
      circuitBreaker: { failures: 5, halfOpenAfterMs: 3_000 },
      freshness: freshnessFor(options.phaseS),
    }));
    const security = { limits: { requestTimeoutMs: 8_000, callerBudget: LOAD_LOOP_CALLER_BUDGET } };
    gateway = spawnGateway(writeGatewayConfig(work, { security, sources }));
    const url = `http://127.0.0.1:${await gateway.port}/graphql`;
    const pid = gateway.child.pid!;
    const bodies = buildScenarios(fixtures).map((scenario) => scenario.body);

    log(`warm-up, ${options.connections} connections`);
    await mixedLoad(url, bodies, options.connections, Math.min(10, Math.ceil(options.durationS / 4)));

    const rssAfterWarmupMb = rssMb(pid);
    const sampler = new RssSampler(pid, 500);
    const played: string[] = [];
    let next = 0;
    const playNext = async () => {
      const phase = SCHEDULE[next++ % SCHEDULE.length]!;
      played.push(phase.name);
      log(`phase: ${phase.name}`);
      await Promise.all([admin.aws, admin.sailpoint].map((base) => fetch(`${base}/__sandbox/faults`, { method: 'DELETE' })));
      if (phase.fault) {
        const { sandbox, target, ...fault } = phase.fault;
        const response = await fetch(`${admin[sandbox]}/__sandbox/faults`, {
          method: 'POST',
          body: JSON.stringify({ [sandbox === 'aws' ? 'region' : 'tenant']: target, ...fault }),
        });
        if (!response.ok) throw new Error(`The sandbox refused the fault of phase "${phase.name}": ${await response.text()}`);
      }
    };
    await playNext();
    let playing: Promise<void> = Promise.resolve();
    phaseTimer = setInterval(() => {
      playing = playNext().catch((error: unknown) => log(String(error)));
    }, options.phaseS * 1000);
    const { latenciesMs, elapsedS, ...counts } = await mixedLoad(url, bodies, options.connections, options.durationS);
    clearInterval(phaseTimer);
    await playing;
    await Promise.all([admin.aws, admin.sailpoint].map((base) => fetch(`${base}/__sandbox/faults`, { method: 'DELETE' })));
    // Let the garbage collector settle before the closing reading.
    await sleep(2_000);
    const peakRssMb = sampler.stop();
    const rssEndMb = rssMb(pid);
    const latencies = latenciesMs.sort((a, b) => a - b);

    return {
      report: {
        options: { durationS: options.durationS, connections: options.connections, latencyMs: options.latencyMs, phaseS: options.phaseS },
        phases: played,
        ...counts,
        requestsPerSecond: counts.answered / elapsedS,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        rssAfterWarmupMb,
        rssEndMb,
        peakRssMb,
        rssGrowth: rssEndMb / rssAfterWarmupMb - 1,
      },
      gatewayOutput: gateway.output(),
      secrets: secretsHandedOut(sources),
    };
  } finally {
    if (phaseTimer) clearInterval(phaseTimer);
    sandboxProcess.disconnect();
    await Promise.all([stop(sandboxProcess), ...(gateway ? [stop(gateway.child)] : [])]);
    rmSync(work, { recursive: true, force: true });
  }
}

/** `connections` workers, each sending the operations in turn (each starting at another one), back to back. */
function mixedLoad(url: string, bodies: string[], connections: number, durationS: number): Promise<LoadResult> {
  return load({ url: () => url, connections, durationS, body: (connection, turn) => bodies[(connection + turn) % bodies.length]! });
}

/** The two sandboxes' roots, from the gateway sources that point at them. */
function adminUrls(fixtures: SandboxReady): { aws: string; sailpoint: string } {
  const aws = fixtures.sources.find((source) => source.kind === 'aws');
  const sailPoint = fixtures.sources.find((source) => source.kind === 'sailpoint');
  if (aws?.kind !== 'aws' || !aws.endpoint || sailPoint?.kind !== 'sailpoint') throw new Error('The sandbox announced no AWS or SailPoint source');
  return { aws: new URL(aws.endpoint).origin, sailpoint: new URL(sailPoint.baseUrl).origin };
}
