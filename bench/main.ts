// `npm run bench`: parses the options, runs the benchmark, prints the table, the timed scenarios and
// the targets, writes JSON, and fails when a call or correctness target is missed or a gateway
// printed a secret it was handed.
import { parseArgs } from 'node:util';
import { numberOption } from './cli.js';
import { leakedSecrets } from './processes.js';
import { formatTable, formatTimed, judgeTargets, missedGates } from './report.js';
import { reportOf, runBench, writeReport, writeText, type BenchOptions, type BenchRun } from './run.js';
import { runScale } from './scale.js';
import { formatScale, scalePlot } from './scale-report.js';
import { formatSummaryBench, runSummaryBench } from './summary.js';

/** The scenario that runs only when named. */
const SCALE = 'scale';
/** Runs on its own sandboxes and gateways, after the others; not in --short unless named. */
const SUMMARY = 'summary';

const USAGE = `npm run bench -- [options]
  --duration <s>       measured seconds per scenario and connection count (default 10)
  --warmup <s>         seconds of load before measuring (default 3)
  --connections <n,..> connection counts to run each scenario at (default 1,50)
  --latency <ms>       delay of every upstream call in the sandbox (default 25)
  --scenario <name,..> dashboard, detail, federation, one-job, and the timed noisy-neighbour,
                       traversal, polling, replicas, summary, all-cores and live (default all of
                       these); and scale, which runs only when named, as it takes minutes (about 10 at its
                       defaults)
  --summary-jobs <n,..>      summary: also run over a large organization of this many jobs in
                             one Region's 30-day window, each (default none: the seeded one only)
  --summary-repeats <n>      summary: warm answers measured per way (default 5)
  --summary-no-paging        summary: ask backupJobSummary only, without paging backupJobs (at
                             10^6 jobs paging waits many minutes for the list's first read)
  --scale-jobs <n,..>  scale: jobs in the 30-day window of each one-Region run
                       (default 1000,10000,100000,1000000)
  --scale-regions <n,..>     scale: Region counts; 1 runs each of --scale-jobs, any other one
                             run of --scale-region-jobs per Region (default 1,4,17)
  --scale-region-jobs <n>    scale: jobs per Region of the runs of several Regions (default 60000)
  --scale-window <s>   scale: seconds of each first-page load; the deep page, lookups and count
                       get half (default 2)
  --scale-refreshes <n>      scale: refreshes counted at steady state per size (default 2)
  --scale-plot <file>  scale: the SVG plot (default bench-results/scale.svg)
  --scale-retained-hours <n> scale: the sources' retainedWindowHours (default theirs, a week;
                             720 keeps the whole 30-day window)
  --neighbour-duration <s>   seconds the noisy neighbour's victim is measured alone, then beside
                             the attacker: 20 answers a second, as many in each phase (default 20)
  --polling-duration <s>     seconds of polling in polling, replicas and all-cores (default 60)
  --polling-connections <n>  polling connections, each asking every 2 s (default 200)
  --live-subscribers <n>     live: clients subscribed to one filter at once (default 500)
  --live-duration <s>        live: seconds of each pass, one subscriber then many (default 60)
  --short              CI mode: 5 sequential requests per scenario, call counts only, no ceiling;
                       the timed scenarios cut to seconds, without replicas (it needs redis-server) or live
  --no-ceiling         skip the in-memory ceiling
  --observability      serve and scrape metrics, export traces to a local OTLP sink, log JSON
                       (compare with a run without it for the overhead; see docs/observability.md)
  --redis              every gateway keeps its shared state in a redis-server the run starts
                       (a database each), as replicas with REDIS_URL do; needs redis-server;
                       scale then measures Redis memory per job
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
    'live-subscribers': { type: 'string', default: '500' },
    'live-duration': { type: 'string', default: '60' },
    'scale-jobs': { type: 'string', default: '1000,10000,100000,1000000' },
    'scale-regions': { type: 'string', default: '1,4,17' },
    'scale-region-jobs': { type: 'string', default: '60000' },
    'scale-window': { type: 'string', default: '2' },
    'scale-refreshes': { type: 'string', default: '2' },
    'scale-plot': { type: 'string', default: 'bench-results/scale.svg' },
    'scale-retained-hours': { type: 'string' },
    'summary-jobs': { type: 'string' },
    'summary-repeats': { type: 'string', default: '5' },
    'summary-no-paging': { type: 'boolean', default: false },
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

const scenarios = values.scenario?.split(',');
const others = scenarios?.filter((name) => name !== SCALE && name !== SUMMARY);
const integers = (name: string, raw: string) => raw.split(',').map((count) => Math.round(positive(name, count)));
const log = (line: string) => console.error(`bench: ${line}`);
const failed = (error: unknown) => {
  console.error(`The bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
};

const options: BenchOptions = {
  durationS: positive('duration', values.duration),
  warmupS: positive('warmup', values.warmup, true),
  connections: integers('connections', values.connections),
  latencyMs: positive('latency', values.latency, true),
  short: values.short,
  neighbourS: positive('neighbour-duration', values['neighbour-duration']),
  pollingS: positive('polling-duration', values['polling-duration']),
  pollingConnections: Math.round(positive('polling-connections', values['polling-connections'])),
  liveSubscribers: Math.round(positive('live-subscribers', values['live-subscribers'])),
  liveS: positive('live-duration', values['live-duration']),
  ...(others ? { scenarios: others } : {}),
  ceiling: !values['no-ceiling'],
  ...(values.profile ? { profileDir: 'bench-results/profiles' } : {}),
  observability: values.observability,
  redis: values.redis,
  log,
};
const run: BenchRun =
  !others || others.length > 0 ? await runBench(options).catch(failed) : { report: reportOf(options), gatewayOutput: '', secrets: [] };
const { report, secrets } = run;
let { gatewayOutput } = run;
if (scenarios?.includes(SCALE)) {
  const scale = await runScale({
    jobs: integers('scale-jobs', values['scale-jobs']),
    regions: integers('scale-regions', values['scale-regions']),
    regionJobs: Math.round(positive('scale-region-jobs', values['scale-region-jobs'])),
    windowS: positive('scale-window', values['scale-window']),
    refreshes: Math.round(positive('scale-refreshes', values['scale-refreshes'])),
    ...(values['scale-retained-hours'] ? { retainedHours: Math.round(positive('scale-retained-hours', values['scale-retained-hours'])) } : {}),
    redis: values.redis,
    log,
  }).catch(failed);
  report.scale = scale.report;
  gatewayOutput += `\n${scale.gatewayOutput}`;
  secrets.push(...scale.secrets);
  writeText(values['scale-plot'], scalePlot(scale.report));
}
if (scenarios ? scenarios.includes(SUMMARY) : !values.short) {
  const summary = await runSummaryBench({
    jobs: values['summary-jobs'] ? integers('summary-jobs', values['summary-jobs']) : [],
    latencyMs: options.latencyMs,
    repeats: Math.round(positive('summary-repeats', values['summary-repeats'])),
    paging: !values['summary-no-paging'],
    log,
  }).catch(failed);
  report.summary = summary.report;
  gatewayOutput += `\n${summary.gatewayOutput}`;
  secrets.push(...summary.secrets);
}
writeReport(report, values.out);

if (report.results.length > 0) console.log(`${formatTable(report)}\n`);
if (report.timed.length > 0) console.log(`${formatTimed(report)}\n`);
if (report.summary) console.log(`${formatSummaryBench(report.summary)}\n`);
if (report.scale) console.log(`${formatScale(report.scale)}\n\nplot: ${values['scale-plot']}\n`);
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
