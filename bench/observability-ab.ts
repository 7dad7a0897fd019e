// `npx tsx bench/observability-ab.ts [options]`: the overhead of `--observability` where the
// machine's load drifts more between two bench runs than the overhead itself. One gateway with the
// parts on (all three by default) and one with nothing, alive at once over one sandbox, take the
// dashboard load in turn in 3-second slices (which goes first swaps every round); their served
// requests and CPU time are summed. Two processes of the same gateway can differ by 10 % and more
// for the whole of their lives (their garbage collectors settle differently), so the comparison is
// made over several such pairs, each of fresh processes, the one started first alternating.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { numberOption } from './cli.js';
import { OBSERVABILITY_PARTS, startObservabilityLoad, type ObservabilityPart } from './observability.js';
import { benchNow, cpuMs, GRAPHQL_HEADERS, readyMessage, spawnGateway, spawnTs, stop, writeGatewayConfig, type GatewayProcess } from './processes.js';
import type { ProfileWindow } from './profile-summary.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

const USAGE = `npx tsx bench/observability-ab.ts [options]
  --pairs <n>          pairs of fresh gateways to compare (default 8)
  --rounds <n>         rounds per pair, each a slice of load on either gateway (default 4)
  --parts <part,..>    what the observed gateway has on: metrics (served and scraped every 2 s),
                       traces (exported to a local OTLP sink), logs (JSON) (default all three), or
                       none: two identical gateways, which shows the method's own spread
  --profile <folder>   write a V8 CPU profile of each gateway to <folder>/<pair>/with and .../without;
                       npx tsx bench/profile-summary.ts <those folders> ranks the loaded rounds`;

const SLICE_S = 3;
const CONNECTIONS = 50;
const { values } = parseArgs({
  options: {
    pairs: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '4' },
    parts: { type: 'string', default: OBSERVABILITY_PARTS.join(',') },
    profile: { type: 'string' },
  },
});
const pairs = Math.round(numberOption(USAGE, 'pairs', values.pairs));
const rounds = Math.round(numberOption(USAGE, 'rounds', values.rounds));
const parts = (values.parts === 'none' ? [] : values.parts.split(',')) as ObservabilityPart[];
const unknownParts = parts.filter((part) => !OBSERVABILITY_PARTS.includes(part));
if (unknownParts.length > 0) {
  console.error(`Unknown part ${unknownParts.join(', ')}\n\n${USAGE}`);
  process.exit(2);
}

interface Totals {
  served: number;
  seconds: number;
  cpuMs: number;
}

interface Side extends Totals {
  name: 'with' | 'without';
  gateway: GatewayProcess;
  spawnedAt: number;
  profileDir?: string;
  url: string;
}

const rate = (totals: Totals) => totals.served / totals.seconds;

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
const observability = await startObservabilityLoad(parts);
const totals: Record<Side['name'], Totals> = { with: { served: 0, seconds: 0, cpuMs: 0 }, without: { served: 0, seconds: 0, cpuMs: 0 } };
const pairRatios: { rate: number; cost: number }[] = [];
let sides: Side[] = [];
try {
  const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
  const dashboard = buildScenarios(fixtures).find((scenario) => scenario.name === 'dashboard')!;
  /** Served: a 2xx answer without GraphQL errors, as the bench counts them. */
  const load = async (side: Side) => {
    let served = 0;
    const onResponse = (status: number, body: string) => {
      if (status >= 200 && status < 300 && !body.includes('"errors":')) served++;
    };
    const result = await autocannon({
      url: side.url,
      requests: [{ method: 'POST', headers: GRAPHQL_HEADERS, body: dashboard.body, onResponse }],
      connections: CONNECTIONS,
      duration: SLICE_S,
    });
    return { served, seconds: result.duration };
  };
  const start = async (pair: number, name: Side['name']): Promise<Side> => {
    const on = name === 'with';
    const config = writeGatewayConfig(mkdtempSync(join(work, name)), { sources: fixtures.sources, observability: { metrics: { enabled: on && parts.includes('metrics') } } });
    const profileDir = values.profile ? join(values.profile, String(pair), name) : undefined;
    const spawnedAt = performance.now();
    const gateway = spawnGateway(config, {
      env: { ...env, ...(on ? observability.env : {}) },
      ...(profileDir ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
    });
    return { name, gateway, spawnedAt, ...(profileDir ? { profileDir } : {}), url: `http://127.0.0.1:${await gateway.port}/graphql`, served: 0, seconds: 0, cpuMs: 0 };
  };

  for (let pair = 0; pair < pairs; pair++) {
    const order: Side['name'][] = pair % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
    sides = [];
    for (const name of order) sides.push(await start(pair, name));
    const observed = sides.find((side) => side.name === 'with')!;
    const stopScraping = parts.includes('metrics') ? observability.scrape(observed.url) : () => undefined;
    for (const side of sides) await load(side);
    const loadedFrom = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
        const before = cpuMs(side.gateway.child.pid!);
        const { served, seconds } = await load(side);
        side.cpuMs += cpuMs(side.gateway.child.pid!) - before;
        side.served += served;
        side.seconds += seconds;
      }
    }
    const loadedTo = performance.now();
    stopScraping();
    for (const side of sides) {
      for (const key of ['served', 'seconds', 'cpuMs'] as const) totals[side.name][key] += side[key];
      if (side.profileDir) {
        // The profile spans the whole process; the summary keeps the loaded rounds (both sides' slices) only.
        const window: ProfileWindow = { fromMs: loadedFrom - side.spawnedAt, toMs: loadedTo - side.spawnedAt };
        mkdirSync(side.profileDir, { recursive: true });
        writeFileSync(join(side.profileDir, 'window.json'), JSON.stringify(window));
      }
    }
    const without = sides.find((side) => side.name === 'without')!;
    pairRatios.push({ rate: rate(observed) / rate(without), cost: cost(observed) / cost(without) });
    await Promise.all(sides.map((side) => stop(side.gateway.child)));
  }

  console.log(`${pairs} pairs of ${rounds} rounds, the observed gateway with ${parts.join(', ') || 'nothing'}; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  for (const name of ['without', 'with'] as const) {
    console.log(`${name.padEnd(7)} observability: ${rate(totals[name]).toFixed(1)} req/s, ${cost(totals[name]).toFixed(2)} CPU ms/op (${totals[name].served} served)`);
  }
  const spread = (ratios: number[]) => `${Math.min(...ratios).toFixed(3)} to ${Math.max(...ratios).toFixed(3)}`;
  console.log(`pairs' with/without: ${spread(pairRatios.map((ratio) => ratio.rate))} of the requests per second, ${spread(pairRatios.map((ratio) => ratio.cost))} of the CPU per request`);
  console.log(`each pair's requests per second, with/without: ${pairRatios.map((ratio) => ratio.rate.toFixed(3)).join(' ')}`);
  const rateInterval = meanInterval(pairRatios.map((ratio) => ratio.rate));
  if (rateInterval) {
    console.log(`mean of the pairs' with/without: ${rateInterval.mean.toFixed(3)} of the requests per second, 95 % confidence interval ${rateInterval.low.toFixed(3)} to ${rateInterval.high.toFixed(3)}`);
  }
  console.log(
    `with/without: ${(rate(totals.with) / rate(totals.without)).toFixed(3)} of the requests per second, ${(cost(totals.with) / cost(totals.without)).toFixed(3)} of the CPU per request`,
  );
} finally {
  sandboxProcess.disconnect();
  await Promise.all([stop(sandboxProcess), ...sides.map((side) => stop(side.gateway.child)), observability.close()]);
  rmSync(work, { recursive: true, force: true });
}
