// The SailPoint client against the sandbox over real HTTP: token life cycle, filters, rate limits, faults and error hygiene.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Budget } from '../src/budget.js';
import {
  SailPointClient,
  SailPointError,
  type SailPointClientOptions,
  type SailPointTenantConfig,
} from '../src/sailpoint/index.js';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { startSailPointSandbox, type SailPointSandbox } from '../src/sandbox/sailpoint/index.js';
import { MemoryState } from '../src/shared-state/memory.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

let sandbox: SailPointSandbox;
const prod = () => sandbox.tenants[0]!;
/** Every error the tests provoke, checked at the end for leaked secrets and tokens. */
const provoked: SailPointError[] = [];

beforeAll(async () => {
  sandbox = await startSailPointSandbox({ now: NOW, frozenClock: true });
});
afterEach(() => {
  sandbox.faults.clear();
  sandbox.calls.reset();
});
afterAll(() => sandbox.close());

function clientFor(
  target: SailPointSandbox = sandbox,
  config: Partial<SailPointTenantConfig> = {},
  options: SailPointClientOptions = {},
): SailPointClient {
  const tenant = target.tenants[0]!;
  return new SailPointClient(
    {
      name: tenant.name,
      baseUrl: target.tenantUrl(tenant.name),
      clientId: tenant.clientId,
      clientSecret: tenant.clientSecret,
      ...config,
    },
    options,
  );
}

async function failure(call: Promise<unknown>): Promise<SailPointError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(SailPointError);
  provoked.push(error as SailPointError);
  return error as SailPointError;
}

/** The client reads a null member as an absent one; the seed's only nulls are top-level `options`. */
const read = (records: readonly Record<string, unknown>[]) =>
  records.map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null)));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lists', () => {
  it('returns the wire records of backups and uploads', async () => {
    const client = clientFor();
    expect(await client.listBackups()).toEqual(read(sandbox.store.backups(prod().name)));
    expect(await client.listUploads()).toEqual(read(sandbox.store.uploads(prod().name)));

    const second = sandbox.tenants[1]!;
    const other = new SailPointClient({
      name: second.name,
      baseUrl: sandbox.tenantUrl(second.name),
      clientId: second.clientId,
      clientSecret: second.clientSecret,
    });
    expect(await other.listBackups()).toEqual(read(sandbox.store.backups(second.name)));
  });

  it('pushes the status filter down and sends the expected headers', async () => {
    const requests: { url: string; init: RequestInit | undefined }[] = [];
    // Records what goes out, then hands it to the real fetch: the exchange is still real HTTP.
    const recording: typeof fetch = (input, init) => {
      requests.push({ url: String(input), init });
      return fetch(input, init);
    };
    const client = clientFor(sandbox, {}, { fetch: recording });

    const failed = await client.listBackups({ status: 'FAILED' });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed).toEqual(read(sandbox.store.backups(prod().name).filter((record) => record.status === 'FAILED')));
    expect(await client.listUploads({ status: 'COMPLETE' })).toEqual(
      read(sandbox.store.uploads(prod().name).filter((record) => record.status === 'COMPLETE')),
    );

    const [tokenRequest, listRequest, uploadsRequest] = requests;
    expect(tokenRequest?.url).toBe(`${sandbox.tenantUrl(prod().name)}/oauth/token`);
    expect(tokenRequest?.init?.method).toBe('POST');
    expect(String(tokenRequest?.init?.body)).toBe(
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: prod().clientId,
        client_secret: prod().clientSecret,
      }).toString(),
    );
    expect(listRequest?.url).toBe(
      `${sandbox.tenantUrl(prod().name)}/v2024/configuration-hub/backups?filters=status%20eq%20%22FAILED%22`,
    );
    expect(uploadsRequest?.url).toBe(
      `${sandbox.tenantUrl(prod().name)}/v2024/configuration-hub/backups/uploads?filters=status%20eq%20%22COMPLETE%22`,
    );
    expect(listRequest?.init?.headers).toMatchObject({
      authorization: expect.stringMatching(/^Bearer \S+$/),
      accept: 'application/json',
      'x-sailpoint-experimental': 'true',
    });
    expect(sandbox.calls.byOperation()).toEqual({ token: 1, listBackups: 1, listUploads: 1, getUpload: 0, deleteBackup: 0, deleteUpload: 0 });
  });
});

describe('access token', () => {
  it('is fetched once and reused', async () => {
    const client = clientFor();
    await client.listBackups();
    await client.listUploads();
    await client.listBackups({ status: 'COMPLETE' });
    expect(sandbox.calls.count('token')).toBe(1);
  });

  it('is fetched once for 20 concurrent calls', async () => {
    const client = clientFor();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.listBackups()));
    expect(results.every((records) => records.length === sandbox.store.backups(prod().name).length)).toBe(true);
    expect(sandbox.calls.count('token')).toBe(1);
    expect(sandbox.calls.count('listBackups')).toBe(20);
  });

  it('is renewed once after a 401 and the call retried once', async () => {
    const client = clientFor();
    await client.listBackups();
    sandbox.revokeTokens();
    expect(await client.listBackups()).toEqual(read(sandbox.store.backups(prod().name)));
    expect(sandbox.calls.count('token')).toBe(2);
    expect(sandbox.calls.count('listBackups')).toBe(3);
  });

  it('is renewed by one shared request when 20 concurrent calls meet a 401', async () => {
    const client = clientFor();
    await client.listBackups();
    sandbox.revokeTokens();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.listUploads()));
    expect(results.every((records) => records.length === sandbox.store.uploads(prod().name).length)).toBe(true);
    expect(sandbox.calls.count('token')).toBe(2);
    expect(sandbox.calls.count('listUploads')).toBe(40);
  });

  it('is renewed before it expires, without a 401 round trip', async () => {
    const shortLived = await startSailPointSandbox({ now: NOW, tokenTtlSeconds: 1 });
    try {
      const client = clientFor(shortLived);
      await client.listBackups();
      await sleep(950);
      expect(await client.listBackups()).toEqual(read(shortLived.store.backups(prod().name)));
      expect(shortLived.calls.byOperation()).toMatchObject({ token: 2, listBackups: 2 });
    } finally {
      await shortLived.close();
    }
  });

  it('fails with UPSTREAM_AUTH_FAILED when the token call answers 401', async () => {
    const client = clientFor();
    await client.listBackups();
    sandbox.faults.set(prod().name, { kind: 'credentials' });
    const error = await failure(client.listBackups());
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', tenant: prod().name, status: 401 });
    expect(sandbox.calls.byOperation()).toMatchObject({ token: 2, listBackups: 2 });
  });

  it('fails with UPSTREAM_AUTH_FAILED when a fresh token is refused too', async () => {
    // Revokes every token the moment it is issued, so that the API refuses even the renewed one.
    const revoking: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/oauth/token')) sandbox.revokeTokens();
      return response;
    };
    const error = await failure(clientFor(sandbox, {}, { fetch: revoking }).listBackups());
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401 });
    expect(error.message).toMatch(/new access token/);
    expect(sandbox.calls.byOperation()).toMatchObject({ token: 2, listBackups: 2 });
  });

  it('fails with UPSTREAM_AUTH_FAILED on bad credentials, without naming the secret', async () => {
    const secret = 'very-wrong-secret-4711';
    const error = await failure(clientFor(sandbox, { clientSecret: secret }).listBackups());
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', status: 401 });
    expect(error.message).toContain(prod().name);
    expect(error.message).toContain('token');
    expect(`${error.message} ${String(error)} ${error.stack}`).not.toContain(secret);
    expect(sandbox.calls.count('listBackups')).toBe(0);
  });
});

describe('access token shared through the shared state', () => {
  it('is requested once for every client sharing the state, and renewed once for all after a 401', async () => {
    const state = new MemoryState();
    const clients = [clientFor(sandbox, {}, { state }), clientFor(sandbox, {}, { state }), clientFor(sandbox, {}, { state })];
    await Promise.all(clients.map((client) => client.listBackups()));
    expect(sandbox.calls.count('token')).toBe(1);

    sandbox.revokeTokens();
    const results = await Promise.all(clients.flatMap((client) => [client.listBackups(), client.listUploads()]));
    expect(results.every((records) => records.length > 0)).toBe(true);
    expect(sandbox.calls.count('token')).toBe(2);
    // Each call met the 401 once and was tried once more with the one new token.
    expect(sandbox.calls.byOperation()).toMatchObject({ listBackups: 3 + 6, listUploads: 6 });
  });

  it('is not taken by a client with another secret, whose failed renewal leaves it to the others', async () => {
    const state = new MemoryState();
    const right = clientFor(sandbox, {}, { state });
    await right.listBackups();
    sandbox.revokeTokens();
    // A replica still holding a rotated-out secret: it cannot open the shared token, and asks for its own.
    const stale = clientFor(sandbox, { clientSecret: 'rotated-out-secret' }, { state });
    const [refused, listed] = await Promise.allSettled([stale.listBackups(), right.listBackups()]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'UPSTREAM_AUTH_FAILED' } });
    provoked.push((refused as PromiseRejectedResult).reason as SailPointError);
    expect(listed).toMatchObject({ status: 'fulfilled', value: read(sandbox.store.backups(prod().name)) });
    expect(sandbox.calls.count('token')).toBe(3);
  });

  it('is held sealed: the shared state has neither the token nor the secret in clear, nor a key naming them', async () => {
    const state = new MemoryState();
    const written: { key: string; value: unknown }[] = [];
    const write = state.write.bind(state);
    state.write = async (key, stored, ttlMs) => {
      written.push({ key, value: stored.value });
      return write(key, stored, ttlMs);
    };
    await clientFor(sandbox, {}, { state }).listBackups();
    const tokens = sandbox.issuedTokens();
    expect(written).toHaveLength(1);
    const text = JSON.stringify(written);
    for (const secret of [...tokens, prod().clientSecret, prod().clientId]) expect(text).not.toContain(secret);
  });
});

describe('rate limits', () => {
  it('waits out a 429 within the budget and succeeds', async () => {
    const client = clientFor(sandbox, {}, { maxThrottleWaitMs: 1_500 });
    await client.listBackups();
    sandbox.faults.set(prod().name, { kind: 'throttle', retryAfterSeconds: 1 });
    setTimeout(() => sandbox.faults.clear(), 300);
    const started = Date.now();
    expect(await client.listBackups()).toEqual(read(sandbox.store.backups(prod().name)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(sandbox.calls.count('listBackups')).toBe(3);
  });

  it('gives up at once with UPSTREAM_THROTTLED when Retry-After exceeds the budget', async () => {
    const client = clientFor();
    await client.listBackups();
    sandbox.calls.reset();
    sandbox.faults.set(prod().name, { kind: 'throttle', retryAfterSeconds: 10 });
    const error = await failure(client.listBackups());
    expect(error).toMatchObject({ code: 'UPSTREAM_THROTTLED', status: 429, tenant: prod().name });
    // At once: the one refused call, and no try after a wait.
    expect(sandbox.calls.count('listBackups')).toBe(1);
  });

  it('does not spin on a Retry-After of 0: it waits a little each time and gives up after a few 429s', async () => {
    const client = clientFor();
    await client.listBackups();
    sandbox.calls.reset();
    sandbox.faults.set(prod().name, { kind: 'throttle', retryAfterSeconds: 0 });
    const started = Date.now();
    const error = await failure(client.listBackups());
    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(sandbox.calls.count('listBackups')).toBe(5);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4 * 250);
  });

  it('counts the total wait of one call against the budget', async () => {
    const client = clientFor(sandbox, {}, { maxThrottleWaitMs: 1_500 });
    await client.listBackups();
    sandbox.calls.reset();
    sandbox.faults.set(prod().name, { kind: 'throttle', retryAfterSeconds: 1 });
    const started = Date.now();
    const error = await failure(client.listBackups());
    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(990);
    expect(sandbox.calls.count('listBackups')).toBe(2);
  });

  it('takes every request from its budget, the token request included, so that SailPoint never has to refuse one', async () => {
    const limited = await startSailPointSandbox({ now: NOW, rateLimit: { requests: 3, windowMs: 1_000 } });
    try {
      // Without a budget, the fourth concurrent call trips the limit and has to be retried.
      const unbudgeted = clientFor(limited);
      await Promise.all(Array.from({ length: 4 }, () => unbudgeted.listBackups()));
      expect(limited.calls.count('listBackups')).toBe(5);

      limited.calls.reset();
      // 4 calls in any second: 2 per one-second window, so the token and four lists need three windows.
      const budget = new Budget(new MemoryState(), 'test', { calls: 4, perSeconds: 1 }, true);
      const budgeted = clientFor(limited, {}, { budget: (signal) => budget.take('tenant', 5_000, signal) });
      await Promise.all(Array.from({ length: 4 }, () => budgeted.listBackups()));
      expect(limited.calls.count('listBackups')).toBe(4);
      expect(limited.calls.count('token')).toBe(1);
    } finally {
      await limited.close();
    }
  });

  it('refuses a call on its own account, without reaching the tenant, when its budget has nothing left in time', async () => {
    const budget = new Budget(new MemoryState(), 'test', { calls: 3, perSeconds: 1 }, true);
    const budgeted = clientFor(sandbox, {}, { budget: (signal) => budget.take('tenant', 0, signal) });
    // One request per second: the token request takes this second's.
    const error = await failure(budgeted.listBackups());
    expect(error.code).toBe('UPSTREAM_THROTTLED');
    expect(error.local).toBe(true);
    expect(sandbox.calls.count('listBackups')).toBe(0);
  });
});

describe('failures', () => {
  it('times out a hung call with UPSTREAM_TIMEOUT', async () => {
    const client = clientFor(sandbox, { timeoutMs: 300 });
    await client.listBackups();
    sandbox.faults.set(prod().name, { kind: 'hang' });
    const started = Date.now();
    const error = await failure(client.listBackups());
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.code).toBe('UPSTREAM_TIMEOUT');
    expect(error.message).toMatch(/listBackups.*300 ms/);
  });

  it('reports a 5xx as UPSTREAM_UNAVAILABLE', async () => {
    sandbox.faults.set(prod().name, { kind: 'error' });
    const error = await failure(clientFor().listUploads());
    expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', status: 503, tenant: prod().name });
  });

  it('reports an unreachable tenant as UPSTREAM_UNAVAILABLE', async () => {
    const gone = await startSailPointSandbox({ now: NOW });
    const client = clientFor(gone);
    await gone.close();
    const error = await failure(client.listBackups());
    expect(error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(error.status).toBeUndefined();
  });
});

describe('answers that cannot be read', () => {
  // A stand-in upstream that answers the token call normally and the list with whatever a test sets.
  let server: Server;
  let baseUrl: string;
  let tokenBody = '';
  let listBody = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(req.url?.startsWith('/oauth/token') ? tokenBody : listBody);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const standIn = () =>
    new SailPointClient({ name: 'stand-in', baseUrl, clientId: 'id', clientSecret: 'stand-in-secret' });

  it('reports a body that is not JSON, without quoting it', async () => {
    tokenBody = JSON.stringify({ access_token: 'abc', expires_in: 720 });
    listBody = '<html>secret maintenance page</html>';
    const error = await failure(standIn().listBackups());
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', status: 200 });
    expect(error.message).not.toContain('maintenance');
    expect(error.cause).toBeUndefined();
  });

  it('leaves out a record of the wrong shape, saying which and why, and keeps the others', async () => {
    tokenBody = JSON.stringify({ access_token: 'abc', expires_in: 720 });
    listBody = JSON.stringify([{ jobId: 5 }, { jobId: 'j2', fileExists: 'yes', totalObjectCount: 1.5 }, 'a string', { jobId: 'j4' }]);
    expect(await standIn().read('listBackups')).toEqual({
      records: [{ jobId: 'j4' }],
      skipped: [
        { jobId: null, members: ['jobId'] },
        { jobId: 'j2', members: ['fileExists', 'totalObjectCount'] },
        { jobId: null, members: ['(the record itself)'] },
      ],
    });
    expect(await standIn().listBackups()).toEqual([{ jobId: 'j4' }]);
  });

  it('reports an answer that is not a list, and token answers without a token', async () => {
    tokenBody = JSON.stringify({ access_token: 'abc', expires_in: 720 });
    listBody = JSON.stringify({ items: [] });
    expect((await failure(standIn().listBackups())).code).toBe('UPSTREAM_BAD_RESPONSE');

    tokenBody = JSON.stringify({ token_type: 'bearer', expires_in: 720 });
    const error = await failure(standIn().listBackups());
    expect(error.code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('token');
  });

  it('keeps unknown enum values and reads null members as absent', async () => {
    tokenBody = JSON.stringify({ access_token: 'abc', expires_in: 720 });
    listBody = JSON.stringify([
      {
        jobId: 'j1',
        status: 'PAUSED',
        backupType: 'SCHEDULED_EXPORT',
        completed: null,
        options: null,
        cloudStorageStatus: 'ARCHIVED',
      },
    ]);
    expect(await standIn().listBackups()).toEqual([
      { jobId: 'j1', status: 'PAUSED', backupType: 'SCHEDULED_EXPORT', cloudStorageStatus: 'ARCHIVED' },
    ]);
  });
});

describe('error messages', () => {
  it('never contain a client secret or an access token', async () => {
    // One failure of each kind, provoked here so that the test stands alone; those of the tests above join them.
    const own: SailPointError[] = [];
    const faults: [SandboxFault, Partial<SailPointTenantConfig>][] = [
      [{ kind: 'credentials' }, {}],
      [{ kind: 'throttle', retryAfterSeconds: 10 }, {}],
      [{ kind: 'hang' }, { timeoutMs: 200 }],
      [{ kind: 'error', status: 503 }, {}],
      [{ kind: 'malformed' }, {}],
    ];
    for (const [fault, config] of faults) {
      sandbox.faults.set(prod().name, fault);
      own.push(await failure(clientFor(sandbox, config).listBackups()));
      sandbox.faults.clear();
    }
    expect(own.map((error) => error.code)).toEqual(['UPSTREAM_AUTH_FAILED', 'UPSTREAM_THROTTLED', 'UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE']);
    const secrets = [...sandbox.tenants.map((tenant) => tenant.clientSecret), 'stand-in-secret'];
    for (const error of [...own, ...provoked]) {
      for (const secret of secrets) expect(error.message).not.toContain(secret);
      expect(error.message).not.toMatch(UUID); // sandbox access tokens are UUIDs
      expect(error.message).not.toContain('abc'); // the stand-in's token
      expect(error.message).toMatch(/^SailPoint tenant "[^"]+": /);
    }
  });
});
