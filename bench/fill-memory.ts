// `npx tsx bench/fill-memory.ts [jobs] [--redis] [--retained-hours N]`: what the first read and fill
// of one AWS source cost the gateway's memory, apart from the scale scenario's loads. Over that
// scenario's sandbox (50 ms a call) and one gateway (default retained window of a week unless told),
// it prints the time and CPU to fill, the RSS once listening, at rest (1.5 s after filled) and
// at its peak, the bytes scavenges carried into the old generation over the whole run (each
// collection as `--trace-gc-nvp` prints it), and the heap a full collection leaves at rest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { parseSource } from '../src/config/index.js';
import { send } from './clients.js';
import { benchNow, cpuMs, readyMessage, RssSampler, rssMb, spawnGateway, spawnTs, startBenchRedis, stop, writeGatewayConfig } from './processes.js';
import type { ScaleSandboxReady } from './scale-sandbox-process.js';
import { ACCOUNTS, BUDGET } from './scale.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { redis: { type: 'boolean' }, 'retained-hours': { type: 'string' } } });
const jobs = Number(positionals[0] ?? 1_000_000);
const retainedHours = values['retained-hours'] === undefined ? undefined : Number(values['retained-hours']);
/** A fill of the whole 30 days of a million jobs takes about three minutes here; past this, something is wrong. */
const GIVE_UP_MS = 15 * 60_000;

async function filled(url: string): Promise<boolean> {
  const answer = await send(url, JSON.stringify({ query: '{ backupJobs(first: 1) { sources { completeAfter } } }' }));
  if ('lost' in answer) throw new Error(`no answer: ${answer.lost}`);
  const sources = (JSON.parse(answer.body) as { data: { backupJobs: { sources: { completeAfter: string | null }[] } } }).data.backupJobs.sources;
  return sources.every((source) => source.completeAfter === null);
}

const work = mkdtempSync(join(tmpdir(), 'backup-graph-fill-'));
const probeOut = join(work, 'heap.json');
const now = benchNow();
const redis = values.redis ? await startBenchRedis('bench/fill-memory.ts --redis') : undefined;
const sandbox = spawnTs('bench/scale-sandbox-process.ts', {
  env: { BENCH_NOW: now, BENCH_LATENCY_MS: '50', BENCH_SCALE_JOBS: String(jobs), BENCH_SCALE_ACCOUNTS: String(ACCOUNTS), BENCH_SCALE_REGIONS: '1' },
  ipc: true,
});
try {
  const ready = await readyMessage<ScaleSandboxReady>(sandbox, 'the scale sandbox process');
  const sources = ready.regions.map((region) =>
    parseSource({ kind: 'aws', name: `aws-${region}`, region, accountId: '*', endpoint: ready.url, budget: BUDGET, ...(retainedHours ? { retainedWindowHours: retainedHours } : {}) }),
  );
  const spawnedAt = performance.now();
  const gateway = spawnGateway(writeGatewayConfig(work, { sources }), {
    env: { BENCH_NOW: now, HEAP_PROBE_OUT: probeOut, ...(redis ? { REDIS_URL: `${redis.url}/0` } : {}) },
    nodeArgs: ['--expose-gc', '--trace-gc-nvp', '--import', 'tsx', '--import', './bench/heap-probe.ts'],
  });
  try {
    const pid = gateway.child.pid!;
    const peak = new RssSampler(pid);
    const url = `http://127.0.0.1:${await gateway.port}/graphql`;
    const listening = rssMb(pid);
    const giveUpAt = performance.now() + GIVE_UP_MS;
    const inTime = (what: string) => {
      if (gateway.child.exitCode !== null || performance.now() > giveUpAt) throw new Error(`bench/fill-memory.ts: the gateway ${gateway.child.exitCode !== null ? 'ended' : 'took too long'} before ${what}`);
    };
    while (!(await filled(url))) {
      inTime('it filled');
      await sleep(500);
    }
    const filledS = (performance.now() - spawnedAt) / 1000;
    const cpuS = cpuMs(pid) / 1000;
    await sleep(1500);
    const atRest = rssMb(pid);
    const peakMb = peak.stop();
    gateway.child.kill('SIGUSR2');
    let probed: { heapBytes: number } | undefined;
    while (!probed) {
      inTime('its heap probe wrote');
      await sleep(100);
      try {
        probed = JSON.parse(readFileSync(probeOut, 'utf8')) as { heapBytes: number };
      } catch {
        // Not written yet, or written in part.
      }
    }
    const promoted = [...gateway.output().matchAll(/ promoted=(\d+)/g)].reduce((sum, [, bytes]) => sum + Number(bytes), 0);
    console.log('| jobs | retained h | Redis | filled s | fill CPU s | RSS MiB listening/rest/peak | promoted MB | heap MiB after a full collection |');
    console.log('|---|---|---|---|---|---|---|---|');
    console.log(
      `| ${jobs} | ${retainedHours ?? 168} | ${redis ? 'yes' : 'no'} | ${filledS.toFixed(1)} | ${cpuS.toFixed(1)} | ${Math.round(listening)}/${Math.round(atRest)}/${Math.round(peakMb)} | ${Math.round(promoted / 2 ** 20)} | ${(probed.heapBytes / 2 ** 20).toFixed(0)} |`,
    );
  } finally {
    await stop(gateway.child);
  }
} finally {
  sandbox.disconnect();
  await stop(sandbox);
  await redis?.close();
  rmSync(work, { recursive: true, force: true });
}
