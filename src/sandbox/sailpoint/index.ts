// A local SailPoint ISC stand-in: tenants behind path prefixes, speaking the OAuth and Configuration Hub wire protocol.
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CALLS_PATH,
  FAULTS_PATH,
  FaultTable,
  handleAdmin,
  playConnectionFault,
  rewritten,
  readSmallBody,
  type AnsweredFault,
  type FaultScope,
  type SandboxFault,
} from '../faults.js';
import { SandboxClock } from '../aws/clock.js';
import { mostWithin } from '../peak.js';
import { parseStatusFilter } from './filters.js';
import {
  recordAt,
  SAILPOINT_SANDBOX_TENANTS,
  seedTenant,
  type SailPointSandboxTenant,
  type TenantSeed,
  type WireRecord,
} from './seed.js';

export { SAILPOINT_SANDBOX_TENANTS, type SailPointSandboxTenant } from './seed.js';

export interface SailPointSandboxOptions {
  /** 0 picks a free port (the default). */
  port?: number;
  host?: string;
  /**
   * Anchor of the seed's timestamps (defaults to the current time truncated to the hour, UTC), and
   * where the clock the jobs under way progress by starts (default: the real clock).
   */
  now?: Date;
  /** Stops the clock where it starts: the jobs under way then progress only through `clock.advance`. */
  frozenClock?: boolean;
  /** Delay before every answer. */
  latencyMs?: number;
  /** Access token lifetime (default 720 s, SailPoint's usual 12 minutes). */
  tokenTtlSeconds?: number;
  /** Per access token (default 100 per 10 000 ms, as SailPoint enforces). */
  rateLimit?: { requests: number; windowMs: number };
}

export type SailPointOperation = 'token' | 'listBackups' | 'listUploads' | 'getUpload' | 'deleteBackup' | 'deleteUpload';

export interface SailPointCallLog {
  /** Calls received, before any fault or auth check; narrowed by operation and tenant when given. */
  count(operation?: SailPointOperation, tenant?: string): number;
  byOperation(): Record<SailPointOperation, number>;
  /** The most calls the tenant (or all tenants) received within any `windowMs`, the window SailPoint's rate limit counts in. */
  peak(windowMs: number, tenant?: string): number;
  /** 429 answers sent since the last reset. */
  throttled(): number;
  reset(): void;
}

export interface SailPointFaults {
  /** Makes the tenant's calls of one operation, or of all (token calls included), misbehave this way until cleared. */
  set(tenant: string, fault: SandboxFault & FaultScope<SailPointOperation>): void;
  clear(): void;
}

export interface SailPointSandbox {
  /** Server root, such as http://127.0.0.1:4567; a tenant's API root is tenantUrl(name). */
  readonly url: string;
  tenantUrl(tenant: string): string;
  readonly tenants: readonly SailPointSandboxTenant[];
  readonly calls: SailPointCallLog;
  /** The time the jobs under way progress by: they start and complete within minutes of the start. */
  readonly clock: SandboxClock;
  /** The raw wire records each tenant serves now (a deleted one is gone from them). */
  readonly store: {
    backups(tenant: string): readonly WireRecord[];
    uploads(tenant: string): readonly WireRecord[];
  };
  readonly faults: SailPointFaults;
  /** Makes every token issued so far answer 401, as an expired or revoked token does. */
  revokeTokens(tenant?: string): void;
  /** Every access token issued so far, so that tests can check that none of them leaks. */
  issuedTokens(): string[];
  close(): Promise<void>;
}

const OPERATIONS: readonly SailPointOperation[] = ['token', 'listBackups', 'listUploads', 'getUpload', 'deleteBackup', 'deleteUpload'];
const BACKUPS_PATH = '/v2024/configuration-hub/backups';
const UPLOADS_PATH = `${BACKUPS_PATH}/uploads`;

/** The operation a request names, and the job id in its path. */
function routeOf(method: string | undefined, route: string): { operation: SailPointOperation; id?: string } | undefined {
  if (method === 'POST' && route === '/oauth/token') return { operation: 'token' };
  if (method === 'GET' && route === BACKUPS_PATH) return { operation: 'listBackups' };
  if (method === 'GET' && route === UPLOADS_PATH) return { operation: 'listUploads' };
  // uploads/{id} first: `uploads` is a literal segment, never a backup id followed by more path.
  const uploadId = idUnder(UPLOADS_PATH, route);
  if (uploadId !== undefined) {
    if (method === 'GET') return { operation: 'getUpload', id: uploadId };
    if (method === 'DELETE') return { operation: 'deleteUpload', id: uploadId };
    return undefined;
  }
  // DELETE .../backups/uploads has no route of its own and lands here, as a backup id that matches nothing.
  const backupId = idUnder(BACKUPS_PATH, route);
  if (backupId !== undefined && method === 'DELETE') return { operation: 'deleteBackup', id: backupId };
  return undefined;
}

/** The one path segment right below `collection`, if the route is exactly that deep. */
function idUnder(collection: string, route: string): string | undefined {
  if (!route.startsWith(`${collection}/`)) return undefined;
  const id = route.slice(collection.length + 1);
  return id === '' || id.includes('/') ? undefined : id;
}

interface IssuedToken {
  tenant: string;
  expiresAt: number;
  windowStart: number;
  windowCount: number;
}

export async function startSailPointSandbox(options: SailPointSandboxOptions = {}): Promise<SailPointSandbox> {
  const now = options.now ?? new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const latencyMs = options.latencyMs ?? 0;
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 720;
  const rateLimit = options.rateLimit ?? { requests: 100, windowMs: 10_000 };
  const tenants = new Map(SAILPOINT_SANDBOX_TENANTS.map((tenant) => [tenant.name, tenant]));
  const clock = new SandboxClock(options.now?.getTime(), options.frozenClock);
  const startedAt = clock.now();
  const seeds = new Map<string, TenantSeed>(
    SAILPOINT_SANDBOX_TENANTS.map((tenant) => [tenant.name, seedTenant(tenant.name, now, startedAt)]),
  );
  const tokens = new Map<string, IssuedToken>();
  const faults = new FaultTable<SailPointOperation>([...tenants.keys()], OPERATIONS);
  const received: { operation: SailPointOperation; tenant: string; at: number }[] = [];
  let throttled = 0;

  function seedOf(tenant: string): TenantSeed {
    const seed = seeds.get(tenant);
    if (!seed) throw new Error(`Unknown SailPoint sandbox tenant "${tenant}"`);
    return seed;
  }

  /** A tenant's records of one collection as they stand at the clock's now. */
  function recordsOf(tenant: string, collection: 'backups' | 'uploads'): WireRecord[] {
    const seed = seedOf(tenant);
    const at = clock.now();
    return seed[collection].map((record) => recordAt(record, seed.progress, at));
  }

  function resetCalls(): void {
    received.splice(0);
    throttled = 0;
  }

  function countCalls(operation?: SailPointOperation, tenant?: string): number {
    return received.filter(
      (call) => (operation ?? call.operation) === call.operation && (tenant ?? call.tenant) === call.tenant,
    ).length;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (latencyMs > 0) await sleep(latencyMs);
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    if (path === FAULTS_PATH || path === CALLS_PATH) {
      return handleAdmin(req, res, path, {
        faults,
        targetKey: 'tenant',
        calls: () => Object.fromEntries(OPERATIONS.map((operation) => [operation, countCalls(operation)])),
        resetCalls,
      });
    }

    const [, tenant = '', ...rest] = path.split('/');
    const route = `/${rest.join('/')}`;
    if (!tenants.has(tenant)) return sendError(res, 404, `There is no tenant '${tenant}' in this sandbox.`);

    const { operation, id } = routeOf(req.method, route) ?? {};
    if (!operation) return sendError(res, 404, `No resource at ${req.method} ${route}.`);
    received.push({ operation, tenant, at: Date.now() });
    const fault = faults.take(tenant, operation);
    const played = fault ? await playConnectionFault(fault, req) : 'go on';
    if (played === 'done') return;
    if (played !== 'go on') return answerFault(played, operation, res);
    const rewrite = fault?.kind === 'rewrite' ? fault : undefined;

    if (operation === 'token') return issueToken(req, res, url, tenant);
    if (!admit(req, res, tenant)) return;

    const seed = seedOf(tenant);
    if (operation === 'getUpload') {
      const upload = recordsOf(tenant, 'uploads').find((record) => record.jobId === id);
      return upload ? sendJson(res, 200, rewritten(upload, rewrite)) : sendError(res, 404, `No uploaded configuration has the id '${id}'.`);
    }
    if (operation === 'deleteBackup' || operation === 'deleteUpload') {
      const records = operation === 'deleteBackup' ? seed.backups : seed.uploads;
      const index = records.findIndex((record) => record.jobId === id);
      if (index < 0) {
        return sendError(res, 404, `No ${operation === 'deleteBackup' ? 'backup' : 'uploaded configuration'} has the id '${id}'.`);
      }
      records.splice(index, 1);
      res.writeHead(204).end();
      return;
    }
    const filter = parseStatusFilter(url.searchParams.get('filters'));
    if ('unsupported' in filter) return sendError(res, 400, filter.unsupported);
    const records = recordsOf(tenant, operation === 'listBackups' ? 'backups' : 'uploads');
    const listed = filter.status ? records.filter((record) => record.status === filter.status) : records;
    sendJson(res, 200, rewritten(listed, rewrite, (body) => body as unknown[]));
  }

  async function issueToken(req: IncomingMessage, res: ServerResponse, url: URL, tenant: string): Promise<void> {
    // Real tenants read the client credentials from the query string as well as from the form body.
    const fields = new Map(url.searchParams);
    for (const [key, value] of await readForm(req)) fields.set(key, value);
    const clientId = fields.get('client_id');
    const clientSecret = fields.get('client_secret');
    const grantType = fields.get('grant_type');

    // Client authentication is checked before the grant type, as Spring Security OAuth servers do
    // (SailPoint's token errors have their shape).
    if (!clientId || clientSecret === undefined) {
      return sendJson(res, 401, {
        error: 'unauthorized',
        error_description: 'Full authentication is required to access this resource',
      });
    }
    const client = tenants.get(tenant);
    if (!client || client.clientId !== clientId || client.clientSecret !== clientSecret) {
      return sendJson(res, 401, { error: 'unauthorized', error_description: 'Bad credentials' });
    }
    if (!grantType) return sendJson(res, 400, { error: 'invalid_request', error_description: 'Missing grant type' });
    if (grantType.toLowerCase() !== 'client_credentials') {
      return sendJson(res, 400, {
        error: 'unsupported_grant_type',
        error_description: `Unsupported grant type: ${grantType}`,
      });
    }

    const issuedAt = Date.now();
    const accessToken = randomUUID();
    tokens.set(accessToken, { tenant, expiresAt: issuedAt + tokenTtlSeconds * 1000, windowStart: 0, windowCount: 0 });
    const { identity } = seedOf(tenant);
    sendJson(res, 200, {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: tokenTtlSeconds,
      scope: 'sp:scopes:all',
      tenant_id: identity.tenantId,
      pod: identity.pod,
      org: tenant,
      strong_auth_supported: false,
      claims_supported: false,
      internal: false,
      identity_id: identity.identityId,
      user_name: identity.userName,
      strong_auth: true,
      jti: randomUUID(),
    });
  }

  /** Checks the bearer token and its rate limit; false once a 401 or 429 has been sent. */
  function admit(req: IncomingMessage, res: ServerResponse, tenant: string): boolean {
    // SailPoint's API gateway answers 401 with a bare {"error": ...}, not the detailCode body of the services.
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer === undefined ? undefined : tokens.get(bearer);
    const at = Date.now();
    const refusal = !bearer
      ? 'JWT validation failed: no bearer token'
      : !token || token.tenant !== tenant
        ? 'JWT validation failed: JWT is invalid'
        : at >= token.expiresAt
          ? 'JWT validation failed: JWT is expired'
          : undefined;
    if (!token || refusal) {
      sendJson(res, 401, { error: refusal });
      return false;
    }

    if (at - token.windowStart >= rateLimit.windowMs) {
      token.windowStart = at;
      token.windowCount = 0;
    }
    if (token.windowCount >= rateLimit.requests) {
      throttled += 1;
      sendThrottled(res, Math.max(1, Math.ceil((token.windowStart + rateLimit.windowMs - at) / 1000)));
      return false;
    }
    token.windowCount += 1;
    return true;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  return {
    url,
    tenantUrl: (tenant) => `${url}/${tenant}`,
    tenants: SAILPOINT_SANDBOX_TENANTS,
    clock,
    calls: {
      count: countCalls,
      byOperation: () =>
        Object.fromEntries(OPERATIONS.map((operation) => [operation, countCalls(operation)])) as Record<
          SailPointOperation,
          number
        >,
      peak(windowMs, tenant) {
        return mostWithin(
          received.filter((call) => tenant === undefined || call.tenant === tenant).map((call) => call.at),
          windowMs,
        );
      },
      throttled: () => throttled,
      reset: resetCalls,
    },
    store: {
      backups: (tenant) => recordsOf(tenant, 'backups'),
      uploads: (tenant) => recordsOf(tenant, 'uploads'),
    },
    faults: { set: (tenant, fault) => faults.set(tenant, fault), clear: () => faults.clear() },
    revokeTokens(tenant) {
      for (const token of tokens.values()) if (tenant === undefined || token.tenant === tenant) token.expiresAt = 0;
    },
    issuedTokens: () => [...tokens.keys()],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Hung requests and idle keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}

/** The body of the token request as form fields, whether url-encoded or multipart; other bodies carry none. */
async function readForm(req: IncomingMessage): Promise<Iterable<[string, string]>> {
  const contentType = req.headers['content-type'] ?? '';
  const body = await readSmallBody(req);
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)\b/i.test(contentType) || body.length === 0)
    return [];
  try {
    const form = await new Request('http://sandbox/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: Uint8Array.from(body),
    }).formData();
    return [...form].flatMap(([key, value]) => (typeof value === 'string' ? [[key, value] as [string, string]] : []));
  } catch {
    return [];
  }
}

/** A fault in SailPoint's own shapes: its error bodies, 429 with Retry-After, 401s, a body that is not JSON. */
function answerFault(fault: AnsweredFault, operation: SailPointOperation, res: ServerResponse): void {
  switch (fault.kind) {
    case 'malformed':
      res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end('[{"jobId": "trunc');
      return;
    case 'throttle':
      return sendThrottled(res, fault.retryAfterSeconds ?? 1);
    case 'limit':
      return sendError(res, 400);
    case 'credentials':
      // A revoked client at the token endpoint; an expired token at the API gateway.
      return sendJson(
        res,
        401,
        operation === 'token' ? { error: 'unauthorized', error_description: 'Bad credentials' } : { error: 'JWT validation failed: JWT is expired' },
      );
    case 'denied':
      return sendError(res, 403, 'The server understood the request but refuses to authorize it.');
    case 'error':
      return sendError(res, fault.status ?? 503);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** SailPoint's service error body; the API gateway's own 401 and 429 answers use other shapes. */
function sendError(res: ServerResponse, status: number, text?: string): void {
  const detailCode =
    status === 400
      ? '400.1 Bad request content'
      : status === 500
        ? '500.0 Internal Fault'
        : `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  sendJson(res, status, {
    detailCode,
    trackingId: randomUUID().replaceAll('-', ''),
    messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: text ?? defaultErrorText(status) }],
    causes: [],
  });
}

function defaultErrorText(status: number): string {
  if (status === 500) return 'An internal fault occurred.';
  if (status >= 500) return 'The service is temporarily unavailable.';
  return `The request failed: ${STATUS_CODES[status] ?? 'error'}.`;
}

/** The gateway's rate-limit answer, documented as {"message": " Rate Limit Exceeded "} with Retry-After in seconds. */
function sendThrottled(res: ServerResponse, retryAfterSeconds: number): void {
  sendJson(res, 429, { message: ' Rate Limit Exceeded ' }, { 'retry-after': String(retryAfterSeconds) });
}
