// The soak: the benchmark's four operations, mixed, against the real gateway for minutes while the
// sandbox's sources fail, throttle, hang and drop connections in turn. It counts every request and
// its error codes, and watches the gateway's memory; every request must get an answer.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { outputLine, readyMessage, RssSampler, rssMb, spawnTs, stop } from './processes.js';
import type { SandboxReady } from './sandbox-process.js';
import { buildScenarios } from './scenarios.js';

export interface SoakOptions {
  durationS: number;
  connections: number;
  /** Delay of every upstream call in the sandbox. */
  latencyMs: number;
  /** Seconds each fault of the schedule lasts. */
  phaseS: number;
  log?: (line: string) => void;
}

/** One step of the schedule: which sandbox, where, and how it misbehaves (none: all well). */
interface Phase {
  name: string;
  fault?: { sandbox: 'aws' | 'sailpoint'; target: string; operation?: string } & SandboxFault;
}

/** The schedule cycles through every kind of trouble, with a quiet phase between each, so recovery is exercised too. */
const SCHEDULE: Phase[] = [
  { name: 'all well' },
  { name: 'AWS us-east-1 lists fail (503)', fault: { sandbox: 'aws', target: 'us-east-1', operation: 'ListBackupJobs', kind: 'error', status: 503 } },
  { name: 'all well' },
  { name: 'SailPoint acme-prod hangs', fault: { sandbox: 'sailpoint', target: 'acme-prod', kind: 'hang' } },
  { name: 'all well' },
  { name: 'AWS eu-west-1 throttles Describe', fault: { sandbox: 'aws', target: 'eu-west-1', operation: 'DescribeBackupJob', kind: 'throttle' } },
  { name: 'all well' },
  { name: 'SailPoint acme-sandbox drops connections', fault: { sandbox: 'sailpoint', target: 'acme-sandbox', kind: 'reset' } },
  { name: 'all well' },
  { name: 'AWS us-east-1 answers garbage', fault: { sandbox: 'aws', target: 'us-east-1', kind: 'malformed' } },
  { name: 'all well' },
  { name: 'SailPoint acme-prod refuses its token', fault: { sandbox: 'sailpoint', target: 'acme-prod', kind: 'credentials' } },
];

export interface SoakReport {
  options: Omit<SoakOptions, 'log'>;
  phases: string[];
  /** Requests the load generator sent, and how many of them got an HTTP answer. */
  sent: number;
  answered: number;
  /** Requests that got no answer: connection errors and timeouts of the load generator. */
  lost: number;
  /** Requests still under way when the measured time ran out; the load generator stops waiting for them (at most one per connection). */
  inFlightAtEnd: number;
  non2xx: number;
  /** Answers that carried at least one error, by code (an answer with two codes counts for both). */
  errorsByCode: Record<string, number>;
  answersWithErrors: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  rssAfterWarmupMb: number;
  rssEndMb: number;
  peakRssMb: number;
  /** rssEnd over rssAfterWarmup, minus one. */
  rssGrowth: number;
}

const GATEWAY_LINE = /gateway on http:\/\/localhost:(\d+)\/graphql/;
const HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };
/** A request the gateway has not answered after this long is lost: its own deadline is shorter. */
const LOST_AFTER_S = 20;

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'backup-graph-soak-'));
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
  const sandboxProcess = spawnTs('bench/sandbox-process.ts', { env: { BENCH_NOW: now, BENCH_LATENCY_MS: String(options.latencyMs) }, ipc: true });
  let gateway: ReturnType<typeof spawnTs> | undefined;
  let phaseTimer: NodeJS.Timeout | undefined;
  try {
    const fixtures = await readyMessage<SandboxReady>(sandboxProcess, 'the sandbox process');
    const admin = adminUrls(fixtures);
    // A production-like gateway: short deadlines, a quick breaker, and the list cache busy dashboards use.
    const sources = fixtures.sources.map((source) => ({
      ...source,
      timeoutMs: 3_000,
      listCacheTtlMs: 2_000,
      circuitBreaker: { failures: 5, halfOpenAfterMs: 3_000 },
    }));
    const configPath = join(work, 'gateway.json');
    writeFileSync(configPath, JSON.stringify({ security: { limits: { requestTimeoutMs: 8_000 } }, sources }));
    gateway = spawnTs('src/main.ts', {
      env: {
        GATEWAY_CONFIG: configPath,
        PORT: '0',
        NODE_ENV: 'production',
        AWS_ACCESS_KEY_ID: SANDBOX_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_CREDENTIALS.secretAccessKey,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    const [, port] = await outputLine(gateway, GATEWAY_LINE, 'the gateway');
    const url = `http://127.0.0.1:${port}/graphql`;
    const pid = gateway.pid!;

    const errorsByCode: Record<string, number> = {};
    let answersWithErrors = 0;
    const requests = buildScenarios(fixtures, { awsSources: 2, describeConcurrency: 8 }).map((scenario) => ({
      method: 'POST',
      headers: HEADERS,
      body: scenario.body,
      onResponse: (_status: number, body: string) => {
        const codes = errorCodes(body);
        if (codes.length > 0) answersWithErrors++;
        for (const code of new Set(codes)) errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      },
    }));

    log(`warm-up, ${options.connections} connections`);
    await autocannon({ url, connections: options.connections, duration: Math.min(10, Math.ceil(options.durationS / 4)), requests, timeout: LOST_AFTER_S });
    for (const key of Object.keys(errorsByCode)) delete errorsByCode[key];
    answersWithErrors = 0;

    const rssAfterWarmupMb = rssMb(pid);
    const sampler = new RssSampler(pid, 500);
    const played: string[] = [];
    let next = 0;
    const playNext = async () => {
      const phase = SCHEDULE[next++ % SCHEDULE.length]!;
      played.push(phase.name);
      log(`phase: ${phase.name}`);
      await Promise.all([admin.aws, admin.sailpoint].map((base) => fetch(`${base}/__sandbox/faults`, { method: 'DELETE' })));
      if (phase.fault) {
        const { sandbox, target, ...fault } = phase.fault;
        const response = await fetch(`${admin[sandbox]}/__sandbox/faults`, {
          method: 'POST',
          body: JSON.stringify({ [sandbox === 'aws' ? 'region' : 'tenant']: target, ...fault }),
        });
        if (!response.ok) throw new Error(`The sandbox refused the fault of phase "${phase.name}": ${await response.text()}`);
      }
    };
    await playNext();
    phaseTimer = setInterval(() => void playNext().catch((error: unknown) => log(String(error))), options.phaseS * 1000);
    const result = await autocannon({ url, connections: options.connections, duration: options.durationS, requests, timeout: LOST_AFTER_S });
    clearInterval(phaseTimer);
    await Promise.all([admin.aws, admin.sailpoint].map((base) => fetch(`${base}/__sandbox/faults`, { method: 'DELETE' })));
    // Let the last answers and the garbage collector settle before the closing reading.
    await sleep(2_000);
    const peakRssMb = sampler.stop();
    const rssEndMb = rssMb(pid);

    return {
      options: { durationS: options.durationS, connections: options.connections, latencyMs: options.latencyMs, phaseS: options.phaseS },
      phases: played,
      sent: result.requests.sent,
      answered: result.requests.total,
      lost: result.errors + result.timeouts,
      inFlightAtEnd: result.requests.sent - result.requests.total - result.errors - result.timeouts,
      non2xx: result.non2xx,
      errorsByCode,
      answersWithErrors,
      requestsPerSecond: result.requests.total / result.duration,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      rssAfterWarmupMb,
      rssEndMb,
      peakRssMb,
      rssGrowth: rssEndMb / rssAfterWarmupMb - 1,
    };
  } finally {
    if (phaseTimer) clearInterval(phaseTimer);
    sandboxProcess.disconnect();
    await Promise.all([stop(sandboxProcess), ...(gateway ? [stop(gateway)] : [])]);
    rmSync(work, { recursive: true, force: true });
  }
}

/** The two sandboxes' roots, from the gateway sources that point at them. */
function adminUrls(fixtures: SandboxReady): { aws: string; sailpoint: string } {
  const aws = fixtures.sources.find((source) => source.kind === 'aws');
  const sailPoint = fixtures.sources.find((source) => source.kind === 'sailpoint');
  if (aws?.kind !== 'aws' || !aws.endpoint || sailPoint?.kind !== 'sailpoint') throw new Error('The sandbox announced no AWS or SailPoint source');
  return { aws: new URL(aws.endpoint).origin, sailpoint: new URL(sailPoint.baseUrl).origin };
}

function errorCodes(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    return (parsed.errors ?? []).map((error) => String(error.extensions?.code ?? 'NO_CODE'));
  } catch {
    return ['NOT_JSON'];
  }
}
