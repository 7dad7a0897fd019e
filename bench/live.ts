// The live-updates scenario: many clients subscribed to backupJobUpdated with one filter, against
// one subscriber, while jobs start in the sandbox. It counts what the subscribers cost upstream,
// times each job from its creation in the sandbox to its event at every client, and weighs each
// subscription's memory.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AwsSourceConfig } from '../src/aws/config.js';
import type { SourceConfig } from '../src/config/index.js';
import { Rng } from '../src/sandbox/aws/rng.js';
import { startJobsAnswered } from '../test/support/aws-jobs.js';
import { subscribe, type SseSubscription } from '../test/support/sse.js';
import { percentile } from './clients.js';
import { GRAPHQL_HEADERS, rssMb } from './processes.js';
import type { UpstreamCalls } from './sandbox-process.js';
import type { TimedHarness, TimedResult, Verdict } from './timed.js';

/** The scenario's name in `--scenario`. */
export const LIVE = 'live';

export interface LiveOptions {
  /** Clients subscribed at once in the measured pass. */
  subscribers: number;
  /** Seconds each pass (one subscriber, then many) is measured. */
  durationS: number;
}

/**
 * The sources are refreshed every second, often enough that a refresh more or less in a pass is
 * under the 5 % the upstream calls of the many may differ from those of the one by; a job starts
 * every 2.5 s on average; an event may take 50 ms beyond one refresh interval from the job's creation
 * to the client.
 */
const [REFRESH_AFTER_MS, JOB_EVERY_MS, CALLS_TOLERANCE, DELIVERY_MS] = [1_000, 2_500, 0.05, 50];

/**
 * The times from one job's start to the next: 2.5 s give or take half a refresh interval, drawn
 * pseudo-randomly. A fixed step would land the jobs at a few fixed points of the refresh interval
 * (2,500 ms is two and a half intervals, so they fall in two clusters drifting a few ms a job), and
 * the time each waits for its refresh, the bulk of its latency, would be as lucky or unlucky as those
 * points; drawn so, each job's creation falls anywhere in the interval alike, as a change upstream
 * does. The draws come from a constant seed, restarted for each pass: every pass of every run starts
 * its jobs at the same offsets, so that the runs' latencies differ by the gateway, not by the draw.
 */
function jobSpacing(): () => number {
  const draws = new Rng('live-job-spacing');
  return () => JOB_EVERY_MS + (draws.next() - 0.5) * REFRESH_AFTER_MS;
}

const UPDATES = 'subscription Live { backupJobUpdated { changes job { sourceName phase ... on AwsBackupJob { backupJobId } } } }';

interface Pass {
  subscribers: number;
  /** The sources' list calls during the pass (token calls and the jobs started left out). */
  listCalls: number;
  startedJobs: number;
  /** Subscribers that got an APPEARED event for every job started during the pass. */
  complete: number;
  /** Milliseconds from each job's creation in the sandbox to its event, at each subscriber. */
  latenciesMs: number[];
  /** Milliseconds from the StartBackupJob call that created each job to its event, at each subscriber. */
  fromCallMs: number[];
  /** For each job, milliseconds from its event at the first subscriber to the last. */
  spreadsMs: number[];
  rssBeforeMb: number;
  rssWithMb: number;
}

const listCallsOf = (calls: UpstreamCalls) =>
  Object.values(calls.bySource).reduce((sum, operations) => sum + (operations.ListBackupJobs ?? 0) + (operations.listBackups ?? 0) + (operations.listUploads ?? 0), 0);

async function pass(harness: TimedHarness, sources: SourceConfig[], region: AwsSourceConfig, subscribers: number, durationS: number): Promise<Pass> {
  const gateway = await harness.startGateway(`live-${subscribers}`, {
    sources,
    security: {
      limits: {
        maxSubscriptions: subscribers + 10,
        maxSubscriptionsPerCaller: subscribers + 10,
        maxConnections: subscribers + 100,
        maxConnectionsPerAddress: subscribers + 100,
        callerBudget: { calls: 1_000_000, perSeconds: 1 },
      },
    },
  });
  const open: SseSubscription[] = [];
  try {
    // The lists as they are before any job starts: what the events are told against.
    await fetch(gateway.url, { method: 'POST', headers: GRAPHQL_HEADERS, body: JSON.stringify({ query: '{ backupJobs(first: 1) { totalCount } }' }) });
    await sleep(500);
    const rssBeforeMb = rssMb(gateway.pid);
    for (let opened = 0; opened < subscribers; opened += 50) {
      open.push(...(await Promise.all(Array.from({ length: Math.min(50, subscribers - opened) }, () => subscribe(gateway.url, UPDATES)))));
    }
    const refused = open.filter((subscription) => subscription.status !== 200).length;
    if (refused > 0) throw new Error(`live: ${refused} of ${subscribers} subscriptions were refused`);
    await sleep(2 * REFRESH_AFTER_MS);
    const rssWithMb = rssMb(gateway.pid);
    await harness.sandbox.ask('reset');
    // A job's CreationDate in this process's performance.now() terms: the moment the change the event
    // tells of was made. The real clock is read beside the monotonic one now, not at the process's start.
    const aheadMs = await harness.sandbox.ask<number>('clockAheadMs');
    const realAheadMs = Date.now() - performance.now();
    const createdAt = new Map<string, number>();
    const calledAt = new Map<string, number>();
    const nextJobAfterMs = jobSpacing();
    const until = performance.now() + durationS * 1000;
    while (performance.now() + JOB_EVERY_MS + REFRESH_AFTER_MS / 2 < until) {
      const before = performance.now();
      const [job] = await startJobsAnswered(region.endpoint!, region.region, 1, `live-${subscribers}-`);
      calledAt.set(job!.backupJobId, before);
      createdAt.set(job!.backupJobId, job!.creationDate.getTime() - aheadMs - realAheadMs);
      await sleep(nextJobAfterMs() - (performance.now() - before));
    }
    await sleep(until - performance.now());
    const calls = await harness.sandbox.ask<UpstreamCalls>('calls');
    // The last job's event, which may still be on its way.
    await sleep(REFRESH_AFTER_MS + 500);
    const latenciesMs: number[] = [];
    const fromCallMs: number[] = [];
    const arrivals = new Map<string, { first: number; last: number }>();
    let complete = 0;
    for (const subscription of open) {
      const heard = new Set<string>();
      for (const event of subscription.events) {
        const update = (event.data as { data?: { backupJobUpdated?: { changes: string[]; job: { backupJobId?: string } } } }).data?.backupJobUpdated;
        const id = update?.job.backupJobId;
        const created = id === undefined ? undefined : createdAt.get(id);
        if (created === undefined || !update!.changes.includes('APPEARED')) continue;
        heard.add(id!);
        latenciesMs.push(event.at - created);
        fromCallMs.push(event.at - calledAt.get(id!)!);
        const seen = arrivals.get(id!);
        arrivals.set(id!, { first: Math.min(seen?.first ?? event.at, event.at), last: Math.max(seen?.last ?? event.at, event.at) });
      }
      if (heard.size === createdAt.size) complete++;
    }
    const spreadsMs = [...arrivals.values()].map(({ first, last }) => last - first);
    return { subscribers, listCalls: listCallsOf(calls), startedJobs: createdAt.size, complete, latenciesMs, fromCallMs, spreadsMs, rssBeforeMb, rssWithMb };
  } finally {
    for (const subscription of open) subscription.close();
    await gateway.stop();
  }
}

export async function liveUpdates(harness: TimedHarness, options: LiveOptions): Promise<TimedResult> {
  const sources = harness.sources.map((source) => ({ ...source, freshness: { ...source.freshness, refreshAfterMs: REFRESH_AFTER_MS } }));
  const region = sources.find((source): source is AwsSourceConfig => source.kind === 'aws')!;
  harness.log(`live: 1 subscriber, ${options.durationS} s`);
  const one = await pass(harness, sources, region, 1, options.durationS);
  await harness.quiet();
  harness.log(`live: ${options.subscribers} subscribers of one filter, ${options.durationS} s`);
  const many = await pass(harness, sources, region, options.subscribers, options.durationS);
  const sorted = [...many.latenciesMs].sort((a, b) => a - b);
  const [p50, p99] = [percentile(sorted, 0.5), percentile(sorted, 0.99)];
  const p99FromCall = percentile([...many.fromCallMs].sort((a, b) => a - b), 0.99);
  const spreads = [...many.spreadsMs].sort((a, b) => a - b);
  const ratio = many.listCalls / one.listCalls;
  const rssPerSubscriberKb = ((many.rssWithMb - many.rssBeforeMb) * 1024) / many.subscribers;
  const verdicts: Verdict[] = [
    {
      met: one.complete === 1 && many.complete === many.subscribers && many.startedJobs > 0,
      text: `every subscriber heard every job started: 1 of 1, and ${many.complete} of ${many.subscribers} (${many.startedJobs} jobs each) (target: all)`,
      gate: true,
    },
    {
      met: Math.abs(ratio - 1) <= CALLS_TOLERANCE,
      text: `upstream list calls in ${options.durationS} s: ${many.listCalls} with ${many.subscribers} subscribers, ${one.listCalls} with 1 (ratio ${ratio.toFixed(3)}; target: within ${CALLS_TOLERANCE * 100} %)`,
      gate: true,
    },
    {
      met: p99 <= REFRESH_AFTER_MS + DELIVERY_MS,
      text: `from a job's creation in the sandbox to its event at each of ${many.subscribers} clients: p50 ${p50.toFixed(0)} ms, p99 ${p99.toFixed(0)} ms (target: at most refreshAfterMs ${REFRESH_AFTER_MS} + ${DELIVERY_MS} ms)`,
      gate: false,
    },
  ];
  return {
    scenario: LIVE,
    title: `${options.subscribers} clients subscribed to backupJobUpdated with one filter for ${options.durationS} s, against one, while a job starts every ${JOB_EVERY_MS / 1000} s on average (sources refreshed every ${REFRESH_AFTER_MS} ms)`,
    figures: { one, many: { ...many, latenciesMs: undefined, fromCallMs: undefined }, p50, p99, p99FromCall, ratio, rssPerSubscriberKb },
    lines: [
      `1 subscriber: ${one.listCalls} list calls, ${one.startedJobs} jobs started`,
      `${many.subscribers} subscribers: ${many.listCalls} list calls, ${many.startedJobs} jobs started, ${many.latenciesMs.length} events timed`,
      `from the StartBackupJob call (its time to the sandbox and back included): p99 ${p99FromCall.toFixed(0)} ms`,
      `a job's event from its first client to its last: median ${percentile(spreads, 0.5).toFixed(0)} ms, at most ${spreads.at(-1)?.toFixed(0) ?? '-'} ms`,
      `gateway RSS: ${many.rssBeforeMb.toFixed(0)} MB before the subscriptions, ${many.rssWithMb.toFixed(0)} MB with ${many.subscribers} (${rssPerSubscriberKb.toFixed(1)} KB per subscriber)`,
    ],
    verdicts,
  };
}
