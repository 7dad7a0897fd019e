// The scale scenario's printed table and its plot: an SVG of first-page latency and gateway memory over the organization's size.
import { textTable } from './report.js';
import type { Measurement } from './measure.js';
import { sizeLabel, type ScaleReport, type ScaleResult } from './scale.js';

const round = (value: number, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const seconds = (ms: number) => round(ms / 1000, 1);
/** autocannon counts latency in whole milliseconds: 0 is an answer within the first; a load that got no answer has none. */
const latency = (load: Measurement, ms: number) => (load.requests === 0 ? '-' : ms === 0 ? '<1' : round(ms));
const loadsOf = (r: ScaleResult) => [r.firstPage1, r.firstPage50, r.deepPage, r.lookups, r.count];

const COLUMNS: [string, (result: ScaleResult) => string][] = [
  ['size', sizeLabel],
  ['sandbox s', (r) => seconds(r.sandboxStartMs)],
  ['first page s (L)', (r) => `${seconds(r.firstPageMs)} (${r.firstPageLists})`],
  ['filled s (L)', (r) => `${seconds(r.filledMs)} (${r.fillLists})`],
  ['fill CPU s gw/sb', (r) => `${seconds(r.fillCpuMs.gateway)}/${seconds(r.fillCpuMs.sandbox)}`],
  ['totalCount', (r) => String(r.totalCount)],
  ['page 1c p50/p99', (r) => `${latency(r.firstPage1, r.firstPage1.p50Ms)}/${latency(r.firstPage1, r.firstPage1.p99Ms)}`],
  ['page 50c p50/p99', (r) => `${latency(r.firstPage50, r.firstPage50.p50Ms)}/${latency(r.firstPage50, r.firstPage50.p99Ms)}`],
  ['page 50c req/s', (r) => round(r.firstPage50.requestsPerSecond)],
  ['deep p50', (r) => latency(r.deepPage, r.deepPage.p50Ms)],
  ['50 ids p50', (r) => latency(r.lookups, r.lookups.p50Ms)],
  ['count p50', (r) => latency(r.count, r.count.p50Ms)],
  ['L/refresh', (r) => round(r.listsPerRefresh, 2)],
  ['RSS rest/load/peak', (r) => `${round(r.rssAtRestMb)}/${round(r.peakRssUnderLoadMb)}/${round(r.peakRssMb)}`],
  ['Redis B/job', (r) => (r.redisBytesPerJob === undefined ? '-' : round(r.redisBytesPerJob))],
  ['answers', (r) => String(loadsOf(r).reduce((sum, load) => sum + load.requests, 0))],
  ['failed', (r) => String(loadsOf(r).reduce((sum, load) => sum + load.failed, 0))],
];

export function formatScale(report: ScaleReport): string {
  return [
    textTable(
      COLUMNS.map(([title]) => title),
      report.results.map((result) => COLUMNS.map(([, cell]) => cell(result))),
    ),
    '',
    `Each size: an AWS sandbox of its own (${report.accounts} accounts, ${report.latencyMs} ms per call, shuffled list order) and the gateway, one source per Region`,
    `with accountId "*", a budget of ${report.budget.calls} calls per ${report.budget.perSeconds} s each and the default freshness (refresh after ${report.refreshAfterMs / 1000} s).`,
    'first page / filled: seconds from the gateway spawn to a first page of 20 jobs with every part complete / to every source read in full;',
    '(L): ListBackupJobs calls until then, all Regions; fill CPU: seconds of CPU of the gateway / the sandbox until filled. Latencies in ms; page: the first 20 jobs; deep: 20 jobs created before 20 days ago;',
    '50 ids: nodes(ids:) of 50 jobs; count: totalCount of FAILED jobs; all at 1 connection but page 50c. L/refresh: ListBackupJobs calls of',
    'one source per refresh at steady state. RSS in MiB: at rest once filled, peak under the loads, peak over the whole run.',
    'answers: served by the five loads together (a latency is "-" where a load got none); failed: answers with errors or non-2xx.',
  ].join('\n');
}

const WIDTH = 760;
const HEIGHT = 330;
const PANEL = { width: 300, height: 220, top: 50 };
const LEFTS = [70, 440];

interface Series {
  title: string;
  unit: string;
  value: (result: ScaleResult) => number;
}

const PANELS: Series[] = [
  { title: 'first-page p99 at 1 connection', unit: 'ms', value: (r) => r.firstPage1.p99Ms },
  { title: 'gateway RSS at rest, once filled', unit: 'MiB', value: (r) => r.rssAtRestMb },
];

/** A round upper bound for an axis: 1, 2 or 5 times a power of ten, at least the largest value. */
function niceCeiling(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((step) => step * power).find((bound) => bound >= value)!;
}

/**
 * Two panels over the organization's jobs (log scale): the one-Region sizes as a line, the runs of
 * several Regions as squares at their total, labelled.
 */
export function scalePlot(report: ScaleReport): string {
  const results = report.results;
  const totals = results.map((result) => result.totalJobs);
  const lowPower = Math.floor(Math.log10(Math.min(...totals)));
  // A total a little past a power of ten (17 Regions of 60,000) ends the axis there, a point just beyond its edge.
  const highPower = Math.ceil(Math.log10(Math.max(...totals)) - 0.05);
  const span = Math.max(1, highPower - lowPower);
  const x = (left: number, jobs: number) => left + ((Math.log10(jobs) - lowPower) / span) * PANEL.width;
  const parts: string[] = [];
  const text = (px: number, py: number, content: string, anchor = 'middle', size = 11) =>
    parts.push(`<text x="${px.toFixed(1)}" y="${py.toFixed(1)}" text-anchor="${anchor}" font-size="${size}">${content}</text>`);

  PANELS.forEach((series, index) => {
    const left = LEFTS[index]!;
    const bottom = PANEL.top + PANEL.height;
    const top = niceCeiling(Math.max(...results.map(series.value)));
    const y = (value: number) => bottom - (value / top) * PANEL.height;
    text(left + PANEL.width / 2, PANEL.top - 14, `${series.title} (${series.unit})`, 'middle', 13);
    parts.push(`<rect x="${left}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="none" stroke="#999"/>`);
    for (let tick = 0; tick <= 4; tick++) {
      const value = (top * tick) / 4;
      parts.push(`<line x1="${left}" y1="${y(value).toFixed(1)}" x2="${left + PANEL.width}" y2="${y(value).toFixed(1)}" stroke="#eee"/>`);
      text(left - 6, y(value) + 4, String(value), 'end');
    }
    for (let power = lowPower; power <= lowPower + span; power++) text(x(left, 10 ** power), bottom + 16, `10<tspan dy="-5" font-size="8">${power}</tspan>`);
    text(left + PANEL.width / 2, bottom + 34, 'jobs in the 30-day window (log scale)');
    const oneRegion = results.filter((result) => result.regions === 1);
    const line = oneRegion.map((result) => `${x(left, result.totalJobs).toFixed(1)},${y(series.value(result)).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${line}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
    for (const result of oneRegion) {
      parts.push(`<circle cx="${x(left, result.totalJobs).toFixed(1)}" cy="${y(series.value(result)).toFixed(1)}" r="3.5" fill="#1f77b4"/>`);
      text(x(left, result.totalJobs), y(series.value(result)) - 8, round(series.value(result)), 'middle', 10);
    }
    for (const result of results.filter((candidate) => candidate.regions > 1)) {
      const px = x(left, result.totalJobs);
      const py = y(series.value(result));
      parts.push(`<rect x="${(px - 4).toFixed(1)}" y="${(py - 4).toFixed(1)}" width="8" height="8" fill="#d62728"/>`);
      const label = `${result.regions}×${result.jobsPerRegion / 1000}k: ${round(series.value(result))}`;
      // Near the right edge the label goes below the square, ending at it, to stay inside the picture.
      if (px > left + PANEL.width * 0.8) text(px + 4, py + 16, label, 'end', 10);
      else text(px + 7, py + 4, label, 'start', 10);
    }
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    ...parts,
    `<text x="${LEFTS[0]}" y="${HEIGHT - 8}" font-size="11"><tspan fill="#1f77b4">● one Region</tspan>   <tspan fill="#d62728">■ several Regions (at their total)</tspan>   ${report.latencyMs} ms per upstream call</text>`,
    '</svg>',
    '',
  ].join('\n');
}
