// The scale scenario's pure parts: the sizes its options ask for, the targets it judges, and its plot.
// The scenario itself takes minutes (`npm run bench -- --scenario scale`), too long for the suite.
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../bench/measure.js';
import { judgeScale, scaleSizes, type ScaleResult, type ScaleSize } from '../bench/scale.js';
import { scalePlot } from '../bench/scale-report.js';

function load(p99Ms: number): Measurement {
  return { requests: 100, requestsPerSecond: 50, p50Ms: 1, p99Ms, failed: 0, cpuMsPerOp: 1, loadCpuMsPerOp: 1, peakRssMb: 300, rssAfterWarmupMb: 200, rssEndMb: 200 };
}

function result(size: ScaleSize, figures: { firstPageMs?: number; p99Ms?: number; listsPerRefresh?: number; rssAtRestMb?: number } = {}): ScaleResult {
  return {
    ...size,
    totalJobs: size.regions * size.jobsPerRegion,
    sandboxStartMs: 100,
    gatewayListenMs: 1_000,
    firstPageMs: figures.firstPageMs ?? 2_000,
    firstPageLists: 6,
    filledMs: 3_000,
    fillLists: 10,
    fillCpuMs: { gateway: 1_000, sandbox: 500 },
    totalCount: size.regions * size.jobsPerRegion,
    firstPage1: load(figures.p99Ms ?? 8),
    firstPage50: load(80),
    deepPage: load(10),
    lookups: load(10),
    count: load(10),
    listsPerRefresh: figures.listsPerRefresh ?? 3,
    refreshesSeen: 2 * size.regions,
    refreshesAsked: 2 * size.regions,
    jobsCreatedPerRefresh: 1,
    rssAtRestMb: figures.rssAtRestMb ?? 200,
    peakRssUnderLoadMb: 300,
    peakRssMb: 400,
  };
}

const verdicts = (results: ScaleResult[]) => judgeScale(results).map(({ met, gate }) => ({ met, gate }));

describe('the scale scenario', () => {
  it('runs each job count in one Region, then one size per other Region count', () => {
    expect(scaleSizes({ jobs: [1_000, 1_000_000], regions: [1, 17], regionJobs: 60_000 })).toEqual([
      { regions: 1, jobsPerRegion: 1_000 },
      { regions: 1, jobsPerRegion: 1_000_000 },
      { regions: 17, jobsPerRegion: 60_000 },
    ]);
  });

  it.each([
    ['every target met', {}, {}, [true, true, true, true, true, true, true, true]],
    ['a first page after 12 s', { firstPageMs: 12_000 }, {}, [false, true, true, true, true, true, true, true]],
    ['a p99 three times that of 1000 jobs', { p99Ms: 24 }, {}, [true, false, true, true, true, true, true, true]],
    ['a refresh of 4 calls', {}, { listsPerRefresh: 4 }, [true, true, true, true, true, true, false, true]],
    ['3 GiB at rest', { rssAtRestMb: 3_000 }, {}, [true, true, true, true, true, true, true, false]],
  ])('judges the targets: %s', (_case, million, regions, met) => {
    const results = [
      result({ regions: 1, jobsPerRegion: 1_000 }),
      result({ regions: 1, jobsPerRegion: 1_000_000 }, million),
      result({ regions: 17, jobsPerRegion: 60_000 }, regions),
    ];
    // The first page and p99 of 10^6 jobs, then of 17 Regions; a refresh of each size; the memory of 10^6 jobs.
    expect(verdicts(results)).toEqual(met.map((isMet, index) => ({ met: isMet, gate: index >= 4 && index <= 6 })));
  });

  it('judges only what the sizes run allow', () => {
    expect(verdicts([result({ regions: 1, jobsPerRegion: 10_000 })])).toEqual([{ met: true, gate: true }]);
  });

  it('plots the one-Region sizes as a line and the others as labelled squares', () => {
    const svg = scalePlot({
      latencyMs: 50,
      accounts: 200,
      budget: { calls: 100, perSeconds: 5 },
      refreshAfterMs: 5_000,
      results: [result({ regions: 1, jobsPerRegion: 1_000 }), result({ regions: 1, jobsPerRegion: 100_000 }, { rssAtRestMb: 480 }), result({ regions: 4, jobsPerRegion: 60_000 })],
      verdicts: [],
    });
    expect(svg.startsWith('<svg')).toBe(true);
    // Two panels, each with a line through the two one-Region sizes and a square for the four Regions.
    expect(svg.match(/<polyline points="[^"]+"/g)?.map((line) => line.split(' ').length)).toEqual([3, 3]);
    expect(svg.match(/<circle /g)).toHaveLength(4);
    expect(svg).toContain('4×60k: 200');
    expect(svg).toContain('>480<');
  });
});
