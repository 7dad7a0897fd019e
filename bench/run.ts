// The benchmark: the sandbox and the real gateway entry in processes of their own, measured loads
// (bench/measure.ts), upstream calls counted by the sandbox, and the in-memory ceiling measured in
// the same run; then the timed scenarios (bench/timed.ts) on gateways of their own.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Questioner } from './ipc.js';
import { measure, quiet, type Measurement, type Target } from './measure.js';
import { startObservabilityLoad, type ObservabilityLoad } from './observability.js';
import type { ProfileWindow } from './profile-summary.js';
import {
  benchNow,
  GRAPHQL_HEADERS,
  readyMessage,
  secretsHandedOut,
  spawnGateway,
  spawnTs,
  startBenchRedis,
  stop,
  withChildren,
  writeGatewayConfig,
  type GatewayProcess,
} from './processes.js';
import type { RedisServer } from '../test/support/redis.js';
import type { SandboxReady, UpstreamCalls } from './sandbox-process.js';
import type { SummaryBenchReport } from './summary.js';
import type { ScaleReport } from './scale.js';
import { buildScenarios, missedCallTargets, refreshesWithin, upstreamChainMs, type CallsPerOp, type Scenario, type UpstreamShape } from './scenarios.js';
import { LIVE, liveUpdates } from './live.js';
import { runTimedScenario, SHORT_TIMED_SCENARIOS, TIMED_SCENARIOS as TIMED_BY_LOAD, type TimedHarness, type TimedResult } from './timed.js';

/** Every timed scenario: those of the load loop, and the live updates' subscribers (none has a short form but those SHORT_TIMED_SCENARIOS names). */
const TIMED_SCENARIOS: readonly string[] = [...TIMED_BY_LOAD, LIVE];

export interface BenchOptions {
  /** Seconds of measured load per scenario and connection count. */
  durationS: number;
  /** Seconds of load before measuring, at the same connection count. */
  warmupS: number;
  connections: number[];
  /** Delay of every upstream call in the sandbox. */
  latencyMs: number;
  /** CI mode: a few sequential requests per scenario, for call counts only; no ceiling, no timing targets. */
  short: boolean;
  scenarios?: string[];
  ceiling: boolean;
  /** Write a V8 CPU profile of each gateway run here. */
  profileDir?: string;
  /** Seconds of each phase of the noisy neighbour (default 20). */
  neighbourS?: number;
  /** Seconds of polling in the polling and replicas scenarios (default 60). */
  pollingS?: number;
  /** Polling connections (default 200). */
  pollingConnections?: number;
  /** Clients subscribed at once in the live scenario (default 500). */
  liveSubscribers?: number;
  /** Seconds of each pass of the live scenario (default 60). */
  liveS?: number;
  /** Metrics served and scraped, traces exported, JSON logs (bench/observability.ts); otherwise none of them. */
  observability?: boolean;
  /** Every gateway keeps its shared state in Redis (a database of its own on one redis-server); otherwise in memory. */
  redis?: boolean;
  log?: (line: string) => void;
}

/**
 * A short run counts what the read models cost while fresh, right after the first request filled
 * them; a minute of freshness keeps them so however slowly a busy CI machine runs its few requests.
 */
const SHORT_RUN_FRESHNESS = { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 300_000 };


export interface ScenarioResult {
  scenario: string;
  title: string;
  connections: number;
  gateway: Measurement;
  /** Upstream calls of the first request, on a gateway just started: its read models were empty. */
  coldCalls: CallsPerOp;
  /** Upstream calls per operation of the measured load, the read models filled. */
  callsPerOp: CallsPerOp;
  peakDescribeInFlight: number;
  /**
   * SailPoint list calls per second to the busiest tenant, from the start of the measured load to its
   * last call (for requests served or not); SailPoint allows 10 (100 per token per 10 s).
   */
  sailPointCallsPerSecondPerTenant: number;
  upstreamChainMs: number;
  /** Gateway p50 minus the upstream chain. */
  overheadMs: number;
  ceiling?: Measurement & { upstreamCalls: number };
  /** Gateway requests served per second over the ceiling's. */
  ceilingRatio?: number;
  /** The dashboard on a gateway with its response cache on, the same request repeated. */
  cached?: Measurement;
  /** Its requests served per second over the ceiling's. */
  cachedRatio?: number;
  missedCallTargets: string[];
}

export interface BenchReport {
  startedAt: string;
  options: Omit<BenchOptions, 'log'>;
  machine: { cpus: number; node: string };
  results: ScenarioResult[];
  timed: TimedResult[];
  /** With `observability`: what the scraper and the trace sink saw over the whole run. */
  observed?: { scrapes: number; traceExports: number; traceBytes: number };
  /** The scale scenario's figures, per organization size (bench/scale.ts). */
  scale?: ScaleReport;
  summary?: SummaryBenchReport;
}

/** The report, and what the gateways printed: kept off the report, for checking that no secret handed out is in it. */
export interface BenchRun {
  report: BenchReport;
  /** Everything every gateway of the run printed, stdout and stderr, one run after another. */
  gatewayOutput: string;
  /** The credentials the gateways were handed. */
  secrets: string[];
}

interface GatewayRun extends GatewayProcess {
  name: string;
  spawnedAt: number;
  profileDir: string | undefined;
}


export async function runBench(options: BenchOptions): Promise<BenchRun> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-bench-'));
  const env = { BENCH_NOW: benchNow(), NODE_ENV: 'production' };

  const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { ...env, BENCH_LATENCY_MS: String(options.latencyMs) }, ipc: true });
  const ceilingProcess = options.ceiling && !options.short ? spawnTs('bench/ceiling-process.ts', { env, ipc: true }) : undefined;
  let observability: ObservabilityLoad | undefined;
  let redis: RedisServer | undefined;
  // Every gateway started, so that a failed run leaves none behind.
  const gateways: GatewayRun[] = [];
  try {
    if (options.observability) observability = await startObservabilityLoad();
    // More databases than a run starts gateways.
    if (options.redis) redis = await startBenchRedis('--redis', 256);
    const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
    const sandbox = new Questioner(sandboxProcess);
    const ceiling = ceilingProcess
      ? { ...(await readyMessage<{ url: string }>(ceilingProcess, 'the ceiling process')), questions: new Questioner(ceilingProcess) }
      : undefined;

    const sources = options.short ? fixtures.sources.map((source) => ({ ...source, freshness: SHORT_RUN_FRESHNESS })) : fixtures.sources;
    const ownSource = options.short ? { ...fixtures.ownSource, freshness: SHORT_RUN_FRESHNESS } : fixtures.ownSource;
    // The operations are measured without the response cache, and the dashboard again with it.
    const gatewayConfig = (cache: boolean) => ({ sources, observability: { metrics: { enabled: observability !== undefined } }, responseCache: { enabled: cache } });
    const configPath = writeGatewayConfig(work, gatewayConfig(false));
    const cachedConfigPath = writeGatewayConfig(mkdtempSync(join(work, 'cached-')), gatewayConfig(true));
    const awsSources = fixtures.sources.filter((source) => source.kind === 'aws');
    const shape: UpstreamShape = {
      awsSources: awsSources.length,
      describeConcurrency: awsSources[0]?.kind === 'aws' ? awsSources[0].describeConcurrency : 8,
    };
    const tenants = fixtures.sources.length - awsSources.length;
    const refreshAfterMs = Math.min(...sources.map((source) => source.freshness.refreshAfterMs));
    const known = buildScenarios(fixtures);
    const knownNames = [...known.map((scenario) => scenario.name), ...TIMED_SCENARIOS];
    const unknown = (options.scenarios ?? []).filter((name) => !knownNames.includes(name));
    if (unknown.length > 0) throw new Error(`Unknown scenario ${unknown.join(', ')}; known: ${knownNames.join(', ')}`);
    const timedNames = options.short ? SHORT_TIMED_SCENARIOS : TIMED_SCENARIOS;
    const noShortForm = (options.scenarios ?? []).filter((name) => TIMED_SCENARIOS.includes(name) && !timedNames.includes(name));
    if (noShortForm.length > 0) throw new Error(`Scenario ${noShortForm.join(', ')} has no short form; run it without --short`);
    const scenarios = known.filter((scenario) => !options.scenarios || options.scenarios.includes(scenario.name));
    const timedScenarios = timedNames.filter((name) => !options.scenarios || options.scenarios.includes(name));
    const connectionCounts = options.short ? [1] : options.connections;

    const startGateway = (run: string, config = configPath, extraEnv: NodeJS.ProcessEnv = {}): GatewayRun => {
      const profileDir = options.profileDir ? join(options.profileDir, run) : undefined;
      const spawnedAt = performance.now();
      const gateway = spawnGateway(config, {
        // A database per gateway: each starts as empty as an in-memory one would.
        env: { ...env, ...(redis ? { REDIS_URL: `${redis.url}/${gateways.length}` } : {}), ...extraEnv, ...observability?.env },
        // One folder per run: tsx's loader thread writes a profile of its own beside the main thread's.
        nodeArgs: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [],
      });
      // A failed start is reported when the run that needs it awaits the port.
      gateway.port.catch(() => undefined);
      const started = { ...gateway, name: run, spawnedAt, profileDir };
      gateways.push(started);
      return started;
    };
    const runs = scenarios.flatMap((scenario) => connectionCounts.map((connections) => ({ scenario, connections })));
    // Each run gets a fresh gateway (its own token, rate window and heap). A short run starts them all
    // at once, since nothing is timed and start-up is most of its time.
    const early = options.short ? runs.map(({ scenario }) => startGateway(scenario.name)) : [];

    const callsNow = async () => totalCalls(await sandbox.ask<UpstreamCalls>('calls'));
    const results: ScenarioResult[] = [];
    for (const [index, { scenario, connections }] of runs.entries()) {
      log(`${scenario.name} at ${connections} connection(s): gateway`);
      const gatewayProcess = early[index] ?? startGateway(`${scenario.name}-${connections}c`);
      let gateway: Measurement;
      let coldCalls: CallsPerOp;
      let calls: UpstreamCalls;
      let sent: number;
      let callsS: number;
      try {
        const target: Target = {
          url: `http://127.0.0.1:${await gatewayProcess.port}/graphql`,
          pid: gatewayProcess.child.pid!,
          quietCheck: callsNow,
        };
        await sandbox.ask('reset');
        await firstRequest(target, scenario);
        coldCalls = perOp(await sandbox.ask<UpstreamCalls>('calls'), 1);
        const stopScraping = observability?.scrape(target.url);
        const measured = await measure(target, scenario, connections, options, () => sandbox.ask('reset')).finally(stopScraping);
        ({ measurement: gateway, sent, callsS } = measured);
        calls = await sandbox.ask<UpstreamCalls>('calls');
        markMeasured(gatewayProcess.profileDir, measured.from, measured.to);
      } finally {
        await stop(gatewayProcess.child);
      }

      const callsPerOp = perOp(calls, sent);
      // A read model refreshes at most once per refreshAfterMs, and may be due at the start; a short
      // run's requests all fall well inside the first one's freshness.
      const refreshes = options.short ? 0 : refreshesWithin(callsS * 1000, refreshAfterMs);
      const chain = upstreamChainMs(callsPerOp, shape, tenants, options.latencyMs);
      const result: ScenarioResult = {
        scenario: scenario.name,
        title: scenario.title,
        connections,
        gateway,
        coldCalls,
        callsPerOp,
        peakDescribeInFlight: calls.awsPeakDescribeInFlight,
        // Every call counted (served requests' or not) over the time they were made in, which goes on
        // after the load while the requests it cut off finish.
        sailPointCallsPerSecondPerTenant: (callsPerOp.busiestTenantLists * sent) / callsS,
        upstreamChainMs: chain,
        overheadMs: gateway.p50Ms - chain,
        missedCallTargets: missedCallTargets(scenario, coldCalls, perOp(calls, 1), refreshes),
      };

      if (ceiling) {
        log(`${scenario.name} at ${connections} connection(s): ceiling`);
        const target: Target = {
          url: ceiling.url,
          pid: ceilingProcess!.pid!,
          quietCheck: () => ceiling.questions.ask<number>('calls'),
        };
        await firstRequest(target, scenario);
        const { measurement } = await measure(target, scenario, connections, options, () => ceiling.questions.ask('reset'));
        result.ceiling = { ...measurement, upstreamCalls: await ceiling.questions.ask<number>('calls') };
        result.ceilingRatio = gateway.requestsPerSecond / measurement.requestsPerSecond;
      }
      if (scenario.name === 'dashboard' && !options.short) {
        log(`${scenario.name} at ${connections} connection(s): gateway with its response cache`);
        const cachedProcess = startGateway(`${scenario.name}-cached-${connections}c`, cachedConfigPath);
        try {
          const target: Target = { url: `http://127.0.0.1:${await cachedProcess.port}/graphql`, pid: cachedProcess.child.pid!, quietCheck: callsNow };
          await firstRequest(target, scenario);
          result.cached = (await measure(target, scenario, connections, options, () => sandbox.ask('reset'))).measurement;
          if (result.ceiling) result.cachedRatio = result.cached.requestsPerSecond / result.ceiling.requestsPerSecond;
        } finally {
          await stop(cachedProcess.child);
        }
      }
      results.push(result);
    }

    const handedOut = secretsHandedOut(sources);
    const harness: TimedHarness = {
      fixtures,
      sources,
      ownSource,
      sandbox,
      startGateway: async (run, config, extraEnv) => {
        const gateway = startGateway(run, writeGatewayConfig(mkdtempSync(join(work, `${run}-`)), config), extraEnv);
        const url = `http://127.0.0.1:${await gateway.port}/graphql`;
        return {
          url,
          pid: gateway.child.pid!,
          pids: withChildren(gateway.child.pid!),
          measured: (from, to) => markMeasured(gateway.profileDir, from, to),
          stop: () => stop(gateway.child),
        };
      },
      handOut: (secret) => handedOut.push(secret),
      quiet: () => quiet(callsNow),
      log,
    };
    const timedOptions = {
      short: options.short,
      warmupS: options.warmupS,
      durationS: options.durationS,
      neighbourS: options.neighbourS ?? 20,
      pollingS: options.pollingS ?? 60,
      pollingConnections: options.pollingConnections ?? 200,
    };
    const timed: TimedResult[] = [];
    for (const name of timedScenarios) {
      log(`${name}: timed scenario`);
      timed.push(
        name === LIVE
          ? await liveUpdates(harness, { subscribers: options.liveSubscribers ?? 500, durationS: options.liveS ?? 60 })
          : await runTimedScenario(name, harness, timedOptions),
      );
    }
    return {
      report: {
        ...reportOf(options),
        results,
        timed,
        ...(observability ? { observed: observability.seen() } : {}),
      },
      gatewayOutput: gateways.map((run) => `== gateway ${run.name}\n${run.output()}`).join('\n'),
      secrets: handedOut,
    };
  } finally {
    sandboxProcess.disconnect();
    ceilingProcess?.disconnect();
    await observability?.close();
    await redis?.close();
    await Promise.all([
      stop(sandboxProcess),
      ...(ceilingProcess ? [stop(ceilingProcess)] : []),
      ...gateways.map((run) => stop(run.child)),
    ]);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The target's first request, alone, which must get the answer the scenario asks for. */
async function firstRequest(target: Target, scenario: Scenario): Promise<void> {
  const response = await fetch(target.url, { method: 'POST', headers: GRAPHQL_HEADERS, body: scenario.body });
  const problem = scenario.check((await response.json()) as { data?: unknown; errors?: unknown[] });
  if (problem) throw new Error(`${scenario.name}: the response is wrong: ${problem}`);
}

function totalCalls(calls: UpstreamCalls): number {
  const aws = [...Object.values(calls.aws), ...Object.values(calls.ownAws)].reduce((sum, count) => sum + count, 0);
  const sailPoint = Object.values(calls.sailPoint).reduce(
    (sum, tenant) => sum + Object.values(tenant).reduce((inner, count) => inner + count, 0),
    0,
  );
  return aws + sailPoint;
}

function perOp(calls: UpstreamCalls, operations: number): CallsPerOp {
  const tenants = Object.values(calls.sailPoint);
  const lists = (tenant: Record<string, number>) => (tenant.listBackups ?? 0) + (tenant.listUploads ?? 0);
  const per = (count: number) => (operations > 0 ? count / operations : Number.NaN);
  return {
    ListBackupJobs: per(calls.aws.ListBackupJobs ?? 0),
    DescribeBackupJob: per(calls.aws.DescribeBackupJob ?? 0),
    sailPointLists: per(tenants.reduce((sum, tenant) => sum + lists(tenant), 0)),
    sailPointTokens: per(tenants.reduce((sum, tenant) => sum + (tenant.token ?? 0), 0)),
    busiestTenantLists: per(Math.max(0, ...tenants.map(lists))),
  };
}

/** A report of no scenario yet: when it was made, with what options, on what machine. */
export function reportOf(options: BenchOptions): BenchReport {
  const { log: _log, ...recorded } = options;
  return { startedAt: new Date().toISOString(), options: recorded, machine: { cpus: availableParallelism(), node: process.version }, results: [], timed: [] };
}

export function writeReport(report: BenchReport, path: string): void {
  writeText(path, `${JSON.stringify(report, null, 2)}\n`);
}

/** Writes a file, making its folder first. */
export function writeText(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/**
 * Writes a profiled gateway's measured phase (from and to, performance.now() of this process) beside
 * its profiles, on the monotonic clock V8 stamps profiles with, so that it holds for every process of
 * the gateway (its workers start later than it); the summary keeps that phase only.
 */
function markMeasured(profileDir: string | undefined, from: number, to: number): void {
  if (!profileDir) return;
  const offset = Number(process.hrtime.bigint()) / 1e6 - performance.now();
  const window: ProfileWindow = { fromMs: from + offset, toMs: to + offset };
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(join(profileDir, 'window.json'), JSON.stringify(window));
}
