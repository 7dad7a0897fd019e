// `npm run soak`: parses the options, runs the soak, prints what happened, writes JSON, and fails
// when a request went unanswered, the gateway's memory grew, or the gateway printed a secret it was handed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { numberOption } from './cli.js';
import { leakedSecrets } from './processes.js';
import { runSoak } from './soak.js';

const USAGE = `npm run soak -- [options]
  --duration <s>     measured seconds of mixed load with faults (default 120)
  --connections <n>  concurrent connections (default 10)
  --latency <ms>     delay of every upstream call in the sandbox (default 25)
  --phase <s>        seconds each fault (or quiet spell) of the schedule lasts (default 10)
  --out <file>       JSON report (default bench-results/soak.json)`;

/** The most the gateway's memory may grow from after the warm-up to the end of the run. */
const MAX_RSS_GROWTH = 0.2;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '120' },
    connections: { type: 'string', default: '10' },
    latency: { type: 'string', default: '25' },
    phase: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench-results/soak.json' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name: string, raw: string) => numberOption(USAGE, name, raw);

const { report, gatewayOutput, secrets } = await runSoak({
  durationS: number('duration', values.duration),
  connections: Math.round(number('connections', values.connections)),
  latencyMs: number('latency', values.latency),
  phaseS: number('phase', values.phase),
  log: (line) => console.error(`soak: ${line}`),
}).catch((error: unknown) => {
  console.error(`The soak failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);

const codes = Object.entries(report.errorsByCode)
  .sort(([, a], [, b]) => b - a)
  .map(([code, count]) => `${code} ${count}`)
  .join(', ');
const lostBy = Object.entries(report.lostByCause)
  .map(([cause, count]) => `${cause} ${count}`)
  .join(', ');
const leaked = leakedSecrets(gatewayOutput, secrets);
console.log(`requests: ${report.sent} sent, ${report.answered} answered, ${report.lost} lost${lostBy ? ` (${lostBy})` : ''}, ${report.non2xx} non-2xx; ${report.inFlightAtEnd} were under way when the time ran out, all awaited
throughput: ${report.requestsPerSecond.toFixed(1)} req/s; latency p50 ${report.p50Ms.toFixed(0)} ms, p99 ${report.p99Ms.toFixed(0)} ms
answers with errors: ${report.answersWithErrors} (${codes || 'none'})
gateway RSS: ${report.rssAfterWarmupMb.toFixed(0)} MB after warm-up, ${report.rssEndMb.toFixed(0)} MB at the end (${(report.rssGrowth * 100).toFixed(1)}%), peak ${report.peakRssMb.toFixed(0)} MB
gateway output: ${gatewayOutput.split('\n').length - 1} lines, ${leaked.length > 0 ? `it holds ${leaked.join(', ')}` : `none holds one of the ${secrets.length} secrets handed out`}
phases: ${report.phases.join(' -> ')}
JSON: ${values.out}`);

const problems = [
  ...(report.lost > 0 ? [`${report.lost} requests got no answer`] : []),
  ...(report.sent !== report.answered + report.lost ? [`${report.sent} requests sent, but ${report.answered} answered and ${report.lost} lost`] : []),
  ...(leaked.length > 0 ? [`the gateway printed secrets it was handed: ${leaked.join(', ')}`] : []),
  ...(report.rssGrowth > MAX_RSS_GROWTH ? [`RSS grew ${(report.rssGrowth * 100).toFixed(1)}%, more than ${MAX_RSS_GROWTH * 100}%`] : []),
];
for (const problem of problems) console.error(`FAILED: ${problem}`);
if (problems.length > 0) process.exitCode = 1;
