// Observability of the real entry point: `src/main.ts` runs as its own process on the sandbox with
// a metrics token, JSON logs and traces sent to an OTLP/HTTP receiver on loopback. The test drives
// it through successes, partial failures and an open circuit, and reads what moved in /metrics,
// what spans arrived and what the log lines say.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, stop, type GatewayProcess } from '../bench/processes.js';
import { ConfigError, parseConfig, readTracesExport } from '../src/config/index.js';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { SANDBOX_NOW, startTestGateway } from './support/gateway.js';
import { apiKeyEntry } from './support/secrets.js';

const API_KEY = `obs-key-${randomBytes(12).toString('hex')}`;
const METRICS_TOKEN = `obs-metrics-${randomBytes(12).toString('hex')}`;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let sandbox: Sandbox;
let receiver: Server;
/** Every body the OTLP receiver was sent, parsed. */
const exports: OtlpExport[] = [];
let gateway: GatewayProcess;
let base: string;

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
  status?: { code?: number };
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

beforeAll(async () => {
  sandbox = await startSandbox({ now: SANDBOX_NOW });
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === '/v1/traces') exports.push(JSON.parse(Buffer.concat(chunks).toString()) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));

  const [prod, other] = sandbox.sailPoint.tenants;
  const sailPoint = (name: string, tenant: typeof prod, extra: object) => ({
    kind: 'sailpoint',
    name,
    baseUrl: sandbox.sailPoint.tenantUrl(tenant!.name),
    clientId: tenant!.clientId,
    clientSecret: tenant!.clientSecret,
    timeoutMs: 3_000,
    ...extra,
  });
  const config = {
    security: {
      auth: { apiKeys: [apiKeyEntry('observability-test', API_KEY, ['*'])] },
      limits: { callerBudget: { calls: 1_000_000, perSeconds: 1 } },
    },
    observability: { metrics: { sha256: sha256(METRICS_TOKEN), maxOperationNames: 3 } },
    sources: [
      { kind: 'aws', name: 'aws-us-east-1', region: 'us-east-1', accountId: '*', endpoint: sandbox.aws.url, timeoutMs: 3_000 },
      // Re-read on every request, served stale when that fails, and its circuit opens after two failed calls.
      sailPoint('sailpoint-prod', prod, {
        freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 300_000 },
        circuitBreaker: { failures: 2, halfOpenAfterMs: 600_000 },
      }),
      // Re-read on every request and never served stale: a failure leaves it out of the answer.
      sailPoint('sailpoint-sandbox', other, { freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 } }),
    ],
  };
  const file = join(await mkdtemp(join(tmpdir(), 'backup-graph-observability-')), 'gateway.json');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  gateway = spawnGateway(file, {
    env: {
      LOG_FORMAT: 'json',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'backup-graph-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  base = `http://127.0.0.1:${await gateway.port}`;
}, 30_000);

afterAll(async () => {
  await stop(gateway.child);
  await new Promise((resolve) => receiver.close(resolve));
  await sandbox.close();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
}

async function graphql(query: string, headers: Record<string, string> = { 'x-api-key': API_KEY }): Promise<Answer> {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

/** One scrape as sample name plus sorted labels → value; a sample the scrape lacks reads as 0. */
type Samples = (name: string, labels?: Record<string, string>) => number;

async function scrape(): Promise<Samples> {
  const response = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => `${key}=${value}`).sort();
    samples.set(`${match[1]}{${labels.join(',')}}`, Number(match[3]));
  }
  return (name, labels = {}) => {
    const key = Object.entries(labels).map(([label, value]) => `${label}=${value}`).sort();
    return samples.get(`${name}{${key.join(',')}}`) ?? 0;
  };
}

/**
 * A scrape once `ready` holds (within 5 s): a source's calls run in parallel, and the answer can
 * leave before the last of them (its retries still under way) has finished.
 */
async function scrapeWhen(ready: (samples: Samples) => boolean): Promise<Samples> {
  for (let waited = 0; ; waited += 100) {
    const samples = await scrape();
    if (ready(samples) || waited >= 5_000) return samples;
    await sleep(100);
  }
}

/** How much each sample moved between two scrapes. */
const moved = (before: Samples, after: Samples): Samples => (name, labels) => after(name, labels) - before(name, labels);

const DASHBOARD = 'query Dashboard { backupJobs(first: 10) { totalCount edges { node { id sourceName } } } }';
const REQUESTS = 'backup_graph_graphql_request_duration_seconds_count';
const UPSTREAM_CALLS = 'backup_graph_upstream_call_duration_seconds_count';
const FAILURES = 'backup_graph_upstream_call_failures_total';
const HTTP_REQUESTS = 'backup_graph_upstream_requests_total';
const READS = 'backup_graph_read_model_reads_total';
const RECORD_READS = 'backup_graph_read_model_record_reads_total';

describe('metrics', () => {
  it('are served only to a scraper with the metrics token', async () => {
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${API_KEY}` } })).status).toBe(401);
    const samples = await scrape();
    // The process's own metrics, and each source's budget (SailPoint: 100 per 10 s, in 9 per second).
    expect(samples('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(samples('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(samples('nodejs_active_handles_total')).toBeGreaterThan(0);
    expect(samples('backup_graph_upstream_budget_requests_per_second', { source: 'sailpoint-prod' })).toBe(9);
    expect(samples('backup_graph_upstream_budget_requests_per_second', { source: 'aws-us-east-1' })).toBe(8);
  });

  it('count requests, upstream calls and read-model reads as sources succeed, fail and have their circuit opened', async () => {
    try {
      const start = await scrape();
      const ok = await graphql(DASHBOARD);
      expect(ok.body.errors).toBeUndefined();
      const afterOk = await scrape();
      let delta = moved(start, afterOk);
      expect(delta(REQUESTS, { operation: 'Dashboard', outcome: 'ok' })).toBe(1);
      for (const source of ['aws-us-east-1', 'sailpoint-prod', 'sailpoint-sandbox']) {
        const reads = ['hit', 'miss', 'stale', 'unavailable'].map((result) => delta(READS, { source, result }));
        expect(reads.reduce((sum, count) => sum + count, 0), source).toBe(1);
      }
      expect(delta(READS, { source: 'sailpoint-prod', result: 'miss' })).toBe(1);
      expect(delta(UPSTREAM_CALLS, { source: 'sailpoint-prod', operation: 'listBackups', outcome: 'ok' })).toBe(1);
      expect(delta(UPSTREAM_CALLS, { source: 'sailpoint-prod', operation: 'listUploads', outcome: 'ok' })).toBe(1);
      expect(delta(HTTP_REQUESTS, { source: 'sailpoint-prod' })).toBeGreaterThanOrEqual(2);
      expect(afterOk('backup_graph_circuit_state', { source: 'sailpoint-prod', state: 'CLOSED' })).toBe(1);
      expect(afterOk('backup_graph_read_model_age_seconds', { source: 'aws-us-east-1' })).toBeGreaterThanOrEqual(0);

      // Both tenants fail: one is served stale, the other is missing from the answer.
      sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 500 });
      sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'error', status: 500 });
      const partial = await graphql(DASHBOARD);
      expect(partial.body.data).toBeTruthy();
      expect(partial.body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
      const failedCalls = (samples: Samples) =>
        ['sailpoint-prod', 'sailpoint-sandbox'].flatMap((source) =>
          ['listBackups', 'listUploads'].map((operation) => moved(afterOk, samples)(UPSTREAM_CALLS, { source, operation, outcome: 'error' })),
        );
      const afterFault = await scrapeWhen((samples) => failedCalls(samples).every((count) => count === 1));
      expect(failedCalls(afterFault)).toEqual([1, 1, 1, 1]);
      delta = moved(afterOk, afterFault);
      expect(delta(REQUESTS, { operation: 'Dashboard', outcome: 'partial' })).toBe(1);
      expect(delta(READS, { source: 'sailpoint-prod', result: 'stale' })).toBe(1);
      expect(delta(READS, { source: 'sailpoint-sandbox', result: 'unavailable' })).toBe(1);
      for (const operation of ['listBackups', 'listUploads']) {
        expect(delta(FAILURES, { source: 'sailpoint-sandbox', operation, code: 'UPSTREAM_UNAVAILABLE', outcome: 'error' }), operation).toBe(1);
      }
      // Each failed call was retried: more HTTP requests went out than calls failed.
      expect(delta(HTTP_REQUESTS, { source: 'sailpoint-sandbox' })).toBeGreaterThan(2);
      // Two failed calls in a row open sailpoint-prod's circuit; sailpoint-sandbox's takes five.
      expect(afterFault('backup_graph_circuit_state', { source: 'sailpoint-prod', state: 'OPEN' })).toBe(1);
      expect(afterFault('backup_graph_circuit_state', { source: 'sailpoint-prod', state: 'CLOSED' })).toBe(0);
      expect(afterFault('backup_graph_circuit_state', { source: 'sailpoint-sandbox', state: 'CLOSED' })).toBe(1);

      // The open circuit refuses sailpoint-prod's calls without sending anything.
      const refused = await graphql(DASHBOARD);
      expect(refused.body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
      const afterOpen = await scrape();
      delta = moved(afterFault, afterOpen);
      expect(delta(REQUESTS, { operation: 'Dashboard', outcome: 'partial' })).toBe(1);
      for (const operation of ['listBackups', 'listUploads']) {
        expect(delta(FAILURES, { source: 'sailpoint-prod', operation, code: 'UPSTREAM_UNAVAILABLE', outcome: 'refused' }), operation).toBe(1);
      }
      expect(delta('backup_graph_refusals_total', { source: 'sailpoint-prod', reason: 'CircuitOpen' })).toBe(2);
      expect(delta(HTTP_REQUESTS, { source: 'sailpoint-prod' })).toBe(0);
      expect(delta(READS, { source: 'sailpoint-prod', result: 'stale' })).toBe(1);
    } finally {
      sandbox.sailPoint.faults.clear();
    }
  });

  it('count reads of the records a job points at apart from lookups of jobs: a miss asks upstream, a hit is cached', async () => {
    // A completed job of the gateway's own account, whose vault the sandbox lets it describe.
    const job = sandbox.aws.store
      .jobs('us-east-1')
      .map((stored) => stored.record)
      .find((record) => record.AccountId === '111122223333' && record.State === 'COMPLETED')!;
    const query = `{ awsBackupJob(backupJobId: "${job.BackupJobId}", sourceName: "aws-us-east-1") { backupVault { backupVaultName } } }`;
    const labels = (result: string) => ({ source: 'aws-us-east-1', result });
    const start = await scrape();
    const first = await graphql(query);
    expect(first.body.errors).toBeUndefined();
    // Another document, so that the response cache does not answer it whole.
    const second = await graphql(query.replace('backupVaultName', 'backupVaultName __typename'));
    expect(second.body.errors).toBeUndefined();
    const delta = moved(start, await scrape());
    expect(delta(RECORD_READS, labels('miss'))).toBe(1);
    expect(delta(RECORD_READS, labels('hit'))).toBe(1);
    expect(delta(UPSTREAM_CALLS, { source: 'aws-us-east-1', operation: 'DescribeBackupVault', outcome: 'ok' })).toBe(1);
    expect(delta('backup_graph_read_model_lookups_total', labels('miss')) + delta('backup_graph_read_model_lookups_total', labels('hit'))).toBe(2);
  });

  it('label operations by name, a bounded number of them', async () => {
    const start = await scrape();
    // maxOperationNames is 3 and Dashboard came first: two more names get a label, the rest share "other".
    for (const name of ['First', 'Second', 'Third', 'Fourth']) await graphql(`query ${name} { __typename }`);
    await graphql('{ __typename }');
    const unauthenticated = await graphql('query First { __typename }', {});
    expect(unauthenticated.status).toBe(401);
    const delta = moved(start, await scrape());
    expect(delta(REQUESTS, { operation: 'First', outcome: 'ok' })).toBe(1);
    expect(delta(REQUESTS, { operation: 'Second', outcome: 'ok' })).toBe(1);
    expect(delta(REQUESTS, { operation: 'other', outcome: 'ok' })).toBe(2);
    expect(delta(REQUESTS, { operation: 'Third', outcome: 'ok' })).toBe(0);
    expect(delta(REQUESTS, { operation: 'anonymous', outcome: 'ok' })).toBe(1);
    // Refused before its document was read: the operation is not known.
    expect(delta(REQUESTS, { operation: 'unknown', outcome: 'error' })).toBe(1);
  });
});

describe('traces and logs', () => {
  it("export a span per request, continuing the caller's trace, with the upstream calls as its descendants and no secret anywhere", async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'error', status: 503, operation: 'listUploads' });
    let answer: Answer;
    try {
      answer = await graphql('query Traced { backupJobs(first: 5, filter: { sourceNames: ["sailpoint-sandbox"] }) { edges { node { id } } } }', {
        'x-api-key': API_KEY,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
        'x-request-id': 'observability-test-1',
      });
    } finally {
      sandbox.sailPoint.faults.clear();
    }
    expect(answer.body.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    expect(answer.headers.get('x-request-id')).toBe('observability-test-1');

    const spans = await spansOf(traceId, (found) => found.some((span) => span.parentSpanId === callerSpanId));
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const root = spans.find((span) => span.parentSpanId === callerSpanId)!;
    expect(root.name).toBe('query Traced');
    expect(root.kind).toBe(2); // SERVER
    expect(attributes(root)).toMatchObject({ 'graphql.operation.name': 'Traced', 'backup_graph.request_id': 'observability-test-1', 'http.response.status_code': 200 });

    const ancestors = (span: OtlpSpan): string[] => {
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      return parent ? [parent.name, ...ancestors(parent)] : [];
    };
    const upstream = spans.filter((span) => span.name.startsWith('upstream '));
    expect(upstream.map((span) => span.name).sort()).toEqual(['upstream listBackups', 'upstream listUploads']);
    for (const span of upstream) {
      expect(span.kind).toBe(3); // CLIENT
      expect(ancestors(span)).toEqual(['read-model refresh', 'read-model read', 'query Traced']);
    }
    const failed = upstream.find((span) => span.name === 'upstream listUploads')!;
    expect(failed.status?.code).toBe(2); // ERROR
    expect(attributes(failed)).toMatchObject({
      'backup_graph.source': 'sailpoint-sandbox',
      'backup_graph.operation': 'listUploads',
      'backup_graph.outcome': 'error',
      'error.type': 'UPSTREAM_UNAVAILABLE',
      'http.response.status_code': 503,
      'backup_graph.upstream.retries': 2,
    });
    expect(attributes(upstream.find((span) => span.name === 'upstream listBackups')!)).toMatchObject({ 'backup_graph.outcome': 'ok', 'backup_graph.upstream.retries': 0 });
    expect(exports.some((body) => body.resourceSpans.some((spans) => resourceName(spans.resource.attributes) === 'backup-graph-under-test'))).toBe(true);

    // The failed call's log line names the request and the trace.
    const lines = gateway.output().split('\n').filter((line) => line.trim() !== '');
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.every((record) => typeof record.level === 'string' && typeof record.msg === 'string')).toBe(true);
    const logged = records.find((record) => record.event === 'upstream' && record.requestId === 'observability-test-1');
    expect(logged).toMatchObject({ level: 'warn', traceId, source: 'sailpoint-sandbox', operation: 'listUploads', code: 'UPSTREAM_UNAVAILABLE', status: 503 });
    expect(logged!.msg).toMatch(/^\[upstream\] source=sailpoint-sandbox operation=listUploads error=HTTP 503 code=UPSTREAM_UNAVAILABLE status=503$/);

    const everything = `${JSON.stringify(exports)}\n${gateway.output()}`;
    const secrets = [API_KEY, METRICS_TOKEN, SANDBOX_AWS_CREDENTIALS.secretAccessKey, ...sandbox.sailPoint.tenants.map((tenant) => tenant.clientSecret), ...sandbox.sailPoint.issuedTokens()];
    expect(sandbox.sailPoint.issuedTokens().length).toBeGreaterThan(0);
    // A boolean per secret, so that a failure does not print one.
    expect(secrets.map((secret) => everything.includes(secret))).toEqual(secrets.map(() => false));
  });

  it('make no trace of a readiness probe, whose upstream calls still count in the metrics', async () => {
    const probeCalls = (samples: Samples) => samples(UPSTREAM_CALLS, { source: 'aws-us-east-1', operation: 'ListBackupJobs', outcome: 'ok' });
    const start = await scrape();
    await fetch(`${base}/readiness`);
    const probed = await scrapeWhen((samples) => probeCalls(samples) > probeCalls(start));
    expect(probeCalls(probed)).toBeGreaterThan(probeCalls(start));
    // A traced request after the probes ended: its spans are exported after any the probes made.
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    await graphql('query AfterProbe { __typename }', { 'x-api-key': API_KEY, traceparent: `00-${traceId}-${callerSpanId}-01` });
    await spansOf(traceId, (found) => found.some((span) => span.name === 'query AfterProbe'));
    // Every trace the gateway started on its own is a GraphQL request's: a query, named or not, or a
    // request refused before its document was read.
    const roots = exportedSpans().filter((span) => !span.parentSpanId);
    expect(roots.length).toBeGreaterThan(0);
    expect(roots.map((span) => span.name).filter((name) => !/^query( \w+)?$|^POST \/graphql$/.test(name))).toEqual([]);
  });
});

describe('settings', () => {
  it('start no trace export unless an OTLP exporter or endpoint is named', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(readTracesExport({})).toBeNull();
    expect(readTracesExport({ OTEL_SERVICE_NAME: 'x' })).toBeNull();
    expect(readTracesExport(endpoint)).toEqual({ protocol: 'http/protobuf' });
    expect(readTracesExport({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toEqual({ protocol: 'http/json' });
    expect(readTracesExport({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ protocol: 'http/protobuf' });
    expect(readTracesExport({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeNull();
    expect(readTracesExport({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeNull();
    expect(() => readTracesExport({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(ConfigError);
    expect(() => readTracesExport({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
  });

  it('refuse a metrics path the gateway already serves, and a token that is not a SHA-256', () => {
    const sources = [{ kind: 'aws', name: 'a', region: 'us-east-1' }];
    expect(() => parseConfig({ observability: { metrics: { path: '/graphql' } }, sources })).toThrow(/observability\.metrics\.path: must not be one of/);
    expect(() => parseConfig({ observability: { metrics: { sha256: 'secret' } }, sources })).toThrow(/observability\.metrics\.sha256: must be the SHA-256/);
    expect(parseConfig({ sources }).observability.metrics).toEqual({ path: '/metrics', maxOperationNames: 50 });
  });

  it('serve no metrics on a gateway with authentication and no metrics token, and take a request id only when it is a plain token', async () => {
    const guarded = await startTestGateway({ security: { auth: { apiKeys: [apiKeyEntry('k', 'k', ['*'])] } } });
    const open = await startTestGateway();
    try {
      expect((await fetch(guarded.url.replace('/graphql', '/metrics'))).status).toBe(404);
      expect((await fetch(open.url.replace('/graphql', '/metrics'))).status).toBe(200);
      const forged = await fetch(open.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'not a token; "quoted"' },
        body: '{"query":"{ __typename }"}',
      });
      expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    } finally {
      await Promise.all([guarded.close(), open.close()]);
    }
  });
});

function exportedSpans(): OtlpSpan[] {
  return exports.flatMap((body) => body.resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)));
}

/** The spans of one trace the receiver has been sent, once `complete` says they have all arrived (within 10 s). */
async function spansOf(traceId: string, complete: (spans: OtlpSpan[]) => boolean): Promise<OtlpSpan[]> {
  for (let waited = 0; waited < 10_000; waited += 100) {
    const traced = exportedSpans().filter((span) => span.traceId === traceId);
    if (complete(traced)) return traced;
    await sleep(100);
  }
  throw new Error(`the spans of trace ${traceId} did not arrive`);
}

function attributes(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(
    span.attributes.map(({ key, value }) => [key, value.stringValue ?? (value.intValue === undefined ? value.boolValue : Number(value.intValue))]),
  );
}

function resourceName(resourceAttributes: OtlpAttribute[]): string | undefined {
  return resourceAttributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
}
