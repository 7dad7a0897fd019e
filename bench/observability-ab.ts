// `npx tsx bench/observability-ab.ts [options]`: the overhead of `--observability` on a machine
// whose speed drifts more, from one second to the next, than the overhead itself. One gateway with
// the parts on (all three by default) and one with nothing run over one sandbox, both pinned to one
// CPU, and take the dashboard load in turns of 3 s, each alone on that CPU while it is loaded; the
// turns alternate which goes first, so that a drift in the machine's speed weighs on both alike.
// Each gateway is saturated in its turn, so its served requests and its CPU time per request (read
// from /proc) both measure what a request costs it. Each pair of fresh processes first takes a
// warm-up (a gateway's speed settles only after 15 to 20 s of load), then the measured turns; two
// processes of one gateway still differ by a percent or two, so the comparison is made over several
// pairs, the one started first alternating. `--together` loads both at once instead: sharing the
// CPU at the same moment, each gateway then spends about a third more CPU on a request (the two
// evict each other's caches), which magnifies any difference between them, and the scheduler's
// split of the CPU moves the served ratio.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { numberOption } from './cli.js';
import { OBSERVABILITY_PARTS, startObservabilityLoad, type ObservabilityPart } from './observability.js';
import { benchNow, cpuMs, GRAPHQL_HEADERS, readyMessage, spawnGateway, spawnTs, stop, writeGatewayConfig, type GatewayProcess } from './processes.js';
import type { ProfileWindow } from './profile-summary.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

const CPUS = availableParallelism();

const USAGE = `npx tsx bench/observability-ab.ts [options]
  --pairs <n>          pairs of fresh gateways to compare (default 8)
  --rounds <n>         measured rounds per pair, each a turn of 3 s of load on each gateway (default 10)
  --warmup <s>         seconds of load each gateway takes before the measured rounds (default 18)
  --parts <part,..>    what the observed gateway has on: metrics (served and scraped every 2 s),
                       traces (exported to a local OTLP sink), logs (JSON) (default all three), or
                       none: two identical gateways, which shows the method's own spread
  --gateway-cpu <n>    the CPU both gateways share, the bench and the sandbox running on the others
                       (default: the last of this machine's ${CPUS}), or none to let the scheduler place them
  --together           load both gateways at once, half the connections each, instead of in turns
  --profile <folder>   write a V8 CPU profile of each gateway to <folder>/<pair>/with and .../without;
                       npx tsx bench/profile-summary.ts <those folders> ranks the measured rounds`;

const SLICE_S = 3;
/** The dashboard scenario's connections: all on the gateway whose turn it is, or half on each. */
const CONNECTIONS = 50;
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '18' },
    parts: { type: 'string', default: OBSERVABILITY_PARTS.join(',') },
    'gateway-cpu': { type: 'string', default: String(CPUS - 1) },
    together: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const pairs = Math.round(numberOption(USAGE, 'pairs', values.pairs));
const rounds = Math.round(numberOption(USAGE, 'rounds', values.rounds));
const warmupSlices = Math.ceil(numberOption(USAGE, 'warmup', values.warmup, true) / SLICE_S);
const gatewayCpu = values['gateway-cpu'] === 'none' ? null : Math.round(numberOption(USAGE, 'gateway-cpu', values['gateway-cpu'], true));
if (gatewayCpu !== null && gatewayCpu >= CPUS) {
  console.error(`--gateway-cpu ${gatewayCpu}: this machine's CPUs are 0 to ${CPUS - 1}\n\n${USAGE}`);
  process.exit(2);
}
const parts = (values.parts === 'none' ? [] : values.parts.split(',')) as ObservabilityPart[];
const unknownParts = parts.filter((part) => !OBSERVABILITY_PARTS.includes(part));
if (unknownParts.length > 0) {
  console.error(`Unknown part ${unknownParts.join(', ')}\n\n${USAGE}`);
  process.exit(2);
}

/** The CPUs left to the load, the sandbox and the trace sink; on a machine of one CPU, that one. */
const otherCpus = [...Array(CPUS).keys()].filter((cpu) => cpu !== gatewayCpu).join(',') || String(gatewayCpu);
/** Moves every thread of a running process onto the CPUs left to the load. */
function keepOffGatewayCpu(pid: number): void {
  if (gatewayCpu !== null) execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', otherCpus, String(pid)], { stdio: 'ignore' });
}

interface Totals {
  served: number;
  cpuMs: number;
}

interface Side extends Totals {
  name: 'with' | 'without';
  gateway: GatewayProcess;
  spawnedAt: number;
  profileDir?: string;
  url: string;
}

/** Student's t at 97.5 % for 1 to 30 degrees of freedom; past 30, the normal 1.96 is close enough. */
const T_975 = [12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

/** The mean of independent measurements and its 95 % confidence interval (t distribution); null for fewer than two. */
function meanInterval(values: readonly number[]): { mean: number; low: number; high: number } | null {
  if (values.length < 2) return null;
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  const half = (T_975[values.length - 2] ?? 1.96) * Math.sqrt(variance / values.length);
  return { mean, low: mean - half, high: mean + half };
}
const cost = (totals: Totals) => totals.cpuMs / totals.served;

const env = { BENCH_NOW: benchNow(), NODE_ENV: 'production' };
const work = mkdtempSync(join(tmpdir(), 'backup-graph-ab-'));
const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { ...env, BENCH_LATENCY_MS: '25' }, ipc: true });
keepOffGatewayCpu(process.pid);
keepOffGatewayCpu(sandboxProcess.pid!);
const observability = await startObservabilityLoad(parts);
const totals: Record<Side['name'], Totals> = { with: { served: 0, cpuMs: 0 }, without: { served: 0, cpuMs: 0 } };
const pairRatios: { served: number; cost: number; cpuShare: number }[] = [];
let sides: Side[] = [];
try {
  const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
  const dashboard = buildScenarios(fixtures).find((scenario) => scenario.name === 'dashboard')!;
  const together = values.together;
  /** Served: a 2xx answer without GraphQL errors, as the bench counts them. */
  const load = async (side: Side) => {
    let served = 0;
    const onResponse = (status: number, body: string) => {
      if (status >= 200 && status < 300 && !body.includes('"errors":')) served++;
    };
    await autocannon({
      url: side.url,
      requests: [{ method: 'POST', headers: GRAPHQL_HEADERS, body: dashboard.body, onResponse }],
      connections: together ? CONNECTIONS / 2 : CONNECTIONS,
      duration: SLICE_S,
    });
    return served;
  };
  /**
   * One slice of load on each gateway, at once or in turns (the one going first alternating by
   * round): what each served and the CPU time it took over the whole slice, so that what a gateway
   * does while the other has its turn (a scrape, a span export) counts too.
   */
  const slice = async (round: number) => {
    const before = sides.map((side) => cpuMs(side.gateway.child.pid!));
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    const served = new Map<Side, number>();
    if (together) await Promise.all(order.map(async (side) => served.set(side, await load(side))));
    else for (const side of order) served.set(side, await load(side));
    return sides.map((side, index) => ({ side, served: served.get(side)!, cpuMs: cpuMs(side.gateway.child.pid!) - before[index]! }));
  };
  const start = async (pair: number, name: Side['name']): Promise<Side> => {
    const on = name === 'with';
    const config = writeGatewayConfig(mkdtempSync(join(work, name)), { sources: fixtures.sources, observability: { metrics: { enabled: on && parts.includes('metrics') } } });
    const profileDir = values.profile ? join(values.profile, String(pair), name) : undefined;
    const spawnedAt = performance.now();
    const gateway = spawnGateway(config, {
      env: { ...env, ...(on ? observability.env : {}) },
      ...(gatewayCpu === null ? {} : { runUnder: ['taskset', '--cpu-list', String(gatewayCpu)] }),
      ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    return { name, gateway, spawnedAt, ...(profileDir ? { profileDir } : {}), url: `http://127.0.0.1:${await gateway.port}/graphql`, served: 0, cpuMs: 0 };
  };

  for (let pair = 0; pair < pairs; pair++) {
    const order: Side['name'][] = pair % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    sides = [];
    for (const name of order) sides.push(await start(pair, name));
    const observed = sides.find((side) => side.name === 'with')!;
    const stopScraping = parts.includes('metrics') ? observability.scrape(observed.url) : () => undefined;
    for (let warmup = 0; warmup < warmupSlices; warmup++) await slice(warmup);
    const loadedFrom = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (const taken of await slice(round)) {
        taken.side.served += taken.served;
        taken.side.cpuMs += taken.cpuMs;
      }
    }
    const loadedTo = performance.now();
    stopScraping();
    for (const side of sides) {
      totals[side.name].served += side.served;
      totals[side.name].cpuMs += side.cpuMs;
      if (side.profileDir) {
        // The profile spans the whole process; the summary keeps the measured rounds only.
        const window: ProfileWindow = { fromMs: loadedFrom - side.spawnedAt, toMs: loadedTo - side.spawnedAt };
        mkdirSync(side.profileDir, { recursive: true });
        writeFileSync(join(side.profileDir, 'window.json'), JSON.stringify(window));
      }
    }
    const without = sides.find((side) => side.name === 'without')!;
    pairRatios.push({ served: observed.served / without.served, cost: cost(observed) / cost(without), cpuShare: observed.cpuMs / (observed.cpuMs + without.cpuMs) });
    await Promise.all(sides.map((side) => stop(side.gateway.child)));
  }

  const where = gatewayCpu === null ? 'placed by the scheduler' : `both on CPU ${gatewayCpu}`;
  const how = together ? 'loaded at once' : 'loaded in turns';
  console.log(`${pairs} pairs of ${rounds} rounds after ${warmupSlices * SLICE_S} s of warm-up, gateways ${where}, ${how}, the observed one with ${parts.join(', ') || 'nothing'}; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  /** Per gateway: the seconds it was loaded. */
  const seconds = pairs * rounds * SLICE_S;
  for (const name of ['without', 'with'] as const) {
    console.log(`${name.padEnd(7)} observability: ${(totals[name].served / seconds).toFixed(1)} req/s, ${cost(totals[name]).toFixed(2)} CPU ms/op (${totals[name].served} served)`);
  }
  const listed = (key: 'served' | 'cost' | 'cpuShare') => pairRatios.map((ratio) => ratio[key].toFixed(3)).join(' ');
  console.log(`each pair's served requests, with/without: ${listed('served')}`);
  console.log(`each pair's CPU per request, with/without: ${listed('cost')}`);
  if (together) console.log(`each pair's CPU share of the observed gateway: ${listed('cpuShare')}`);
  for (const [key, what] of [['served', 'served requests'], ['cost', 'CPU per request']] as const) {
    const interval = meanInterval(pairRatios.map((ratio) => ratio[key]));
    if (interval) console.log(`mean of the pairs' ${what}, with/without: ${interval.mean.toFixed(3)}, 95 % confidence interval ${interval.low.toFixed(3)} to ${interval.high.toFixed(3)}`);
  }
} finally {
  sandboxProcess.disconnect();
  await Promise.all([stop(sandboxProcess), ...sides.map((side) => stop(side.gateway.child)), observability.close()]);
  rmSync(work, { recursive: true, force: true });
}
