// `npx tsx bench/heap-per-job.ts [jobs,...]`: the heap a gateway keeps per job of its read model.
// For each size, the scale scenario's AWS sandbox and one gateway over it with the default retained
// window; once filled, a full collection, then the heap left. The first size is the baseline the
// others are counted against (default 1000,100000: about 230 and 23,000 jobs kept).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseSource } from '../src/config/index.js';
import { send } from './clients.js';
import { benchNow, readyMessage, rssMb, spawnGateway, spawnTs, stop, writeGatewayConfig } from './processes.js';
import type { ScaleSandboxReady } from './scale-sandbox-process.js';
import { ACCOUNTS } from './scale.js';

const HOUR_MS = 60 * 60 * 1000;
/** The default retained window; jobs created within it, less an hour of margin, are counted as kept. */
const KEPT_HOURS = 168 - 1;

interface Measured {
  jobs: number;
  kept: number;
  heapMiB: number;
  rssAtRestMiB: number;
}

async function ask(url: string, query: string): Promise<Record<string, any>> {
  const answer = await send(url, JSON.stringify({ query }));
  if ('lost' in answer) throw new Error(`no answer: ${answer.lost}`);
  const parsed = JSON.parse(answer.body) as { data?: Record<string, any>; errors?: unknown[] };
  if (parsed.errors || !parsed.data) throw new Error(`an error: ${answer.body.slice(0, 300)}`);
  return parsed.data;
}

async function measure(jobs: number): Promise<Measured> {
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-heap-'));
  const out = join(work, 'heap.json');
  const now = benchNow();
  const sandbox = spawnTs('bench/scale-sandbox-process.ts', {
    env: { BENCH_NOW: now, BENCH_LATENCY_MS: '0', BENCH_SCALE_JOBS: String(jobs), BENCH_SCALE_ACCOUNTS: String(ACCOUNTS), BENCH_SCALE_REGIONS: '1' },
    ipc: true,
  });
  try {
    const ready = await readyMessage<ScaleSandboxReady>(sandbox, 'the scale sandbox process');
    const sources = ready.regions.map((region) => parseSource({ kind: 'aws', name: `aws-${region}`, region, accountId: '*', endpoint: ready.url }));
    const gateway = spawnGateway(writeGatewayConfig(work, { sources }), {
      env: { BENCH_NOW: now, HEAP_PROBE_OUT: out },
      nodeArgs: ['--expose-gc', '--import', 'tsx', '--import', './bench/heap-probe.ts'],
    });
    try {
      const url = `http://127.0.0.1:${await gateway.port}/graphql`;
      for (;;) {
        const data = await ask(url, '{ backupJobs(first: 1) { sources { completeAfter } } }');
        if ((data.backupJobs.sources as { completeAfter: string | null }[]).every((source) => source.completeAfter === null)) break;
        await sleep(500);
      }
      const after = new Date(Date.now() - KEPT_HOURS * HOUR_MS).toISOString();
      const kept = (await ask(url, `{ backupJobs(first: 1, filter: { createdAfter: "${after}" }) { totalCount } }`)).backupJobs.totalCount as number;
      await sleep(1000);
      const rssAtRestMiB = rssMb(gateway.child.pid!);
      gateway.child.kill('SIGUSR2');
      while (!existsSync(out)) await sleep(100);
      await sleep(100);
      const { heapBytes } = JSON.parse(readFileSync(out, 'utf8')) as { heapBytes: number };
      return { jobs, kept, heapMiB: heapBytes / 2 ** 20, rssAtRestMiB };
    } finally {
      await stop(gateway.child);
    }
  } finally {
    sandbox.disconnect();
    await stop(sandbox);
    rmSync(work, { recursive: true, force: true });
  }
}

const sizes = (process.argv[2] ?? '1000,100000').split(',').map(Number);
const results: Measured[] = [];
for (const jobs of sizes) results.push(await measure(jobs));
const [base] = results;
console.log('| jobs | kept | heap MiB after a full collection | bytes per kept job beyond the first size | RSS at rest MiB |');
console.log('|---|---|---|---|---|');
for (const result of results) {
  const perJob = result === base ? '-' : Math.round(((result.heapMiB - base!.heapMiB) * 2 ** 20) / (result.kept - base!.kept));
  console.log(`| ${result.jobs} | ${result.kept} | ${result.heapMiB.toFixed(1)} | ${perJob} | ${Math.round(result.rssAtRestMiB)} |`);
}
