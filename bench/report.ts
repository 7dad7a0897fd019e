// The bench's printed table, and the issue's targets judged against one run.
import type { BenchReport, ScenarioResult } from './run.js';
import type { CallsPerOp } from './scenarios.js';

const round = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

function callsCell(calls: CallsPerOp): string {
  const parts = [
    `L ${round(calls.ListBackupJobs, 2)}`,
    `D ${round(calls.DescribeBackupJob, 2)}`,
    `SP ${round(calls.sailPointLists, 2)}`,
    `T ${round(calls.sailPointTokens, 2)}`,
  ];
  return parts.join(' ');
}

interface Column {
  title: string;
  cell: (result: ScenarioResult) => string;
  /** Shown in a short run, which measures call counts and nothing else. */
  calls?: true;
}

const COLUMNS: Column[] = [
  { title: 'scenario', cell: (r) => r.scenario, calls: true },
  { title: 'conns', cell: (r) => String(r.connections), calls: true },
  { title: 'req/s', cell: (r) => round(r.gateway.requestsPerSecond) },
  { title: 'p50 ms', cell: (r) => round(r.gateway.p50Ms, 0) },
  { title: 'p99 ms', cell: (r) => round(r.gateway.p99Ms, 0) },
  { title: 'chain ms', cell: (r) => round(r.upstreamChainMs, 0) },
  { title: 'p50-chain', cell: (r) => round(r.overheadMs, 0) },
  { title: 'cold calls', cell: (r) => callsCell(r.coldCalls), calls: true },
  { title: 'upstream calls/op', cell: (r) => callsCell(r.callsPerOp), calls: true },
  { title: 'peak D', cell: (r) => String(r.peakDescribeInFlight), calls: true },
  { title: 'SP/s/tenant', cell: (r) => round(r.sailPointCallsPerSecondPerTenant) },
  { title: 'CPU ms/op', cell: (r) => round(r.gateway.cpuMsPerOp, 2) },
  { title: 'peak RSS MB', cell: (r) => round(r.gateway.peakRssMb, 0) },
  { title: 'failed', cell: (r) => String(r.gateway.failed), calls: true },
  { title: 'ceiling req/s', cell: (r) => (r.ceiling ? round(r.ceiling.requestsPerSecond) : '-') },
  { title: 'ceil p50', cell: (r) => (r.ceiling ? round(r.ceiling.p50Ms, 0) : '-') },
  { title: 'ceil CPU ms/op', cell: (r) => (r.ceiling ? round(r.ceiling.cpuMsPerOp, 2) : '-') },
  { title: 'ratio', cell: (r) => (r.ceilingRatio !== undefined ? round(r.ceilingRatio, 2) : '-') },
  { title: 'cached req/s', cell: (r) => (r.cached ? round(r.cached.requestsPerSecond) : '-') },
  { title: 'cached CPU ms/op', cell: (r) => (r.cached ? round(r.cached.cpuMsPerOp, 2) : '-') },
  { title: 'cached ratio', cell: (r) => (r.cachedRatio !== undefined ? round(r.cachedRatio, 2) : '-') },
];

/** Rows under a header as a Markdown table, each column as wide as its widest cell. */
export function textTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

export function formatTable(report: BenchReport): string {
  const columns = COLUMNS.filter((column) => !report.options.short || column.calls);
  return [
    textTable(
      columns.map((column) => column.title),
      report.results.map((result) => columns.map((column) => column.cell(result))),
    ),
    '',
    'cold calls: of the first request, on a gateway just started. upstream calls/op: of the measured load, the read models filled.',
    'L ListBackupJobs, D DescribeBackupJob, SP SailPoint list calls (all tenants), T SailPoint token calls.',
    'chain: the upstream round trips an operation cannot avoid at the configured latency; peak D: most Describe calls in flight.',
    'SP/s/tenant: SailPoint list calls per second to the busiest tenant (SailPoint allows 10: 100 per token per 10 s).',
    'req/s and CPU ms/op (gateway and ceiling): per request served, a 2xx answer without GraphQL errors. p50/p99: of the 2xx answers.',
    'failed: non-2xx answers, answers with GraphQL errors, connection errors and timeouts. ratio: gateway req/s over the ceiling req/s.',
    'cached: the dashboard repeated on a gateway with its response cache on; cached ratio: its req/s over the ceiling req/s.',
  ].join('\n');
}

/** Each target the run can judge, as one line starting with MET or MISSED. */
export function judgeTargets(report: BenchReport): string[] {
  const verdicts: string[] = [];
  const verdict = (met: boolean, text: string) => verdicts.push(`${met ? 'MET   ' : 'MISSED'} ${text}`);
  for (const result of report.results) {
    const where = `${result.scenario} at ${result.connections}c`;
    verdict(
      result.missedCallTargets.length === 0,
      `${where}: upstream calls${result.missedCallTargets.length ? ` (expected ${result.missedCallTargets.join('; ')})` : ''}`,
    );
    if (report.options.short) continue;
    if (result.connections === 1) {
      verdict(result.overheadMs <= 5, `${where}: p50 ${round(result.gateway.p50Ms, 0)} ms is at most 5 ms above the ${round(result.upstreamChainMs, 0)} ms chain`);
    }
    if (result.scenario === 'dashboard' && result.ceilingRatio !== undefined) {
      const target = result.connections >= 50 ? 0.7 : 0.5;
      verdict(
        result.ceilingRatio >= target,
        `${where}: throughput ${round(result.ceilingRatio, 2)} of the in-memory ceiling (${round(result.gateway.requestsPerSecond)} over ${round(result.ceiling!.requestsPerSecond)} req/s; target ${target})`,
      );
    }
    if (result.cachedRatio !== undefined && result.connections >= 50) {
      verdict(
        result.cachedRatio >= 1.5,
        `${where}: with the response cache, throughput ${round(result.cachedRatio, 2)} of the in-memory ceiling (${round(result.cached!.requestsPerSecond)} over ${round(result.ceiling!.requestsPerSecond)} req/s; target 1.5)`,
      );
    }
    if (report.options.durationS >= 120) {
      const growth = result.gateway.rssEndMb / result.gateway.rssAfterWarmupMb - 1;
      verdict(
        growth <= 0.2,
        `${where}: RSS ${round(result.gateway.rssAfterWarmupMb, 0)} MB after warm-up, ${round(result.gateway.rssEndMb, 0)} MB at the end (${round(growth * 100, 0)}%, target at most 20%)`,
      );
    }
  }
  for (const result of report.timed) {
    for (const { met, text } of result.verdicts) verdict(met, `${result.scenario}: ${text}`);
  }
  for (const { met, text } of report.scale?.verdicts ?? []) verdict(met, `scale: ${text}`);
  return verdicts;
}

/** Each timed scenario: what it is, what it measured, one line each. */
export function formatTimed(report: BenchReport): string {
  return report.timed
    .map((result) => [`${result.scenario}: ${result.title}`, ...result.lines.map((line) => `  ${line}`)].join('\n'))
    .join('\n\n');
}

/** Whether the run missed a target that fails it: a call count or a correctness target, not a timing one. */
export function missedGates(report: BenchReport): boolean {
  return (
    report.results.some((result) => result.missedCallTargets.length > 0) ||
    report.timed.some((result) => result.verdicts.some((verdict) => verdict.gate && !verdict.met)) ||
    (report.scale?.verdicts.some((verdict) => verdict.gate && !verdict.met) ?? false)
  );
}
