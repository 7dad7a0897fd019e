// The summary scenario: "failed jobs per account per day over the last 14 days" asked of the real
// gateway over the AWS sandbox two ways, each on a gateway of its own: one backupJobSummary, and
// paging through every failed job of those days with backupJobs and counting on the client. Per
// size, the upstream calls and latency of each, cold (a gateway process that has answered one other
// summary, so that its code is warm, but has read nothing this question needs) and warm.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { parseSource, type SourceConfig } from '../src/config/index.js';
import { percentile } from './clients.js';
import { Questioner } from './ipc.js';
import { quiet } from './measure.js';
import { benchNow, readyMessage, secretsHandedOut, spawnGateway, spawnTs, stop, writeGatewayConfig } from './processes.js';
import { ACCOUNTS, answer, BUDGET } from './scale.js';
import type { ScaleSandboxReady } from './scale-sandbox-process.js';

export interface SummaryBenchOptions {
  /** Jobs per Region of the large organization, one run each, after the run over the seeded one. */
  jobs: number[];
  latencyMs: number;
  /** Warm answers measured per way. */
  repeats: number;
  /** Whether to page too: at a million jobs, the list's first read alone takes many minutes. */
  paging: boolean;
  log: (line: string) => void;
}

/** One way of getting the counts, on a gateway of its own. */
export interface SummaryWay {
  /** A fresh gateway process's first answer, to another summary (WARM_UP): what a process's first request adds. */
  firstRequestMs: number;
  /** The first answer after WARM_UP, nothing it needs read yet: its time, and the upstream calls until the upstream was quiet. */
  coldMs: number;
  coldCalls: Record<string, number>;
  /** Requests one answer takes: 1 summary, or the pages of a traversal. */
  requests: number;
  /** The answers after it: their median time, and the calls they made together. */
  warmP50Ms: number;
  warmCalls: Record<string, number>;
}

export interface SummaryBenchResult {
  /** Null for the seeded organization. */
  jobsPerRegion: number | null;
  regions: number;
  /** Groups (account and day) and failed jobs counted. */
  groups: number;
  failed: number;
  /** Whether both ways gave the same count for every group; null when only the summary ran. */
  agree: boolean | null;
  /** How each AWS source was counted by backupJobSummary. */
  methods: string[];
  summary: SummaryWay;
  paging: SummaryWay | null;
}

export interface SummaryBenchReport {
  latencyMs: number;
  budget: { calls: number; perSeconds: number };
  results: SummaryBenchResult[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SUMMARY = `query ($filter: BackupJobFilter) {
  backupJobSummary(filter: $filter, groupBy: [ACCOUNT_ID, DAY]) { groups { key { accountId day } count } total sources { sourceName method } }
}`;
const PAGE = `query ($filter: BackupJobFilter, $after: String) {
  backupJobs(first: 100, after: $after, filter: $filter) {
    edges { node { createdAt ... on AwsBackupJob { accountId } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
/**
 * What a gateway answers first, before the measured question: another grouping of other jobs,
 * which shares none of its cached answers or reads, but runs the same code (yoga, the SDK's
 * client, the guard) and has the sandbox count its jobs once, as AWS keeps its counts ready.
 */
const WARM_UP = `query ($filter: BackupJobFilter) { backupJobSummary(filter: $filter, groupBy: [PHASE]) { total } }`;
/** How long a traversal waits before asking again for a page that a source still filling held back. */
const HELD_BACK_PAUSE_MS = 100;

export async function runSummaryBench(options: SummaryBenchOptions): Promise<{ report: SummaryBenchReport; gatewayOutput: string; secrets: string[] }> {
  const results: SummaryBenchResult[] = [];
  const outputs: string[] = [];
  const secrets = new Set<string>();
  for (const jobsPerRegion of [null, ...options.jobs]) {
    const label = jobsPerRegion === null ? 'seeded organization' : `${jobsPerRegion} jobs`;
    options.log(`summary ${label}`);
    const { result, output, handedOut } = await runSize(jobsPerRegion, label, options);
    outputs.push(`== gateway summary ${label}\n${output}`);
    for (const secret of handedOut) secrets.add(secret);
    results.push(result);
  }
  return { report: { latencyMs: options.latencyMs, budget: BUDGET, results }, gatewayOutput: outputs.join('\n'), secrets: [...secrets] };
}

async function runSize(jobsPerRegion: number | null, label: string, options: SummaryBenchOptions): Promise<{ result: SummaryBenchResult; output: string; handedOut: string[] }> {
  const now = benchNow();
  const sandboxProcess = spawnTs('bench/scale-sandbox-process.ts', {
    env: {
      BENCH_NOW: now,
      BENCH_LATENCY_MS: String(options.latencyMs),
      // A frozen clock: both ways count the same jobs in the same states.
      BENCH_FROZEN_CLOCK: '1',
      ...(jobsPerRegion !== null ? { BENCH_SCALE_JOBS: String(jobsPerRegion), BENCH_SCALE_ACCOUNTS: String(ACCOUNTS), BENCH_SCALE_REGIONS: '1' } : {}),
    },
    ipc: true,
  });
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-summary-'));
  const outputs: string[] = [];
  try {
    const ready = await readyMessage<ScaleSandboxReady>(sandboxProcess, 'the summary sandbox process');
    const sandbox = new Questioner(sandboxProcess);
    const sources: SourceConfig[] = ready.regions.map((region) =>
      parseSource({ kind: 'aws', name: `aws-${region}`, region, accountId: '*', endpoint: ready.url, budget: BUDGET }),
    );
    const config = writeGatewayConfig(work, { sources });
    const filter = { phases: ['FAILED'], createdAfter: new Date(Math.floor(Date.parse(now) / DAY_MS) * DAY_MS - 13 * DAY_MS).toISOString() };

    /** Runs one way on a gateway of its own: cold, then `repeats` times warm. */
    const measureWay = async (name: string, ask: (url: string) => Promise<{ counts: Map<string, number>; requests: number; methods?: string[] }>) => {
      await sandbox.ask('reset');
      const gateway = spawnGateway(config, { env: { BENCH_NOW: now } });
      try {
        const url = `http://127.0.0.1:${await gateway.port}/graphql`;
        const firstAt = performance.now();
        await answer(url, JSON.stringify({ query: WARM_UP, variables: { filter: { ...filter, phases: ['COMPLETED', 'COMPLETED_WITH_ISSUES'] } } }));
        const firstRequestMs = performance.now() - firstAt;
        await quiet(() => sandbox.ask<number>('lists'));
        await sandbox.ask('reset');
        const startedAt = performance.now();
        const cold = await ask(url);
        const coldMs = performance.now() - startedAt;
        await quiet(() => sandbox.ask<number>('lists'));
        const coldCalls = await sandbox.ask<Record<string, number>>('calls');
        await sandbox.ask('reset');
        const times: number[] = [];
        for (let repeat = 0; repeat < options.repeats; repeat++) {
          const at = performance.now();
          await ask(url);
          times.push(performance.now() - at);
        }
        const warmCalls = await sandbox.ask<Record<string, number>>('calls');
        const way: SummaryWay = { firstRequestMs: Math.round(firstRequestMs), coldMs: Math.round(coldMs), coldCalls, requests: cold.requests, warmP50Ms: round(percentile(times.sort((a, b) => a - b), 0.5)), warmCalls };
        // Each way as it ends: a run cut short still tells what it measured.
        options.log(`summary ${label}: ${name}: ${wayText(way)}`);
        return { way, counts: cold.counts, methods: cold.methods ?? [] };
      } finally {
        await stop(gateway.child);
        outputs.push(gateway.output());
      }
    };

    const summary = await measureWay('backupJobSummary', async (url) => {
      const data = await answer(url, JSON.stringify({ query: SUMMARY, variables: { filter } }));
      const { groups, sources: parts } = data.backupJobSummary as { groups: { key: { accountId: string; day: string }; count: number }[]; sources: { method: string }[] };
      return { counts: new Map(groups.map((group) => [`${group.key.accountId} ${group.key.day}`, group.count])), requests: 1, methods: parts.map((part) => part.method) };
    });
    const paging = options.paging ? await measureWay('paging backupJobs', (url) => traverse(url, filter)) : null;
    const failed = [...summary.counts.values()].reduce((sum, count) => sum + count, 0);
    return {
      result: {
        jobsPerRegion,
        regions: ready.regions.length,
        groups: summary.counts.size,
        failed,
        agree: paging ? isDeepStrictEqual(new Map([...summary.counts].sort()), new Map([...paging.counts].sort())) : null,
        methods: summary.methods,
        summary: summary.way,
        paging: paging?.way ?? null,
      },
      output: outputs.join('\n'),
      handedOut: secretsHandedOut(sources),
    };
  } finally {
    sandboxProcess.disconnect();
    await stop(sandboxProcess);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Every page of the failed jobs, counted per account and day as a client would; a page a filling source held back is asked again after a pause. */
async function traverse(url: string, filter: Record<string, unknown>): Promise<{ counts: Map<string, number>; requests: number }> {
  const counts = new Map<string, number>();
  let after: string | null = null;
  let requests = 0;
  for (;;) {
    const data = await answer(url, JSON.stringify({ query: PAGE, variables: { filter, after } }));
    requests++;
    const page = data.backupJobs as { edges: { node: { createdAt: string; accountId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    for (const { node } of page.edges) {
      const key = `${node.accountId} ${node.createdAt.slice(0, 10)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    if (!page.pageInfo.hasNextPage) return { counts, requests };
    if (page.edges.length === 0) await sleep(HELD_BACK_PAUSE_MS);
    after = page.pageInfo.endCursor ?? after;
  }
}

const round = (value: number) => Math.round(value * 10) / 10;

const callsText = (calls: Record<string, number>) => `${calls.ListBackupJobs ?? 0} ListBackupJobs, ${calls.ListBackupJobSummaries ?? 0} ListBackupJobSummaries`;

function wayText(way: SummaryWay): string {
  return `a fresh process's first summary ${way.firstRequestMs} ms; cold ${way.coldMs} ms (${way.requests} requests, ${callsText(way.coldCalls)}); warm p50 ${way.warmP50Ms} ms (${callsText(way.warmCalls)} over the warm answers)`;
}

export function formatSummaryBench(report: SummaryBenchReport): string {
  const lines = [`failed jobs per account per day over 14 days (AWS sandbox latency ${report.latencyMs} ms, budget ${report.budget.calls} calls per ${report.budget.perSeconds} s per source):`];
  for (const result of report.results) {
    const size = result.jobsPerRegion === null ? `seeded organization, ${result.regions} Regions` : `${result.jobsPerRegion} jobs, ${result.regions} Region`;
    lines.push(`  ${size}: ${result.groups} groups, ${result.failed} failed jobs; both ways agree: ${result.agree === null ? 'not paged' : result.agree ? 'yes' : 'NO'}; summary counted by ${result.methods.join(', ')}`);
    for (const [name, way] of [['backupJobSummary', result.summary], ['paging backupJobs', result.paging]] as const) if (way) lines.push(`    ${name}: ${wayText(way)}`);
  }
  return lines.join('\n');
}
