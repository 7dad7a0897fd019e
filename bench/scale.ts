// The scale scenario: the real gateway against the AWS sandbox's large generated organization at
// growing sizes (1 Region of 10^3 to 10^6 jobs, then several Regions), each size with a sandbox
// and a gateway of its own; per size, how soon the first page is whole and the window read, what
// a page, a deep page, 50 lookups and a count cost, what a refresh costs upstream, and the
// gateway's memory. Opt-in (`--scenario scale`): it takes minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { parseSource, type SourceConfig } from '../src/config/index.js';
import { LIST_WINDOW_MS } from '../src/sandbox/aws/index.js';
import type { RedisServer } from '../test/support/redis.js';
import { send } from './clients.js';
import { Questioner } from './ipc.js';
import { benchNow, cpuMs, readyMessage, RssSampler, rssMb, secretsHandedOut, spawnGateway, spawnTs, startBenchRedis, stop, writeGatewayConfig } from './processes.js';
import { measure, quiet, type Measurement, type Target } from './measure.js';
import type { ScaleSandboxReady } from './scale-sandbox-process.js';
import type { Verdict } from './timed.js';

export interface ScaleOptions {
  /** Jobs in the 30-day window of the one-Region runs, one run each. */
  jobs: number[];
  /** Region counts; 1 runs each of `jobs`, any other one run of `regionJobs` per Region. */
  regions: number[];
  /** Jobs per Region of the runs of several Regions. */
  regionJobs: number;
  /** Seconds of each first-page load (after 1 s of warm-up); the deep page, lookups and count get half of it (after 0.5 s). */
  windowS: number;
  /** Refreshes measured at steady state, per size. */
  refreshes: number;
  /** The gateway keeps its shared state in a redis-server the run starts, whose memory per job is then measured. */
  redis: boolean;
  /** The sources' retainedWindowHours; absent, their default. */
  retainedHours?: number;
  log: (line: string) => void;
}

export interface ScaleSize {
  regions: number;
  jobsPerRegion: number;
}

export interface ScaleResult extends ScaleSize {
  totalJobs: number;
  /** The sandbox's own start, generation of the organization included. */
  sandboxStartMs: number;
  /** From the gateway's spawn until it listened. */
  gatewayListenMs: number;
  /** From the gateway's spawn until a first page of 20 jobs came with every source's part complete. */
  firstPageMs: number;
  /** ListBackupJobs calls until then, every Region together. */
  firstPageLists: number;
  /** From the gateway's spawn until every source was read in full (no completeAfter left). */
  filledMs: number;
  /** ListBackupJobs calls until then, every Region together. */
  fillLists: number;
  /** CPU time (user and system) the gateway and the sandbox spent from the spawn until then. */
  fillCpuMs: { gateway: number; sandbox: number };
  /** The unfiltered totalCount once filled. */
  totalCount: number | null;
  firstPage1: Measurement;
  firstPage50: Measurement;
  deepPage: Measurement;
  lookups: Measurement;
  count: Measurement;
  /** ListBackupJobs calls of one source's refresh at steady state: the mean over the refreshes seen. */
  listsPerRefresh: number;
  /** Refreshes seen (a source with calls after a first page asked for once its read model was due), of those asked for. */
  refreshesSeen: number;
  refreshesAsked: number;
  /** Jobs each Region creates between two refreshes: the organization's rate times refreshAfterMs. */
  jobsCreatedPerRefresh: number;
  /** Gateway RSS once the window was read, with no load. */
  rssAtRestMb: number;
  /** The most RSS the gateway reached under the measured loads. */
  peakRssUnderLoadMb: number;
  /** The most RSS the gateway reached at any time, the first read and the fill included. */
  peakRssMb: number;
  /** With `redis`: the redis-server's used memory over the jobs it holds, once filled. */
  redisBytesPerJob?: number;
}

export interface ScaleReport {
  latencyMs: number;
  accounts: number;
  /** The budget every source was given. */
  budget: { calls: number; perSeconds: number };
  refreshAfterMs: number;
  results: ScaleResult[];
  verdicts: Verdict[];
}

/** Like the real API: AWS answers a ListBackupJobs page in tens of milliseconds. */
const LATENCY_MS = 50;
/** Organizations of this size spread their jobs over many accounts. */
export const ACCOUNTS = 200;
/**
 * 20 calls a second per source: AWS publishes no request rate for the Backup API, and one source
 * lists its pages one after another, at most 20 a second at this latency, so the budget shapes
 * neither the first read nor the fill; it is what a gateway sharing an account's API would allow.
 */
export const BUDGET = { calls: 100, perSeconds: 5 };
/** The default freshness: what a deployment that sets none gets. */
const REFRESH_AFTER_MS = 5_000;
/** A size whose window is not read in full within this long fails the run. */
const FILL_BOUND_MS = 600_000;
const DAY_MS = 24 * 60 * 60 * 1000;

const graphql = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
const FIRST_PAGE = graphql(`{ backupJobs(first: 20) { edges { node { id displayName phase createdAt } } sources { sourceName complete } pageInfo { endCursor } } }`);
const FILL_STATE = graphql(`{ backupJobs(first: 1) { sources { completeAfter } } }`);
const TOTAL = graphql(`{ backupJobs(first: 1) { totalCount } }`);
const NEWEST = graphql(`{ backupJobs(first: 1) { edges { node { createdAt } } } }`);
const RETAINED = `query ($after: DateTime!) { backupJobs(first: 1, filter: { createdAfter: $after }) { totalCount } }`;
/** An AWS source's retainedWindowHours when the configuration sets none. */
const DEFAULT_RETAINED_HOURS = 168;
const IDS = graphql(`{ backupJobs(first: 50) { edges { node { id } } } }`);
const LOOKUPS = `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on AwsBackupJob { backupJobId state createdAt } } }`;
const DEEP_PAGE = `query ($before: DateTime!) { backupJobs(first: 20, filter: { createdBefore: $before }) { edges { node { id createdAt } } pageInfo { endCursor } } }`;
const COUNT = graphql(`{ backupJobs(first: 1, filter: { phases: [FAILED] }) { totalCount } }`);

/** The sizes the options ask for: the one-Region runs by jobs, then the runs of several Regions. */
export function scaleSizes(options: Pick<ScaleOptions, 'jobs' | 'regions' | 'regionJobs'>): ScaleSize[] {
  return options.regions.flatMap((regions) =>
    regions === 1 ? options.jobs.map((jobsPerRegion) => ({ regions, jobsPerRegion })) : [{ regions, jobsPerRegion: options.regionJobs }],
  );
}

/** Runs every size, one after another; returns the report and what the gateways printed, for the secret scan. */
export async function runScale(options: ScaleOptions): Promise<{ report: ScaleReport; gatewayOutput: string; secrets: string[] }> {
  const redis = options.redis ? await startBenchRedis('--redis', 16) : undefined;
  const results: ScaleResult[] = [];
  const outputs: string[] = [];
  const secrets = new Set<string>();
  try {
    for (const [index, size] of scaleSizes(options).entries()) {
      const label = sizeLabel(size);
      options.log(`scale ${label}: sandbox`);
      const { result, output, handedOut } = await runSize(size, options, redis ? { server: redis, database: index } : undefined);
      outputs.push(`== gateway scale ${label}\n${output}`);
      for (const secret of handedOut) secrets.add(secret);
      results.push(result);
      options.log(`scale ${label}: first page ${Math.round(result.firstPageMs)} ms, filled ${Math.round(result.filledMs)} ms, RSS ${Math.round(result.rssAtRestMb)} MiB`);
    }
  } finally {
    await redis?.close();
  }
  return {
    report: { latencyMs: LATENCY_MS, accounts: ACCOUNTS, budget: BUDGET, refreshAfterMs: REFRESH_AFTER_MS, results, verdicts: judgeScale(results) },
    gatewayOutput: outputs.join('\n'),
    secrets: [...secrets],
  };
}

async function runSize(
  size: ScaleSize,
  options: ScaleOptions,
  redis: { server: RedisServer; database: number } | undefined,
): Promise<{ result: ScaleResult; output: string; handedOut: string[] }> {
  const label = sizeLabel(size);
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-scale-'));
  const sandboxProcess = spawnTs('bench/scale-sandbox-process.ts', {
    env: {
      BENCH_NOW: benchNow(),
      BENCH_LATENCY_MS: String(LATENCY_MS),
      BENCH_SCALE_JOBS: String(size.jobsPerRegion),
      BENCH_SCALE_ACCOUNTS: String(ACCOUNTS),
      BENCH_SCALE_REGIONS: String(size.regions),
    },
    ipc: true,
  });
  let gateway: ReturnType<typeof spawnGateway> | undefined;
  const redisClient = redis ? new Redis(`${redis.server.url}/${redis.database}`) : undefined;
  try {
    const ready = await readyMessage<ScaleSandboxReady>(sandboxProcess, 'the scale sandbox process');
    const sandbox = new Questioner(sandboxProcess);
    const lists = () => sandbox.ask<number>('lists');
    const sources: SourceConfig[] = ready.regions.map((region) =>
      parseSource({ kind: 'aws', name: `aws-${region}`, region, accountId: '*', endpoint: ready.url, budget: BUDGET, ...(options.retainedHours ? { retainedWindowHours: options.retainedHours } : {}) }),
    );
    const redisBefore = redisClient ? await usedMemory(redisClient) : 0;

    options.log(`scale ${label}: gateway`);
    await sandbox.ask('reset');
    const sandboxCpuBefore = cpuMs(sandboxProcess.pid!);
    const spawnedAt = performance.now();
    gateway = spawnGateway(writeGatewayConfig(work, { sources }), {
      env: { BENCH_NOW: benchNow(), ...(redis ? { REDIS_URL: `${redis.server.url}/${redis.database}` } : {}) },
    });
    const pid = gateway.child.pid!;
    const overall = new RssSampler(pid);
    const url = `http://127.0.0.1:${await gateway.port}/graphql`;
    const gatewayListenMs = performance.now() - spawnedAt;

    await until(url, FIRST_PAGE, (data) => {
      const page = data.backupJobs as { edges: unknown[]; sources: { complete: boolean }[] };
      return page.edges.length === 20 && page.sources.every((source) => source.complete);
    });
    const firstPageMs = performance.now() - spawnedAt;
    const firstPageLists = await lists();

    options.log(`scale ${label}: filling`);
    await until(url, FILL_STATE, (data) => (data.backupJobs as { sources: { completeAfter: string | null }[] }).sources.every((source) => source.completeAfter === null), 500);
    const filledMs = performance.now() - spawnedAt;
    const fillLists = await lists();
    const fillCpuMs = { gateway: cpuMs(pid), sandbox: cpuMs(sandboxProcess.pid!) - sandboxCpuBefore };
    const totalCount = (await answer(url, TOTAL)).backupJobs.totalCount as number | null;
    await quiet(lists);
    const rssAtRestMb = rssMb(pid);
    const held = redisClient ? (totalCount ?? (await retainedJobs(url, options.retainedHours ?? DEFAULT_RETAINED_HOURS))) : null;
    const redisBytesPerJob = redisClient && held ? ((await usedMemory(redisClient)) - redisBefore) / held : undefined;

    options.log(`scale ${label}: loads`);
    const target: Target = { url, pid, quietCheck: lists };
    const reset = () => sandbox.ask('reset');
    // These loads count no calls: a quarter of a second without one says the refreshes they started are done.
    const window = { short: false, warmupS: 1, durationS: options.windowS, settleMs: 250 };
    const shorter = { ...window, warmupS: 0.5, durationS: Math.max(1, options.windowS / 2) };
    const firstPage1 = (await measure(target, { body: FIRST_PAGE }, 1, window, reset)).measurement;
    const firstPage50 = (await measure(target, { body: FIRST_PAGE }, 50, window, reset)).measurement;
    const before = new Date(Date.now() - 20 * DAY_MS).toISOString();
    const deepPage = (await measure(target, { body: graphql(DEEP_PAGE, { before }) }, 1, shorter, reset)).measurement;
    const ids = ((await answer(url, IDS)).backupJobs as { edges: { node: { id: string } }[] }).edges.map((edge) => edge.node.id);
    const lookups = (await measure(target, { body: graphql(LOOKUPS, { ids }) }, 1, shorter, reset)).measurement;
    const count = (await measure(target, { body: COUNT }, 1, shorter, reset)).measurement;

    options.log(`scale ${label}: refreshes`);
    const refreshes = await refreshCalls(url, sandbox, options.refreshes);
    const loads = [firstPage1, firstPage50, deepPage, lookups, count];
    const result: ScaleResult = {
      ...size,
      totalJobs: size.regions * size.jobsPerRegion,
      sandboxStartMs: ready.startMs,
      gatewayListenMs,
      firstPageMs,
      firstPageLists,
      filledMs,
      fillLists,
      fillCpuMs,
      totalCount,
      firstPage1,
      firstPage50,
      deepPage,
      lookups,
      count,
      listsPerRefresh: refreshes.reduce((sum, calls) => sum + calls, 0) / refreshes.length,
      refreshesSeen: refreshes.length,
      refreshesAsked: options.refreshes * sources.length,
      jobsCreatedPerRefresh: (size.jobsPerRegion * REFRESH_AFTER_MS) / LIST_WINDOW_MS,
      rssAtRestMb,
      peakRssUnderLoadMb: Math.max(...loads.map((load) => load.peakRssMb)),
      peakRssMb: overall.stop(),
      ...(redisBytesPerJob !== undefined ? { redisBytesPerJob } : {}),
    };
    return { result, output: gateway.output(), handedOut: secretsHandedOut(sources) };
  } finally {
    redisClient?.disconnect();
    sandboxProcess.disconnect();
    await Promise.all([stop(sandboxProcess), ...(gateway ? [stop(gateway.child)] : [])]);
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The ListBackupJobs calls of each source's refresh, `refreshes` times: once the read models have
 * grown older than refreshAfterMs with no reader, one first page starts a refresh of every source,
 * whose calls are counted by Region until the upstream is quiet. A Region without calls did not
 * refresh (its read model was not due yet) and counts for nothing.
 */
async function refreshCalls(url: string, sandbox: Questioner, refreshes: number): Promise<number[]> {
  const calls: number[] = [];
  for (let refresh = 0; refresh < refreshes; refresh++) {
    await sleep(REFRESH_AFTER_MS + 250);
    await sandbox.ask('reset');
    await answer(url, FIRST_PAGE);
    await quiet(() => sandbox.ask<number>('lists'));
    calls.push(...Object.values(await sandbox.ask<Record<string, number>>('listsByRegion')).filter((count) => count > 0));
  }
  return calls;
}

/** The data of one answer, which must carry no error. */
export async function answer(url: string, body: string): Promise<Record<string, any>> {
  const outcome = await send(url, body);
  if ('lost' in outcome) throw new Error(`no answer (${outcome.lost})`);
  const parsed = JSON.parse(outcome.body) as { data?: Record<string, any>; errors?: unknown[] };
  if (parsed.errors || !parsed.data) throw new Error(`an answer with errors: ${outcome.body.slice(0, 300)}`);
  return parsed.data;
}

/**
 * The jobs the gateway holds when its window is retained (the unfiltered totalCount is then null):
 * those created within the retained hours before the newest, which it counts exactly.
 */
async function retainedJobs(url: string, hours: number): Promise<number | null> {
  const newest = Date.parse((await answer(url, NEWEST)).backupJobs.edges[0].node.createdAt as string);
  const after = new Date(newest - hours * 60 * 60 * 1000 + 1).toISOString();
  return (await answer(url, graphql(RETAINED, { after }))).backupJobs.totalCount as number | null;
}

/** Asks again and again (each time after the last answer, and `pauseMs`) until an answer without errors satisfies `done`. */
async function until(url: string, body: string, done: (data: Record<string, any>) => boolean, pauseMs = 20): Promise<void> {
  const startedAt = performance.now();
  for (;;) {
    const outcome = await send(url, body);
    if (!('lost' in outcome)) {
      const parsed = JSON.parse(outcome.body) as { data?: Record<string, any>; errors?: unknown[] };
      if (!parsed.errors && parsed.data && done(parsed.data)) return;
    }
    if (performance.now() - startedAt > FILL_BOUND_MS) throw new Error(`no such answer within ${FILL_BOUND_MS / 1000} s: ${'lost' in outcome ? outcome.lost : outcome.body.slice(0, 300)}`);
    await sleep(pauseMs);
  }
}

async function usedMemory(client: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await client.info('memory'))?.[1] ?? Number.NaN);
}

export function sizeLabel(size: ScaleSize): string {
  return size.regions === 1 ? `${size.jobsPerRegion} jobs` : `${size.regions} Regions x ${size.jobsPerRegion} jobs`;
}

/**
 * The targets for the sizes the run had: at 10^6 jobs in one Region and at 17 Regions of
 * 60,000, a first complete page within 10 s of start and a first-page p99 at one connection within
 * twice that of 10^3 jobs; a refresh at steady state at most 3 ListBackupJobs calls per source
 * (a count, which fails the run when missed); gateway RSS at rest at most 600 MiB at 10^6 jobs.
 */
export function judgeScale(results: readonly ScaleResult[]): Verdict[] {
  const verdicts: Verdict[] = [];
  const find = (regions: number, jobsPerRegion: number) => results.find((result) => result.regions === regions && result.jobsPerRegion === jobsPerRegion);
  const base = find(1, 1_000);
  for (const result of [find(1, 1_000_000), find(17, 60_000)]) {
    if (!result) continue;
    const label = sizeLabel(result);
    verdicts.push({ met: result.firstPageMs <= 10_000, text: `${label}: first complete first page ${round(result.firstPageMs / 1000)} s after start (target at most 10 s)`, gate: false });
    if (base) {
      const ratio = result.firstPage1.p99Ms / base.firstPage1.p99Ms;
      verdicts.push({
        met: ratio <= 2,
        text: `${label}: first-page p99 at 1 connection ${result.firstPage1.p99Ms} ms, ${round(ratio, 2)} times the ${base.firstPage1.p99Ms} ms of 1000 jobs (target at most 2)`,
        gate: false,
      });
    }
  }
  for (const result of results) {
    verdicts.push({
      met: result.listsPerRefresh <= 3,
      text: `${sizeLabel(result)}: a refresh at steady state costs ${round(result.listsPerRefresh, 2)} ListBackupJobs per source (${result.refreshesSeen} refreshes of ${result.refreshesAsked} asked for), ~${round(result.jobsCreatedPerRefresh, 1)} jobs created since the last (target at most 3)`,
      gate: true,
    });
  }
  const million = find(1, 1_000_000);
  if (million) {
    verdicts.push({ met: million.rssAtRestMb <= 600, text: `${sizeLabel(million)}: gateway RSS at rest ${Math.round(million.rssAtRestMb)} MiB (target at most 600)`, gate: false });
  }
  return verdicts;
}

const round = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
