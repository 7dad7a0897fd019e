// `npx tsx bench/observability-instructions.ts [requests] [--parts <set>;<set>...]`: the cost of
// observability in instructions, which a loaded machine does not change. For each set of parts
// (default: none, then all three), a gateway runs under valgrind's callgrind over one sandbox,
// takes warm-up requests, and then counts the instructions of `requests` dashboard requests (4 at
// a time) with a metrics scrape every 300 of them, about what the A/B bench's scrape every 2 s
// comes to. The read models stay fresh throughout, so that every gateway does the same work: the
// requests, not refreshes, whose number would follow valgrind's slowness (which the deadlines are
// stretched for too).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption } from './cli.js';
import { OBSERVABILITY_PARTS, startObservabilityLoad, type ObservabilityPart } from './observability.js';
import { benchNow, GRAPHQL_HEADERS, readyMessage, spawnGateway, spawnTs, stop, writeGatewayConfig } from './processes.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

const USAGE = `npx tsx bench/observability-instructions.ts [requests, default 600] [options]
  --parts <set>;<set>..  the gateways to count, each a comma-separated set of metrics, traces, logs
                         or none (default none;metrics,traces,logs); each takes about 10 minutes`;

const WARMUP_REQUESTS = 400;
const CONCURRENCY = 4;
const REQUESTS_PER_SCRAPE = 300;
const FRESH = { refreshAfterMs: 3_600_000, maxStalenessMs: 3_600_000, staleIfErrorMs: 3_600_000 };
const SLOW = { sources: { timeoutMs: 120_000 }, security: { limits: { requestTimeoutMs: 600_000 } } };

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { parts: { type: 'string', default: `none;${OBSERVABILITY_PARTS.join(',')}` } },
});
const requests = Math.round(numberOption(USAGE, 'requests', positionals[0] ?? '600'));
const sets = values.parts.split(';').map((set) => (set === 'none' ? [] : set.split(',')) as ObservabilityPart[]);
const unknownParts = sets.flat().filter((part) => !OBSERVABILITY_PARTS.includes(part));
if (unknownParts.length > 0) {
  console.error(`Unknown part ${unknownParts.join(', ')}\n\n${USAGE}`);
  process.exit(2);
}

const env = { BENCH_NOW: benchNow(), NODE_ENV: 'production' };
const work = mkdtempSync(join(tmpdir(), 'backup-graph-instructions-'));
const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { ...env, BENCH_LATENCY_MS: '0' }, ipc: true });
try {
  const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
  const dashboard = buildScenarios(fixtures).find((scenario) => scenario.name === 'dashboard')!;
  const sources = fixtures.sources.map((source) => ({ ...source, freshness: FRESH, ...SLOW.sources }));
  const counted: { parts: string; perRequest: number }[] = [];
  for (const parts of sets) {
    const name = parts.join(',') || 'none';
    const folder = mkdtempSync(join(work, 'gateway-'));
    const observability = await startObservabilityLoad(parts);
    const callgrindOut = join(folder, 'callgrind.out');
    const gateway = spawnGateway(writeGatewayConfig(folder, { sources, security: SLOW.security, observability: { metrics: { enabled: parts.includes('metrics') } } }), {
      env: { ...env, ...observability.env },
      runUnder: ['valgrind', '--tool=callgrind', `--callgrind-out-file=${callgrindOut}`],
    });
    try {
      const base = `http://127.0.0.1:${await gateway.port}`;
      const send = async (count: number) => {
        let sent = 0;
        const worker = async () => {
          while (sent < count) {
            sent++;
            if (parts.includes('metrics') && sent % REQUESTS_PER_SCRAPE === 0) await (await fetch(`${base}/metrics`)).text();
            const response = await fetch(`${base}/graphql`, { method: 'POST', headers: GRAPHQL_HEADERS, body: dashboard.body });
            const check = dashboard.check((await response.json()) as never);
            if (check) throw new Error(`${name}: ${check}`);
          }
        };
        await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      };
      await send(WARMUP_REQUESTS);
      const pid = String(gateway.child.pid);
      execFileSync('callgrind_control', ['--zero', pid], { stdio: 'ignore' });
      await send(requests);
      execFileSync('callgrind_control', ['--dump', pid], { stdio: 'ignore' });
      // The dump asked for is the output file's name and its number: what ran since the counters were zeroed.
      const instructions = Number(/^summary: (\d+)/m.exec(readFileSync(`${callgrindOut}.1`, 'utf8'))?.[1]);
      counted.push({ parts: name, perRequest: instructions / requests });
      console.log(`${name.padEnd(22)} ${(instructions / requests / 1e6).toFixed(2)} M instructions per request`);
    } finally {
      await stop(gateway.child);
      await observability.close();
    }
  }
  const none = counted.find((count) => count.parts === 'none');
  if (none) {
    for (const count of counted.filter((count) => count !== none)) console.log(`${count.parts.padEnd(22)} ${(count.perRequest / none.perRequest).toFixed(3)} of the instructions without observability`);
  }
} finally {
  sandboxProcess.disconnect();
  await stop(sandboxProcess);
  rmSync(work, { recursive: true, force: true });
}
