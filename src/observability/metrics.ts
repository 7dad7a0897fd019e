// Prometheus metrics in a registry of the gateway's own: what GraphQL requests, upstream calls,
// budgets, circuits and read models do, and the process's own figures. Every label value comes from
// a bounded set (configured source names, the gateway's operations, codes and reasons, capped
// operation names): never a job id, a caller, or anything else a request can make up.
import { createRequire } from 'node:module';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const metricsRegistry = new Registry();

/** The text /metrics serves: this process's registry, or every worker's together (see observability/cluster.ts). */
let exposition: () => Promise<string> = () => metricsRegistry.metrics();

export function metricsText(): Promise<string> {
  return exposition();
}

export function exposeMetricsFrom(source: () => Promise<string>): void {
  exposition = source;
}

/** Off until a gateway serves the metrics: until then every recorder returns at once. */
let recording = false;

/** What the gauges read of the gateway's sources when scraped: each one's circuit and the age of its read model. */
export interface WatchedSources {
  readonly all: readonly { readonly name: string; readonly circuit: string }[];
  readModel(name: string): { fetchedAt(): Promise<number | null> } | undefined;
  readonly state: { readonly failedWrites: number };
}

/** The sources whose circuits and read models the gauges read when scraped: the gateway this process serves. */
let watched: WatchedSources | undefined;

export function startRecording(sources: WatchedSources): void {
  watched = sources;
  if (recording) return;
  recording = true;
  for (const collector of PROCESS_METRICS) loadProcessMetric(collector)(metricsRegistry, { eventLoopMonitoringPrecision: EVENT_LOOP_RESOLUTION_MS });
}

/**
 * The process's own figures: every one of prom-client's default collectors (CPU, memory, heap
 * spaces, event-loop delay, handles, file descriptors, version) but its GC duration histogram, which
 * collectDefaultMetrics cannot leave out. That histogram observes every collection through a
 * perf_hooks observer, and on Node 20 each observed collection costs the main thread about 0.1 ms;
 * under load this gateway collects about 60 times a second, so the histogram alone would take
 * about 1 % of its CPU. Heap use and event-loop delay show GC pressure without that cost.
 */
const PROCESS_METRICS = collectDefaultMetrics.metricsList.filter((name) => name !== 'gc');

/** prom-client's own default (10 ms). */
const EVENT_LOOP_RESOLUTION_MS = 10;

type ProcessMetric = (registry: Registry, config: { eventLoopMonitoringPrecision: number }) => void;

const require = createRequire(import.meta.url);

/** One of prom-client's default collectors, from the module collectDefaultMetrics itself loads it from. */
function loadProcessMetric(name: string): ProcessMetric {
  return require(`prom-client/lib/metrics/${name}`) as ProcessMetric;
}

/** From 5 ms to past the default request deadline (15 s). */
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

const registers = [metricsRegistry];

const counter = <Label extends string>(name: string, help: string, labelNames: readonly Label[]) =>
  new Counter({ name, help, labelNames, registers });

const seconds = <Label extends string>(name: string, help: string, labelNames: readonly Label[]) =>
  new Histogram({ name, help, labelNames, buckets: SECONDS, registers });

const graphqlRequests = seconds(
  'backup_graph_graphql_request_duration_seconds',
  'GraphQL requests by operation name and outcome (ok, partial: data and errors, error: no data), from arrival to answer',
  ['operation', 'outcome'],
);

const upstreamCalls = seconds(
  'backup_graph_upstream_call_duration_seconds',
  'Upstream calls by source, operation and outcome (ok, error: the source failed, refused: the gateway did not call it), retries and waits included',
  ['source', 'operation', 'outcome'],
);

const upstreamFailures = counter(
  'backup_graph_upstream_call_failures_total',
  'Failed upstream calls by source, operation, error code and outcome (error or refused)',
  ['source', 'operation', 'code', 'outcome'],
);

const upstreamRequests = counter(
  'backup_graph_upstream_requests_total',
  'HTTP requests sent to each source, retries and token requests included: what its upstream budget counts',
  ['source'],
);

const skippedRecords = counter(
  'backup_graph_upstream_skipped_records_total',
  'Records left out of the lists read from each source because a member had the wrong type, by source and operation (counted at every read of the list)',
  ['source', 'operation'],
);

const upstreamBudget = new Gauge({
  name: 'backup_graph_upstream_budget_requests_per_second',
  help: "Requests per second each source's upstream budget allows, shared by every replica",
  labelNames: ['source'] as const,
  registers,
  // Every worker holds the same configured budget: summing them would claim N times the calls.
  aggregator: 'first',
});

const refusals = counter(
  'backup_graph_refusals_total',
  'What the gateway refused on its own account, by source and reason (caller-budget, Budget, CircuitOpen, DeadlineInQueue, RequestDeadline)',
  ['source', 'reason'],
);

export type ReadResult = 'hit' | 'miss' | 'stale' | 'unavailable';

const reads = counter(
  'backup_graph_read_model_reads_total',
  "Reads of each source's read model, once per request: hit (served as cached), miss (waited for a refresh), stale (a refresh failed, an older answer served), unavailable (nothing served)",
  ['source', 'result'],
);

const lookups = counter('backup_graph_read_model_lookups_total', 'Jobs looked up by id: hit (in the list or cached), miss (asked upstream)', ['source', 'result']);

const recordReads = counter(
  'backup_graph_read_model_record_reads_total',
  'Records a job points at (recovery point, plan, vault), read by id: hit (cached), miss (asked upstream)',
  ['source', 'result'],
);

const responseCache = counter(
  'backup_graph_response_cache_answers_total',
  'Answers of the response cache: hit (served from it, the query not run), kept (run, then kept for the requests after it)',
  ['result'],
);

new Counter({
  name: 'backup_graph_shared_state_failed_writes_total',
  help: 'Writes that did not reach the shared state (Redis) since start: while they fail, replicas do not share what they read',
  registers: [metricsRegistry],
  collect() {
    this.reset();
    this.inc(watched?.state.failedWrites ?? 0);
  },
});

/** The guard's circuit states (`CircuitName` in src/source-guard.ts, which records through these metrics and so cannot be imported here). */
const CIRCUIT_STATES = ['CLOSED', 'HALF_OPEN', 'OPEN'] as const;

new Gauge({
  name: 'backup_graph_circuit_state',
  help: "Each source's circuit: 1 for the state it is in, 0 for the others",
  labelNames: ['source', 'state'] as const,
  registers,
  // Each worker has its own circuit per source: across workers, 1 for each state any of them is in.
  aggregator: 'max',
  collect() {
    this.reset();
    for (const source of watched?.all ?? []) {
      for (const state of CIRCUIT_STATES) this.set({ source: source.name, state }, source.circuit === state ? 1 : 0);
    }
  },
});

new Gauge({
  name: 'backup_graph_read_model_age_seconds',
  help: "Age of each source's read model (absent before its first read)",
  labelNames: ['source'] as const,
  registers,
  // The workers read one shared read model; the youngest copy any of them saw is its age.
  aggregator: 'min',
  async collect() {
    this.reset();
    const sources = watched;
    if (!sources) return;
    await Promise.all(
      sources.all.map(async (source) => {
        const fetchedAt = await sources.readModel(source.name)?.fetchedAt();
        if (fetchedAt != null) this.set({ source: source.name }, (Date.now() - fetchedAt) / 1000);
      }),
    );
  },
});

export function recordGraphQLRequest(operation: string, outcome: 'ok' | 'partial' | 'error', seconds: number): void {
  if (recording) graphqlRequests.observe({ operation, outcome }, seconds);
}

export type CallOutcome = 'ok' | 'error' | 'refused';

export function recordUpstreamCall(source: string, operation: string, outcome: CallOutcome, seconds: number, code?: string): void {
  if (!recording) return;
  upstreamCalls.observe({ source, operation, outcome }, seconds);
  if (code !== undefined) upstreamFailures.inc({ source, operation, code, outcome });
}

export function recordUpstreamRequest(source: string): void {
  if (recording) upstreamRequests.inc({ source });
}

export function recordSkippedRecords(source: string, operation: string, count: number): void {
  if (recording) skippedRecords.inc({ source, operation }, count);
}

/** Set once per source when it is built, whether or not the metrics are served yet. */
export function recordUpstreamBudget(source: string, requestsPerSecond: number): void {
  upstreamBudget.set({ source }, requestsPerSecond);
}

export function recordRefusal(source: string, reason: string): void {
  if (recording) refusals.inc({ source, reason });
}

export function recordRead(source: string, result: ReadResult): void {
  if (recording) reads.inc({ source, result });
}

export function recordLookup(source: string, result: 'hit' | 'miss'): void {
  if (recording) lookups.inc({ source, result });
}

export function recordRecordRead(source: string, result: 'hit' | 'miss'): void {
  if (recording) recordReads.inc({ source, result });
}

export function recordResponseCache(result: 'hit' | 'kept'): void {
  if (recording) responseCache.inc({ result });
}
