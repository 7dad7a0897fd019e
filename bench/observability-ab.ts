// `npx tsx bench/observability-ab.ts [rounds]`: the overhead of `--observability` where the machine's
// load drifts more between two bench runs than the overhead itself. One gateway with everything on
// and one with nothing, alive at once over one sandbox, take the dashboard load in turn in 3-second
// slices (which goes first swaps every round); their served requests and CPU time are summed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startObservabilityLoad } from './observability.js';
import { benchNow, cpuMs, GRAPHQL_HEADERS, readyMessage, spawnGateway, spawnTs, stop, writeGatewayConfig, type GatewayProcess } from './processes.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

const SLICE_S = 3;
const CONNECTIONS = 50;
const rounds = Number(process.argv[2] ?? '16');
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: npx tsx bench/observability-ab.ts [rounds, default 16]');
  process.exit(2);
}

interface Side {
  name: string;
  gateway: GatewayProcess;
  url: string;
  served: number;
  seconds: number;
  cpuMs: number;
}

const env = { BENCH_NOW: benchNow(), NODE_ENV: 'production' };
const work = mkdtempSync(join(tmpdir(), 'backup-graph-ab-'));
const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { ...env, BENCH_LATENCY_MS: '25' }, ipc: true });
const observability = await startObservabilityLoad();
const sides: Side[] = [];
try {
  const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
  const dashboard = buildScenarios(fixtures).find((scenario) => scenario.name === 'dashboard')!;
  for (const [name, on] of [['without', false], ['with', true]] as const) {
    const config = writeGatewayConfig(mkdtempSync(join(work, name)), { sources: fixtures.sources, observability: { metrics: { enabled: on } } });
    const gateway = spawnGateway(config, { env: { ...env, ...(on ? observability.env : {}) } });
    sides.push({ name, gateway, url: `http://127.0.0.1:${await gateway.port}/graphql`, served: 0, seconds: 0, cpuMs: 0 });
  }
  const stopScraping = observability.scrape(sides[1]!.url);
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
  for (const side of sides) await load(side);
  for (let round = 0; round < rounds; round++) {
    for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
      const before = cpuMs(side.gateway.child.pid!);
      const { served, seconds } = await load(side);
      side.cpuMs += cpuMs(side.gateway.child.pid!) - before;
      side.served += served;
      side.seconds += seconds;
    }
  }
  stopScraping();
  for (const side of sides) {
    console.log(`${side.name.padEnd(7)} observability: ${(side.served / side.seconds).toFixed(1)} req/s, ${(side.cpuMs / side.served).toFixed(2)} CPU ms/op (${side.served} served)`);
  }
  const [without, withIt] = sides as [Side, Side];
  const rate = (side: Side) => side.served / side.seconds;
  const cost = (side: Side) => side.cpuMs / side.served;
  console.log(`with/without: ${(rate(withIt) / rate(without)).toFixed(3)} of the requests per second, ${(cost(withIt) / cost(without)).toFixed(3)} of the CPU per request`);
} finally {
  sandboxProcess.disconnect();
  await Promise.all([stop(sandboxProcess), ...sides.map((side) => stop(side.gateway.child)), observability.close()]);
  rmSync(work, { recursive: true, force: true });
}
