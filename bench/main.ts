// `npm run bench`: parses the options, runs the benchmark, prints the table, the timed scenarios and
// the targets, writes JSON, and fails when a call or correctness target is missed or a gateway
// printed a secret it was handed.
import { parseArgs } from 'node:util';
import { numberOption } from './cli.js';
import { leakedSecrets } from './processes.js';
import { formatTable, formatTimed, judgeTargets, missedGates } from './report.js';
import { runBench, writeReport } from './run.js';

const USAGE = `npm run bench -- [options]
  --duration <s>       measured seconds per scenario and connection count (default 10)
  --warmup <s>         seconds of load before measuring (default 3)
  --connections <n,..> connection counts to run each scenario at (default 1,50)
  --latency <ms>       delay of every upstream call in the sandbox (default 25)
  --scenario <name,..> dashboard, detail, federation, one-job, and the timed noisy-neighbour,
                       traversal, polling, replicas (default all)
  --neighbour-duration <s>   seconds the noisy neighbour's victim is measured alone, then beside
                             the attacker (default 20)
  --polling-duration <s>     seconds of polling in polling and replicas (default 60)
  --polling-connections <n>  polling connections, each asking every 2 s (default 200)
  --short              CI mode: 5 sequential requests per scenario, call counts only, no ceiling;
                       the timed scenarios cut to seconds, without replicas (it needs redis-server)
  --no-ceiling         skip the in-memory ceiling
  --observability      serve and scrape metrics, export traces to a local OTLP sink, log JSON
                       (compare with a run without it for the overhead; see docs/observability.md)
  --redis              every gateway keeps its shared state in a redis-server the run starts
                       (a database each), as replicas with REDIS_URL do; needs redis-server
  --profile            write a V8 CPU profile of each gateway run to bench-results/profiles/<run>;
                       npx tsx bench/profile-summary.ts bench-results/profiles/<run> ranks its measured phase
  --out <file>         JSON report (default bench-results/latest.json)`;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '1,50' },
    latency: { type: 'string', default: '25' },
    scenario: { type: 'string' },
    'neighbour-duration': { type: 'string', default: '20' },
    'polling-duration': { type: 'string', default: '60' },
    'polling-connections': { type: 'string', default: '200' },
    short: { type: 'boolean', default: false },
    'no-ceiling': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    observability: { type: 'boolean', default: false },
    redis: { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench-results/latest.json' },
    help: { type: 'boolean', default: false },
  },
});

const positive = (name: string, raw: string, allowZero = false) => numberOption(USAGE, name, raw, allowZero);

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const { report, gatewayOutput, secrets } = await runBench({
  durationS: positive('duration', values.duration),
  warmupS: positive('warmup', values.warmup, true),
  connections: values.connections.split(',').map((count) => Math.round(positive('connections', count))),
  latencyMs: positive('latency', values.latency, true),
  short: values.short,
  neighbourS: positive('neighbour-duration', values['neighbour-duration']),
  pollingS: positive('polling-duration', values['polling-duration']),
  pollingConnections: Math.round(positive('polling-connections', values['polling-connections'])),
  ...(values.scenario ? { scenarios: values.scenario.split(',') } : {}),
  ceiling: !values['no-ceiling'],
  ...(values.profile ? { profileDir: 'bench-results/profiles' } : {}),
  observability: values.observability,
  redis: values.redis,
  log: (line) => console.error(`bench: ${line}`),
}).catch((error: unknown) => {
  console.error(`The bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
writeReport(report, values.out);

if (report.results.length > 0) console.log(`${formatTable(report)}\n`);
if (report.timed.length > 0) console.log(`${formatTimed(report)}\n`);
if (report.observed) {
  const { scrapes, traceExports, traceBytes } = report.observed;
  console.log(`observability on: ${scrapes} scrapes of /metrics, ${traceExports} trace exports (${Math.round(traceBytes / 1024)} KiB) received\n`);
}
for (const verdict of judgeTargets(report)) console.log(verdict);
const leaked = leakedSecrets(gatewayOutput, secrets);
console.log(
  `gateway output: ${gatewayOutput.split('\n').length - 1} lines, ${leaked.length > 0 ? `FAILED: it holds ${leaked.join(', ')}` : `none holds one of the ${secrets.length} secrets handed out`}`,
);
console.log(`\nJSON: ${values.out}`);
if (missedGates(report) || leaked.length > 0) process.exitCode = 1;
