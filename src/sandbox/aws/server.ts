// The sandbox's HTTP face: restJson1 routing (AWS Backup, and Account Management's ListRegions),
// SigV4 credential scope, call counting, latency, injected faults and error answers.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { CALLS_PATH, FAULTS_PATH, handleAdmin, playConnectionFault, readSmallBody, rewritten, type AnsweredFault, type FaultTable } from '../faults.js';
import { ACCOUNT_API_REGION, type AccountOperations } from './account.js';
import {
  accessDenied,
  asAccountError,
  expiredToken,
  internalFailure,
  missingAuthentication,
  SandboxError,
  serialization,
  serviceUnavailable,
  limitExceeded,
  throttled,
  unknownOperation,
} from './errors.js';
import { mostWithin } from '../peak.js';
import type { SandboxClock } from './clock.js';
import { OPERATIONS, type BackupOperations, type Caller, type OperationName } from './operations.js';
import type { RecordOperations } from './records.js';

const JOBS_PATH = '/backup-jobs';
const SUMMARIES_PATH = '/audit/backup-job-summaries';
const LIST_REGIONS_PATH = '/listRegions';
/** Reads the sandbox clock (GET) or moves it forward (POST {"advanceMs": n}), for a sandbox in another process. */
export const CLOCK_PATH = '/__sandbox/clock';

export interface SandboxCallLog {
  /** Requests received, before any validation; all operations when none is named, all Regions when none is. */
  count(operation?: string, region?: string): number;
  byOperation(): Record<string, number>;
  /** The most calls of one operation the sandbox was answering at the same time since the last reset. */
  peakConcurrency(operation: string): number;
  /**
   * The most calls received within any `windowMs` since the last reset, of one Region (as the
   * request's credential scope names it) or of all: what a rate limit counted per window would see.
   */
  peak(windowMs: number, region?: string): number;
  reset(): void;
}

export class CallLog implements SandboxCallLog {
  private readonly counts = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private readonly peaks = new Map<string, number>();
  private readonly received: { operation: OperationName; region: string | undefined; at: number }[] = [];

  /** Counts a call of the Region and marks it in flight until the returned function is called. */
  record(operation: OperationName, region: string | undefined): () => void {
    this.counts.set(operation, (this.counts.get(operation) ?? 0) + 1);
    this.received.push({ operation, region, at: Date.now() });
    const current = (this.inFlight.get(operation) ?? 0) + 1;
    this.inFlight.set(operation, current);
    this.peaks.set(operation, Math.max(current, this.peaks.get(operation) ?? 0));
    return () => this.inFlight.set(operation, (this.inFlight.get(operation) ?? 1) - 1);
  }

  peakConcurrency(operation: string): number {
    return this.peaks.get(operation) ?? 0;
  }

  peak(windowMs: number, region?: string): number {
    return mostWithin(
      this.received.filter((call) => region === undefined || call.region === region).map((call) => call.at),
      windowMs,
    );
  }

  count(operation?: string, region?: string): number {
    if (region !== undefined) {
      return this.received.filter((call) => call.region === region && (operation ?? call.operation) === call.operation).length;
    }
    if (operation !== undefined) return this.counts.get(operation) ?? 0;
    let total = 0;
    for (const value of this.counts.values()) total += value;
    return total;
  }

  byOperation(): Record<string, number> {
    return Object.fromEntries(OPERATIONS.map((operation) => [operation, this.count(operation)]));
  }

  reset(): void {
    this.counts.clear();
    this.peaks.clear();
    this.received.splice(0);
  }
}

type Route =
  | { operation: 'ListBackupJobs' }
  | { operation: 'ListBackupJobSummaries' }
  | { operation: 'DescribeBackupJob'; backupJobId: string }
  | { operation: 'StartBackupJob' }
  | { operation: 'StopBackupJob'; backupJobId: string }
  | { operation: 'DescribeBackupVault'; vaultName: string }
  | { operation: 'DescribeRecoveryPoint'; vaultName: string; recoveryPointArn: string }
  | { operation: 'GetBackupPlan'; backupPlanId: string }
  | { operation: 'ListRegions' };

/** The service a request must be signed for, which also decides the shape of its errors. */
type Service = 'backup' | 'account';

const serviceOf = (route: Route | undefined): Service => (route?.operation === 'ListRegions' ? 'account' : 'backup');

/** The path's labels after a prefix, decoded one by one (a recovery point ARN arrives with its slashes escaped). */
function labelsAfter(path: string, prefix: string): string[] | undefined {
  if (!path.startsWith(prefix)) return undefined;
  try {
    return path.slice(prefix.length).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

function recordRouteOf(path: string): Route | undefined {
  const plan = labelsAfter(path, '/backup/plans/');
  if (plan?.length === 1 && plan[0]) return { operation: 'GetBackupPlan', backupPlanId: plan[0] };
  const vault = labelsAfter(path, '/backup-vaults/');
  const [vaultName, collection, recoveryPointArn] = vault ?? [];
  if (!vaultName) return undefined;
  if (vault!.length === 1) return { operation: 'DescribeBackupVault', vaultName };
  if (vault!.length === 3 && collection === 'recovery-points' && recoveryPointArn) return { operation: 'DescribeRecoveryPoint', vaultName, recoveryPointArn };
  return undefined;
}

function routeOf(method: string, pathname: string): Route | undefined {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  if (path === LIST_REGIONS_PATH) return method === 'POST' ? { operation: 'ListRegions' } : undefined;
  if (path === SUMMARIES_PATH) return method === 'GET' ? { operation: 'ListBackupJobSummaries' } : undefined;
  if (method === 'GET' && !path.startsWith(JOBS_PATH)) return recordRouteOf(path);
  if (path === JOBS_PATH) {
    if (method === 'GET') return { operation: 'ListBackupJobs' };
    if (method === 'PUT') return { operation: 'StartBackupJob' };
    return undefined;
  }
  if ((method === 'GET' || method === 'POST') && path.startsWith(`${JOBS_PATH}/`)) {
    const label = path.slice(JOBS_PATH.length + 1);
    if (label.includes('/')) return undefined;
    try {
      const backupJobId = decodeURIComponent(label);
      return method === 'GET' ? { operation: 'DescribeBackupJob', backupJobId } : { operation: 'StopBackupJob', backupJobId };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

// AWS4-HMAC-SHA256 Credential=AKID/20261101/us-east-1/backup/aws4_request, SignedHeaders=..., Signature=...
const SIGV4 = /^AWS4-HMAC-SHA256\s+Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request\s*,/;

/**
 * The region of the request's credential scope, which must name the service that answers (and, for
 * Account Management's global endpoint, us-east-1). The signature itself is not verified.
 */
function regionOf(req: IncomingMessage, expected: Service): string {
  const match = SIGV4.exec(req.headers.authorization ?? '');
  if (!match) throw missingAuthentication();
  const [, region = '', service] = match;
  if (service !== expected) {
    throw new SandboxError('InvalidSignatureException', 403, `Credential should be scoped to correct service: '${expected}'.`);
  }
  if (expected === 'account' && region !== ACCOUNT_API_REGION) {
    throw new SandboxError('InvalidSignatureException', 403, `Credential should be scoped to a valid region, not '${region}'.`);
  }
  return region;
}

export function createSandboxServer(deps: {
  operations: BackupOperations;
  records: RecordOperations;
  account: AccountOperations;
  calls: CallLog;
  caller: string;
  latencyMs: number;
  faults: FaultTable<OperationName>;
  clock: SandboxClock;
}): Server {
  const { operations, records, calls, latencyMs, faults } = deps;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (url.pathname === FAULTS_PATH || url.pathname === CALLS_PATH) {
      return handleAdmin(req, res, url.pathname, {
        faults,
        targetKey: 'region',
        calls: () => calls.byOperation(),
        resetCalls: () => calls.reset(),
      });
    }
    if (url.pathname === CLOCK_PATH) return handleClock(req, res, deps.clock);
    const route = routeOf(method, url.pathname);
    // A call is in flight until its answer is sent or its connection closes (a hung one stays in flight).
    // Counted before the credential scope is checked, so a call without one counts under no Region.
    if (route) res.once('close', calls.record(route.operation, SIGV4.exec(req.headers.authorization ?? '')?.[1]));
    if (latencyMs > 0) await sleep(latencyMs);

    const service = serviceOf(route);
    try {
      const caller: Caller = { account: deps.caller, region: regionOf(req, service) };
      if (!route) throw unknownOperation(method, url.pathname);
      const fault = faults.take(caller.region, route.operation);
      const played = fault ? await playConnectionFault(fault, req) : 'go on';
      if (played === 'done') return;
      if (played !== 'go on') return answerFault(played, res, caller, `${service}:${route.operation}`, service);
      const rewrite = fault?.kind === 'rewrite' ? fault : undefined;
      switch (route.operation) {
        case 'ListBackupJobs':
          return sendJson(res, 200, rewritten(operations.list(caller, url.searchParams), rewrite, (body) => (body as { BackupJobs: unknown[] }).BackupJobs));
        case 'ListBackupJobSummaries':
          return sendJson(res, 200, rewritten(operations.summaries(caller, url.searchParams), rewrite, (body) => (body as { BackupJobSummaries: unknown[] }).BackupJobSummaries));
        case 'DescribeBackupJob':
          return sendJson(res, 200, rewritten(operations.describe(caller, route.backupJobId), rewrite));
        case 'StartBackupJob':
          return sendJson(res, 200, operations.start(caller, await readJson(req)));
        case 'StopBackupJob':
          return sendJson(res, 200, operations.stop(caller, route.backupJobId));
        case 'DescribeBackupVault':
          return sendJson(res, 200, rewritten(records.vault(caller, route.vaultName, url.searchParams), rewrite));
        case 'DescribeRecoveryPoint':
          return sendJson(res, 200, rewritten(records.recoveryPoint(caller, route.vaultName, route.recoveryPointArn, url.searchParams), rewrite));
        case 'GetBackupPlan':
          return sendJson(res, 200, rewritten(records.plan(caller, route.backupPlanId, url.searchParams), rewrite));
        case 'ListRegions':
          return sendJson(res, 200, rewritten(deps.account.listRegions(await readJson(req)), rewrite, (body) => (body as { Regions: unknown[] }).Regions));
      }
    } catch (error) {
      sendError(res, error instanceof SandboxError ? error : internalFailure(), service);
    }
  }

  return createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
}

async function handleClock(req: IncomingMessage, res: ServerResponse, clock: SandboxClock): Promise<void> {
  const send = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  if (req.method === 'POST') {
    let advanceMs: unknown;
    try {
      ({ advanceMs } = JSON.parse((await readSmallBody(req)).toString('utf8')) as { advanceMs?: unknown });
    } catch {
      return send(400, { error: 'The body must be JSON, such as {"advanceMs": 3600000}.' });
    }
    if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0) {
      return send(400, { error: 'advanceMs must be a non-negative number of milliseconds.' });
    }
    clock.advance(advanceMs);
  } else if (req.method !== 'GET') {
    return send(405, { error: 'Use GET to read the clock or POST {"advanceMs": n} to move it forward.' });
  }
  send(200, { now: new Date(clock.now()).toISOString() });
}

/** A fault in AWS's own shapes: its error names the SDK classifies, or a body that is not JSON. */
function answerFault(fault: AnsweredFault, res: ServerResponse, caller: Caller, action: string, service: Service): void {
  switch (fault.kind) {
    case 'malformed':
      res.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomUUID() });
      res.end('{"BackupJobs": [{"BackupJobId": "trunc');
      return;
    case 'throttle':
      return sendError(res, throttled(), service);
    case 'limit':
      return sendError(res, limitExceeded(), service);
    case 'credentials':
      return sendError(res, expiredToken(), service);
    case 'denied':
      return sendError(res, accessDenied(`User: arn:aws:iam::${caller.account}:user/sandbox is not authorized to perform: ${action}`), service);
    case 'error':
      return sendError(res, serviceUnavailable(fault.status), service);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = (await readSmallBody(req)).toString('utf8');
  } catch {
    throw serialization('The request body is larger than the sandbox accepts (1 MiB).');
  }
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw serialization('The request body is not valid JSON.');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, error: SandboxError, service: Service): void {
  const answered = service === 'account' ? asAccountError(error) : error;
  sendJson(res, answered.status, answered.body(service), { 'x-amzn-ErrorType': answered.name });
}
