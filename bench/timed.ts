// The timed scenarios, each against gateways of its own and driven by the bench's own load loop (or
// autocannon): a noisy neighbour beside a dashboard user, clients paging through the whole list at
// once, dashboards polling for a minute, the same polling on three replicas sharing a redis-server,
// and one gateway on every core against one worker.
// Each judges its targets from what the sandbox counted and what the clients got.
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsSourceConfig } from '../src/aws/config.js';
import { parseSecurity, type SourceConfig } from '../src/config/index.js';
import { availableCores } from '../src/config/workers.js';
import type { Attack } from './attacker-process.js';
import { load, percentile, send, type LoadResult } from './clients.js';
import { Questioner } from './ipc.js';
import { measure, type Measurement } from './measure.js';
import { cpuMs, GRAPHQL_HEADERS, readyMessage, spawnTs, startBenchRedis, stop } from './processes.js';
import type { SandboxReady, UpstreamCalls } from './sandbox-process.js';
import { awsGlobalId, buildScenarios, refreshesWithin, sailPointGlobalId, type Scenario } from './scenarios.js';

export const TIMED_SCENARIOS = ['noisy-neighbour', 'traversal', 'polling', 'replicas', 'all-cores'] as const;

/**
 * The timed scenarios a short run has, each cut to a few seconds with counts that are exact or
 * bounded. Not replicas: it needs a redis-server, and test/replicas.test.ts covers sharing in the suite;
 * nor all-cores, which measures throughput (test/workers.test.ts covers the workers' sharing).
 */
export const SHORT_TIMED_SCENARIOS: readonly string[] = ['noisy-neighbour', 'traversal', 'polling'];

export interface TimedOptions {
  short: boolean;
  /** Seconds of autocannon load before and during a measurement (all-cores' throughput, as the table's). */
  warmupS: number;
  durationS: number;
  /** Seconds of each phase of the noisy neighbour (the victim alone, then beside the attacker). */
  neighbourS: number;
  /** Seconds of polling, for the polling and replicas scenarios. */
  pollingS: number;
  pollingConnections: number;
}

export interface Verdict {
  met: boolean;
  text: string;
  /**
   * A count or correctness target, which fails the run when missed. Timing targets (latency,
   * throughput) are reported only: the machine may be shared, and its noise is not the gateway's.
   */
  gate: boolean;
}

export interface TimedResult {
  scenario: string;
  title: string;
  /** What was measured, for the JSON report. */
  figures: Record<string, unknown>;
  /** What was measured, as printed. */
  lines: string[];
  verdicts: Verdict[];
}

export interface StartedGateway {
  url: string;
  pid: number;
  /** The gateway's process and its workers, if it has any. */
  pids: number[];
  /** Marks the phase its figures come from (performance.now() of the bench), for the profile summary of a profiled run. */
  measured(from: number, to: number): void;
  stop(): Promise<void>;
}

/** What the run lends a timed scenario. */
export interface TimedHarness {
  fixtures: SandboxReady;
  /** The sandbox's sources as the run configures them (a short run's fresh for a minute). */
  sources: SourceConfig[];
  /** The own-account AWS source, configured likewise. */
  ownSource: AwsSourceConfig;
  sandbox: Questioner;
  /** Starts the real gateway over this configuration; the run scans its output for secrets and stops it at the end. */
  startGateway(name: string, config: { sources: SourceConfig[]; security?: unknown }, env?: NodeJS.ProcessEnv): Promise<StartedGateway>;
  /** A credential handed to a gateway, which no gateway output may hold. */
  handOut(secret: string): void;
  /** Waits until no upstream call has come for a second; returns when the last one came (performance.now()). */
  quiet(): Promise<number>;
  log(line: string): void;
}

export async function runTimedScenario(name: string, harness: TimedHarness, options: TimedOptions): Promise<TimedResult> {
  switch (name) {
    case 'noisy-neighbour':
      return noisyNeighbour(harness, options);
    case 'traversal':
      return traversal(harness, options.short ? SHORT_TRAVERSAL_CLIENTS : TRAVERSAL_CLIENTS);
    case 'polling':
      return polling(harness, options);
    case 'replicas':
      return replicas(harness, options);
    case 'all-cores':
      return allCores(harness, options);
    default:
      throw new Error(`Unknown timed scenario ${name}`);
  }
}

const round = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const verdict = (met: boolean, text: string, gate = true): Verdict => ({ met, text, gate });

function dashboardOf(fixtures: SandboxReady): Scenario {
  return buildScenarios(fixtures).find((scenario) => scenario.name === 'dashboard')!;
}

/** The scenario's first request, alone, which must get the answer it asks for. */
async function firstAnswer(url: string, scenario: Scenario, headers: Record<string, string> = {}): Promise<void> {
  const answer = await send(url, scenario.body, { ...GRAPHQL_HEADERS, ...headers });
  const problem = 'lost' in answer ? `no answer (${answer.lost})` : scenario.check(JSON.parse(answer.body) as { data?: unknown; errors?: unknown[] });
  if (problem) throw new Error(`${scenario.name}: the response is wrong: ${problem}`);
}

/** A load loop's answers in one line: how many, how many with errors (by code) or lost, and the latency. */
function describeLoad(result: LoadResult): string {
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  const codes = Object.entries(result.errorsByCode).map(([code, count]) => `${code} ${count}`).join(', ');
  return (
    `${result.answered} answers in ${round(result.elapsedS)} s (${round(result.answered / result.elapsedS)}/s), ` +
    `${result.answersWithErrors} with errors${codes ? ` (${codes})` : ''}, ${result.non2xx} non-2xx, ${result.lost} lost; ` +
    `p50 ${round(percentile(sorted, 0.5), 0)} ms, p99 ${round(percentile(sorted, 0.99), 0)} ms`
  );
}

/** CPU time as a share of one core: the gateways' (each serves on one thread) and the load loop's, which shares the machine with them. */
interface CpuShares {
  gateways: number;
  loadLoop: number;
}

/** What `run` returns, and the CPU time spent while it ran; the load loop's counts this process and the client processes'. */
async function withCpu<T>(pids: readonly number[], run: () => Promise<T>, clientPids: readonly number[] = []): Promise<{ value: T; cpu: CpuShares }> {
  const used = (of: readonly number[]) => of.reduce((sum, pid) => sum + cpuMs(pid), 0);
  const [before, clientsBefore, ownBefore, startedAt] = [used(pids), used(clientPids), process.cpuUsage(), performance.now()];
  const value = await run();
  const own = process.cpuUsage(ownBefore);
  const elapsedMs = performance.now() - startedAt;
  const loadLoopMs = (own.user + own.system) / 1000 + used(clientPids) - clientsBefore;
  return { value, cpu: { gateways: (used(pids) - before) / elapsedMs, loadLoop: loadLoopMs / elapsedMs } };
}

const percent = (share: number) => `${round(share * 100, 0)}%`;
const describeCpu = (cpu: CpuShares) => `CPU of the gateway(s) ${percent(cpu.gateways)} of a core, of the load loop ${percent(cpu.loadLoop)}`;

function p99(result: LoadResult): number {
  return percentile([...result.latenciesMs].sort((a, b) => a - b), 0.99);
}

function cleanAnswers(who: string, result: LoadResult): Verdict {
  return verdict(
    result.answered > 0 && result.answersWithErrors === 0 && result.non2xx === 0 && result.lost === 0,
    `${who}: ${result.answered} answers, ${result.answersWithErrors} with errors, ${result.non2xx} non-2xx, ${result.lost} lost (target: none)`,
  );
}

/** The list calls one refresh of an AWS source makes: a page per thousand jobs of its list. */
function awsPagesOf(fixtures: SandboxReady, sourceName: string): number {
  return Math.max(1, Math.ceil(fixtures.aws.filter((job) => job.sourceName === sourceName).length / 1000));
}

/**
 * Each source's list calls against the most its freshness allows from the reset to the last call
 * (`ms`): refreshesWithin(ms, refreshAfterMs) refreshes, each listing an AWS source page by page and a
 * SailPoint tenant once per collection. The sandbox's organization-wide sources never describe.
 */
function freshnessVerdicts(harness: TimedHarness, calls: UpstreamCalls, ms: number, who: string): { verdicts: Verdict[]; lines: string[] } {
  const verdicts: Verdict[] = [];
  const lines: string[] = [];
  for (const source of harness.sources) {
    const { refreshAfterMs } = source.freshness;
    const refreshes = refreshesWithin(ms, refreshAfterMs);
    const formula = `floor(${round(ms, 0)} ms / ${refreshAfterMs} ms) + 1 = ${refreshes} refreshes`;
    const counted = calls.bySource[source.name] ?? {};
    if (source.kind === 'aws') {
      const bound = refreshes * awsPagesOf(harness.fixtures, source.name);
      const lists = counted.ListBackupJobs ?? 0;
      const describes = counted.DescribeBackupJob ?? 0;
      verdicts.push(verdict(lists <= bound && describes === 0, `${who}: ${source.name} ${lists} ListBackupJobs, ${describes} DescribeBackupJob (target: at most ${bound} lists, ${formula}, and no Describe)`));
    } else {
      const lists = { backups: counted.listBackups ?? 0, uploads: counted.listUploads ?? 0 };
      verdicts.push(
        verdict(
          lists.backups <= refreshes && lists.uploads <= refreshes,
          `${who}: ${source.name} ${lists.backups} backup lists, ${lists.uploads} upload lists (target: at most one per collection per refresh, ${formula})`,
        ),
      );
      lines.push(`${who}: ${source.name} token calls ${counted.token ?? 0}`);
    }
  }
  return { verdicts, lines };
}

/** Sum of every source's calls. */
function totalOf(calls: UpstreamCalls): number {
  return Object.values(calls.bySource).reduce((sum, operations) => sum + Object.values(operations).reduce((inner, count) => inner + count, 0), 0);
}

const ATTACKER_CONNECTIONS = 10;
/**
 * The attack runs this long before the victim's second phase starts, so that the phase measures a
 * steady attack: the gateway's first answers of 200 refused lookups each (code V8 has not compiled
 * yet, the attacker's first share of Describe calls) stalled its event loop for up to 130 ms.
 */
const ATTACK_HEAD_START_S = 2;
const ATTACK_IDS = 200;
/**
 * The victim asks for its dashboard 20 times a second: a phase of the default 20 s holds 400
 * answers, so that its p99 is a percentile (the 5th slowest) and not one stall.
 */
const VICTIM_INTERVAL_MS = 50;
/** A phase that falls this many times behind its duration ends there, short of its answers (and fails the count). */
const VICTIM_BACKSTOP = 3;

const sha256 = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

async function noisyNeighbour(harness: TimedHarness, options: TimedOptions): Promise<TimedResult> {
  const keys = { victim: `bgk_${randomBytes(16).toString('hex')}`, attacker: `bgk_${randomBytes(16).toString('hex')}` };
  Object.values(keys).forEach((key) => harness.handOut(key));
  // Two API keys make two callers, each with its own share of upstream reads.
  const security = { auth: { apiKeys: Object.entries(keys).map(([name, key]) => ({ name, sha256: sha256(key), sources: ['*'] })) } };
  const { callerBudget } = parseSecurity(security).limits;
  const sources = [...harness.sources, harness.ownSource];
  const dashboard = dashboardOf(harness.fixtures);
  const durationS = options.short ? 2 : options.neighbourS;
  const gateway = await harness.startGateway('noisy-neighbour', { sources, security });
  const attackerChild = spawnTs('bench/attacker-process.ts', { ipc: true });
  try {
    const attackerProcess = { pid: attackerChild.pid!, questions: new Questioner(attackerChild) };
    await readyMessage(attackerChild, 'the attacker process');
    // The same number of answers in both phases, however the attacker slows them.
    const victimRequests = Math.round((durationS * 1000) / VICTIM_INTERVAL_MS);
    const victim = () =>
      load({
        url: () => gateway.url,
        connections: 1,
        intervalMs: VICTIM_INTERVAL_MS,
        requests: victimRequests,
        durationS: durationS * VICTIM_BACKSTOP,
        headers: { 'x-api-key': keys.victim },
        body: () => dashboard.body,
      });
    // The victim's first dashboard fills every read model: both phases then see the same steady state.
    await firstAnswer(gateway.url, dashboard, { 'x-api-key': keys.victim });
    harness.log(`noisy-neighbour: the victim alone, ${durationS} s`);
    const { value: alone, cpu: aloneCpu } = await withCpu([gateway.pid], victim);
    await harness.quiet();
    await harness.sandbox.ask('reset');
    harness.log(`noisy-neighbour: the attacker on ${ATTACKER_CONNECTIONS} connections, then the victim beside it for ${durationS} s`);
    const attackStartedAt = performance.now();
    const headStartS = options.short ? 0.5 : ATTACK_HEAD_START_S;
    const attack: Attack = {
      url: gateway.url,
      apiKey: keys.attacker,
      connections: options.short ? 2 : ATTACKER_CONNECTIONS,
      // Until the victim has its answers (asked to stop then), within the victim's backstop.
      durationS: headStartS + durationS * VICTIM_BACKSTOP,
      sourceName: harness.ownSource.name,
      ids: ATTACK_IDS,
    };
    const attacking = attackerProcess.questions.ask<LoadResult>('attack', attack);
    await sleep(headStartS * 1000);
    const besideFrom = performance.now();
    const { value: beside, cpu: besideCpu } = await withCpu([gateway.pid], victim, [attackerProcess.pid]);
    gateway.measured(besideFrom, performance.now());
    await attackerProcess.questions.ask('stop');
    const attacker = await attacking;
    const attackMs = (await harness.quiet()) - attackStartedAt;
    const calls = await harness.sandbox.ask<UpstreamCalls>('calls');
    const windows = Object.fromEntries(sources.map((source) => [source.name, source.budget.perSeconds * 1000]));
    const peaks = await harness.sandbox.ask<Record<string, number | null>>('peaks', windows);
    const throttled = await harness.sandbox.ask<number>('throttled');

    const describes = calls.ownAws.DescribeBackupJob ?? 0;
    // Only the attacker asks for jobs no list holds. Its share is counted in fixed windows that
    // start with its first read, so the attack spans at most floor(ms / window) + 1 of them.
    const describeBound = callerBudget.calls * (Math.floor(attackMs / (callerBudget.perSeconds * 1000)) + 1);
    const rateLimited = attacker.errorsByCode.RATE_LIMITED ?? 0;
    const verdicts: Verdict[] = [
      cleanAnswers('victim alone', alone),
      cleanAnswers('victim beside the attacker', beside),
      verdict(
        alone.answered === victimRequests && beside.answered === victimRequests,
        `victim: ${alone.answered} answers alone, ${beside.answered} beside the attacker (target: ${victimRequests} in each)`,
      ),
      verdict(rateLimited > 0, `attacker: ${rateLimited} of ${attacker.answered} answers carry RATE_LIMITED, ${attacker.withRetryAfter} with Retry-After (target: RATE_LIMITED)`),
      verdict(
        describes <= describeBound,
        `attacker: ${describes} DescribeBackupJob calls in ${round(attackMs / 1000)} s (target: at most its share, ${callerBudget.calls} per ${callerBudget.perSeconds} s window: ${describeBound})`,
      ),
      ...sources.map((source) => {
        const peak = peaks[source.name] ?? Number.NaN;
        return verdict(
          peak <= source.budget.calls,
          `${source.name}: at most ${peak} calls in any ${source.budget.perSeconds} s (target: its budget, ${source.budget.calls})`,
        );
      }),
      verdict(throttled === 0, `SailPoint: ${throttled} answers 429 (target: none)`),
    ];
    if (!options.short) {
      verdicts.push(verdict(p99(beside) <= 2 * p99(alone), `victim: p99 ${round(p99(beside), 0)} ms beside the attacker, ${round(p99(alone), 0)} ms alone, ${round(p99(beside) / p99(alone), 2)} times (target: at most twice)`, false));
    }
    return {
      scenario: 'noisy-neighbour',
      title: `a victim's dashboard every ${VICTIM_INTERVAL_MS} ms, alone and beside an attacker flooding SailPoint pages and _entities of ${ATTACK_IDS} unknown own-account ids`,
      figures: { durationS, attackMs, alone, beside, attacker, aloneCpu, besideCpu, calls, peaks, throttled, describeBound, callerBudget },
      lines: [
        `victim alone: ${describeLoad(alone)}; ${describeCpu(aloneCpu)}`,
        `victim beside the attacker: ${describeLoad(beside)}; ${describeCpu(besideCpu)}`,
        `attacker: ${describeLoad(attacker)}`,
      ],
      verdicts,
    };
  } finally {
    attackerChild.disconnect();
    await Promise.all([gateway.stop(), stop(attackerChild)]);
  }
}

/** Clients paging at once (a short run: 3, which still overlap). */
const TRAVERSAL_CLIENTS = 10;
const SHORT_TRAVERSAL_CLIENTS = 3;
const TRAVERSAL_PAGE = 7;
const PAGE_QUERY = `query Page($after: String) { backupJobs(first: ${TRAVERSAL_PAGE}, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`;

interface Traversal {
  ids: string[];
  pages: number;
  /** Error codes of pages that carried errors. */
  errors: string[];
}

/** One client paging through the whole list, one page after another, until no next page is left. */
async function traverse(url: string, maxPages: number): Promise<Traversal> {
  const result: Traversal = { ids: [], pages: 0, errors: [] };
  let after: string | null = null;
  while (result.pages < maxPages) {
    const answer = await send(url, JSON.stringify({ query: PAGE_QUERY, variables: { after } }));
    result.pages++;
    if ('lost' in answer) throw new Error(`traversal: page ${result.pages} got no answer (${answer.lost})`);
    const body = JSON.parse(answer.body) as {
      data?: { backupJobs?: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };
      errors?: { extensions?: { code?: string } }[];
    };
    result.errors.push(...(body.errors ?? []).map((error) => String(error.extensions?.code)));
    const connection = body.data?.backupJobs;
    if (!connection) throw new Error(`traversal: page ${result.pages} has no data: ${answer.body.slice(0, 300)}`);
    result.ids.push(...connection.edges.map((edge) => edge.node.id));
    if (!connection.pageInfo.hasNextPage) return result;
    after = connection.pageInfo.endCursor;
  }
  throw new Error(`traversal: still a next page after ${maxPages} pages`);
}

async function traversal(harness: TimedHarness, clients: number): Promise<TimedResult> {
  const { fixtures } = harness;
  const expected = new Set([...fixtures.aws.map(awsGlobalId), ...fixtures.sailPoint.map(sailPointGlobalId)]);
  const gateway = await harness.startGateway('traversal', { sources: harness.sources });
  try {
    await harness.sandbox.ask('reset');
    const startedAt = performance.now();
    harness.log(`traversal: ${clients} clients paging by ${TRAVERSAL_PAGE} through ${expected.size} jobs`);
    const runs = await Promise.all(Array.from({ length: clients }, () => traverse(gateway.url, 2 * Math.ceil(expected.size / TRAVERSAL_PAGE) + 10)));
    const tookMs = performance.now() - startedAt;
    const ms = (await harness.quiet()) - startedAt;
    const calls = await harness.sandbox.ask<UpstreamCalls>('calls');
    const perClient = runs.map((run) => {
      const seen = new Set(run.ids);
      return {
        pages: run.pages,
        delivered: run.ids.length,
        duplicates: run.ids.length - seen.size,
        missing: [...expected].filter((id) => !seen.has(id)).length,
        unexpected: [...seen].filter((id) => !expected.has(id)).length,
        errors: run.errors.length,
      };
    });
    const exact = perClient.filter((client) => client.delivered === expected.size && client.duplicates + client.missing + client.unexpected + client.errors === 0).length;
    const { verdicts, lines } = freshnessVerdicts(harness, calls, ms, 'upstream');
    return {
      scenario: 'traversal',
      title: `${clients} clients at once page through the whole list with first: ${TRAVERSAL_PAGE}`,
      figures: { jobs: expected.size, tookMs, callsMs: ms, perClient, calls },
      lines: [
        `${clients} traversals of ${perClient[0]?.pages ?? 0} pages each took ${round(tookMs / 1000, 2)} s together`,
        ...lines,
      ],
      verdicts: [
        verdict(
          exact === clients,
          `${exact} of ${clients} clients got each of the sandbox's ${expected.size} jobs exactly once, on pages without errors (delivered: ${perClient.map((client) => client.delivered).join(', ')})`,
        ),
        ...verdicts,
      ],
    };
  } finally {
    await gateway.stop();
  }
}

/** Each connection asks for the dashboard every two seconds (a short run: twice a second, for far fewer). */
const POLL_INTERVAL_MS = 2_000;

interface Polled {
  result: LoadResult;
  cpu: CpuShares;
  calls: UpstreamCalls;
  /** From the reset of the call counts to the last upstream call. */
  ms: number;
}

/** Dashboards polled on the gateways (the connections spread over them in turn), from a cold start; what the clients got and what the sandbox counted. */
async function pollDashboards(harness: TimedHarness, gateways: readonly StartedGateway[], options: TimedOptions): Promise<Polled> {
  const dashboard = dashboardOf(harness.fixtures);
  await harness.sandbox.ask('reset');
  const startedAt = performance.now();
  const { value: result, cpu } = await withCpu(
    gateways.flatMap((gateway) => gateway.pids),
    () =>
      load({
        url: (connection) => gateways[connection % gateways.length]!.url,
        connections: options.short ? 20 : options.pollingConnections,
        intervalMs: options.short ? 500 : POLL_INTERVAL_MS,
        durationS: options.short ? 3 : options.pollingS,
        body: () => dashboard.body,
      }),
  );
  const ms = (await harness.quiet()) - startedAt;
  return { result, cpu, calls: await harness.sandbox.ask<UpstreamCalls>('calls'), ms };
}

function pollingTitle(options: TimedOptions, where: string): string {
  return options.short
    ? `20 connections ask for the dashboard every 500 ms for 3 s ${where}`
    : `${options.pollingConnections} connections ask for the dashboard every ${POLL_INTERVAL_MS / 1000} s for ${options.pollingS} s ${where}`;
}

async function polling(harness: TimedHarness, options: TimedOptions): Promise<TimedResult> {
  const gateway = await harness.startGateway('polling', { sources: harness.sources });
  try {
    harness.log(`polling: ${pollingTitle(options, 'on one gateway')}`);
    const { result, cpu, calls, ms } = await pollDashboards(harness, [gateway], options);
    const { verdicts, lines } = freshnessVerdicts(harness, calls, ms, 'upstream');
    return {
      scenario: 'polling',
      title: pollingTitle(options, 'on one gateway'),
      figures: { result, cpu, calls, callsMs: ms },
      lines: [`dashboards: ${describeLoad(result)}; ${describeCpu(cpu)}`, `upstream calls: ${totalOf(calls)} in ${round(ms / 1000)} s`, ...lines],
      verdicts: [cleanAnswers('dashboards', result), ...verdicts],
    };
  } finally {
    await gateway.stop();
  }
}

const REPLICAS = 3;

async function replicas(harness: TimedHarness, options: TimedOptions): Promise<TimedResult> {
  /** The polling on `count` replicas sharing a redis-server of their own, started and stopped with them. */
  const pass = async (count: number): Promise<Polled> => {
    const redis = await startBenchRedis('replicas');
    try {
      const gateways = await Promise.all(
        Array.from({ length: count }, (_, index) => harness.startGateway(`replicas-${count}x-${index + 1}`, { sources: harness.sources }, { REDIS_URL: redis.url })),
      );
      try {
        harness.log(`replicas: ${pollingTitle(options, `on ${count} replica(s) sharing Redis`)}`);
        return await pollDashboards(harness, gateways, options);
      } finally {
        await Promise.all(gateways.map((gateway) => gateway.stop()));
      }
    } finally {
      await redis.close();
    }
  };
  const one = await pass(1);
  const many = await pass(REPLICAS);
  const oneChecks = freshnessVerdicts(harness, one.calls, one.ms, '1 replica');
  const manyChecks = freshnessVerdicts(harness, many.calls, many.ms, `${REPLICAS} replicas`);
  const [oneTotal, manyTotal] = [totalOf(one.calls), totalOf(many.calls)];
  return {
    scenario: 'replicas',
    title: pollingTitle(options, `on ${REPLICAS} replicas sharing a redis-server, against one replica on its own redis-server`),
    figures: { one, many, replicas: REPLICAS },
    lines: [
      `1 replica: ${describeLoad(one.result)}; ${describeCpu(one.cpu)}`,
      `${REPLICAS} replicas: ${describeLoad(many.result)}; ${describeCpu(many.cpu)} (the gateways together)`,
      `upstream calls: ${oneTotal} on 1 replica in ${round(one.ms / 1000)} s, ${manyTotal} on ${REPLICAS} replicas in ${round(many.ms / 1000)} s (ratio ${round(manyTotal / oneTotal, 2)})`,
      ...oneChecks.lines,
      ...manyChecks.lines,
    ],
    verdicts: [cleanAnswers('1 replica', one.result), cleanAnswers(`${REPLICAS} replicas`, many.result), ...oneChecks.verdicts, ...manyChecks.verdicts],
  };
}

/** The all-cores throughput: the dashboard at the table's busiest connection count. */
const ALL_CORES_CONNECTIONS = 50;
/** Workers of the all-cores upstream cost, against one. */
const COST_WORKERS = 3;

async function allCores(harness: TimedHarness, options: TimedOptions): Promise<TimedResult> {
  const cores = availableCores();
  const dashboard = dashboardOf(harness.fixtures);
  /** A gateway of `workers` workers, for `use`, stopped after it. */
  const onWorkers = async <T>(workers: number, what: string, use: (gateway: StartedGateway) => Promise<T>): Promise<T> => {
    const gateway = await harness.startGateway(`all-cores-${what}-${workers}w`, { sources: harness.sources }, { WORKERS: String(workers) });
    try {
      return await use(gateway);
    } finally {
      await gateway.stop();
    }
  };
  const throughput = (workers: number) =>
    onWorkers(workers, 'throughput', async (gateway): Promise<Measurement> => {
      harness.log(`all-cores: the dashboard at ${ALL_CORES_CONNECTIONS} connections on ${workers} worker(s)`);
      await firstAnswer(gateway.url, dashboard);
      const target = { url: gateway.url, pid: gateway.pid, pids: gateway.pids, quietCheck: async () => totalOf(await harness.sandbox.ask<UpstreamCalls>('calls')) };
      const measured = await measure(target, dashboard, ALL_CORES_CONNECTIONS, { short: false, warmupS: options.warmupS, durationS: options.durationS }, () => harness.sandbox.ask('reset'));
      gateway.measured(measured.from, measured.to);
      return measured.measurement;
    });
  const cost = (workers: number) =>
    onWorkers(workers, 'cost', (gateway) => {
      harness.log(`all-cores: ${pollingTitle(options, `on ${workers} worker(s)`)}`);
      return pollDashboards(harness, [gateway], options);
    });

  const one = await throughput(1);
  const all = await throughput(cores);
  const speedup = all.requestsPerSecond / one.requestsPerSecond;
  // On loopback the load generator takes its CPU from the same cores: at most cores / (the gateway's
  // and the generator's CPU per answer) answers a second, whatever the workers could do.
  const bound = (cores * 1000) / (all.cpuMsPerOp + all.loadCpuMsPerOp);
  // Answers per second of the gateway's CPU on every core against on one: what the workers add or lose per answer.
  const cpuScaling = one.cpuMsPerOp / all.cpuMsPerOp;
  const alone = await cost(1);
  const many = await cost(COST_WORKERS);
  const [aloneTotal, manyTotal] = [totalOf(alone.calls), totalOf(many.calls)];
  // Per second of calls: refreshes follow the clock, and a loaded machine may stretch one poll's last answers longer than the other's.
  const costRatio = manyTotal / many.ms / (aloneTotal / alone.ms);
  const served = (workers: number, measurement: Measurement) =>
    `dashboard at ${ALL_CORES_CONNECTIONS}c on ${workers} worker(s): ${round(measurement.requestsPerSecond)} req/s, p50 ${round(measurement.p50Ms, 0)} ms, p99 ${round(measurement.p99Ms, 0)} ms, CPU ${round(measurement.cpuMsPerOp, 2)} ms/op (every process of the gateway) and ${round(measurement.loadCpuMsPerOp, 2)} ms/op of the load generator, ${measurement.failed} failed`;
  return {
    scenario: 'all-cores',
    title: `one gateway on every core (${cores} workers, what WORKERS=auto starts here) against one worker; then ${pollingTitle(options, `on 1 worker and on ${COST_WORKERS}`)}, for what they cost the upstreams`,
    figures: { cores, one, all, speedup, bound, cpuScaling, alone, many, costWorkers: COST_WORKERS, costRatio },
    lines: [
      served(1, one),
      served(cores, all),
      `bound on this machine: ${cores} cores / (${round(all.cpuMsPerOp, 2)} + ${round(all.loadCpuMsPerOp, 2)} ms/op) = ${round(bound)} req/s, ${round(bound / one.requestsPerSecond, 2)}x one worker's rate`,
      `CPU-normalized scaling: ${round(1000 / all.cpuMsPerOp)} answers per gateway CPU second on ${cores} workers against ${round(1000 / one.cpuMsPerOp)} on 1 (${round(cpuScaling, 2)}x)`,
      `polled on 1 worker: ${describeLoad(alone.result)}; ${describeCpu(alone.cpu)}`,
      `polled on ${COST_WORKERS} workers: ${describeLoad(many.result)}; ${describeCpu(many.cpu)} (every process of the gateway)`,
      `upstream calls: ${aloneTotal} on 1 worker in ${round(alone.ms / 1000)} s, ${manyTotal} on ${COST_WORKERS} workers in ${round(many.ms / 1000)} s`,
    ],
    verdicts: [
      verdict(one.failed === 0 && all.failed === 0, `dashboard at ${ALL_CORES_CONNECTIONS}c: ${one.failed} failed on 1 worker, ${all.failed} on ${cores} (target: none)`),
      verdict(
        speedup >= 1.6,
        `dashboard at ${ALL_CORES_CONNECTIONS}c: ${round(speedup, 2)}x one worker's rate on ${cores} workers (${round(all.requestsPerSecond)} over ${round(one.requestsPerSecond)} req/s; target 1.6; at most ${round(bound / one.requestsPerSecond, 2)}x beside the load generator on this machine, ${round(cpuScaling, 2)}x the answers per gateway CPU second)`,
        false,
      ),
      cleanAnswers('1 worker polled', alone.result),
      cleanAnswers(`${COST_WORKERS} workers polled`, many.result),
      verdict(
        costRatio <= 1.1,
        `upstream calls per second: ${COST_WORKERS} workers cost ${round(costRatio, 2)}x one (${manyTotal} in ${round(many.ms / 1000)} s over ${aloneTotal} in ${round(alone.ms / 1000)} s; target at most 1.1)`,
      ),
    ],
  };
}
