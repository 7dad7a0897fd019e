// The SailPoint sandbox over real HTTP: token endpoint, lists and filters, auth, rate limit, faults and seed data.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSailPointSandbox, type SailPointSandbox } from '../src/sandbox/sailpoint/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const BACKUPS = '/v2024/configuration-hub/backups';
const UPLOADS = `${BACKUPS}/uploads`;

let sandbox: SailPointSandbox;
const prod = () => sandbox.tenants[0]!;
const other = () => sandbox.tenants[1]!;

beforeAll(async () => {
  sandbox = await startSailPointSandbox({ now: NOW, frozenClock: true });
});
afterAll(() => sandbox.close());

function credentials(tenant = prod(), overrides: Record<string, string> = {}): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: tenant.clientId,
    client_secret: tenant.clientSecret,
    ...overrides,
  };
}

async function token(target = sandbox, tenant = target.tenants[0]!): Promise<string> {
  const response = await fetch(`${target.tenantUrl(tenant.name)}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams(credentials(tenant)),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function get(path: string, bearer: string | undefined, tenant = prod().name, target = sandbox) {
  const response = await fetch(`${target.tenantUrl(tenant)}${path}`, {
    headers: { accept: 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

function expectServiceError(body: any, detailCode: string) {
  expect(body).toMatchObject({
    detailCode,
    trackingId: expect.stringMatching(/^[0-9a-f]{32}$/),
    messages: [{ locale: 'en-US', localeOrigin: 'DEFAULT', text: expect.any(String) }],
    causes: [],
  });
}

describe('token endpoint', () => {
  it('issues a bearer token for url-encoded credentials', async () => {
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams(credentials()),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      access_token: expect.any(String),
      token_type: 'bearer',
      expires_in: 720,
      scope: expect.any(String),
      tenant_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      pod: expect.any(String),
      strong_auth_supported: false,
      claims_supported: false,
      internal: false,
      identity_id: expect.stringMatching(/^[0-9a-f]{32}$/),
      user_name: expect.any(String),
      strong_auth: true,
      jti: expect.any(String),
    });
  });

  it('accepts multipart form data, as the official SDK sends', async () => {
    const form = new FormData();
    for (const [key, value] of Object.entries(credentials())) form.set(key, value);
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { access_token: string }).access_token).toMatch(/\S{16,}/);
  });

  it('accepts the credentials as query parameters', async () => {
    const query = new URLSearchParams(credentials());
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token?${query}`, { method: 'POST' });
    expect(response.status).toBe(200);
  });

  it.each([
    ['url-encoded', (fields: Record<string, string>) => new URLSearchParams(fields)],
    [
      'multipart',
      (fields: Record<string, string>) => {
        const form = new FormData();
        for (const [key, value] of Object.entries(fields)) form.set(key, value);
        return form;
      },
    ],
  ])('refuses a wrong secret sent %s with an OAuth error', async (_encoding, encode) => {
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
      method: 'POST',
      body: encode(credentials(prod(), { client_secret: 'not-the-secret' })),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'unauthorized', error_description: 'Bad credentials' });
  });

  it("refuses another tenant's credentials and missing ones", async () => {
    const foreign = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams(credentials(other())),
    });
    expect(foreign.status).toBe(401);
    expect(await foreign.json()).toMatchObject({ error: 'unauthorized', error_description: 'Bad credentials' });

    const missing = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: 'unauthorized' });
  });

  it('refuses a grant type other than client_credentials', async () => {
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams(credentials(prod(), { grant_type: 'password' })),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('backup lists', () => {
  let bearer: string;
  beforeAll(async () => {
    bearer = await token();
  });

  it('lists the tenant backups newest first, uploads apart', async () => {
    const { status, body } = await get(BACKUPS, bearer);
    expect(status).toBe(200);
    expect(body).toEqual(sandbox.store.backups(prod().name));
    const created = body.map((record: any) => record.created);
    expect(created).toEqual([...created].sort().reverse());
    expect(body.some((record: any) => record.backupType === 'UPLOADED')).toBe(false);
    expect(body.every((record: any) => record.tenant === prod().name)).toBe(true);
  });

  it('lists uploaded configurations and gets one by id', async () => {
    const list = await get(UPLOADS, bearer);
    expect(list.status).toBe(200);
    expect(list.body).toEqual(sandbox.store.uploads(prod().name));
    expect(list.body.length).toBeGreaterThan(0);
    expect(list.body.every((record: any) => record.backupType === 'UPLOADED')).toBe(true);

    const first = list.body[0];
    const one = await get(`${UPLOADS}/${first.jobId}`, bearer);
    expect(one).toMatchObject({ status: 200, body: first });

    const missing = await get(`${UPLOADS}/00000000-0000-4000-8000-000000000000`, bearer);
    expect(missing.status).toBe(404);
    expectServiceError(missing.body, '404 Not Found');
  });

  it('filters on status eq, with %20 or + for spaces and any case of the value', async () => {
    const failed = sandbox.store.backups(prod().name).filter((record) => record.status === 'FAILED');
    expect(failed.length).toBeGreaterThan(0);
    for (const query of ['status%20eq%20%22FAILED%22', 'status+eq+%22FAILED%22', 'status%20eq%20%22failed%22']) {
      const { status, body } = await get(`${BACKUPS}?filters=${query}`, bearer);
      expect(status).toBe(200);
      expect(body).toEqual(failed);
    }
    const uploads = await get(`${UPLOADS}?filters=${encodeURIComponent('status eq "IN_PROGRESS"')}`, bearer);
    expect(uploads.body).toEqual(
      sandbox.store.uploads(prod().name).filter((record) => record.status === 'IN_PROGRESS'),
    );
  });

  it.each([
    ['name eq "Nightly"', /'name'/],
    ['status ne "COMPLETE"', /'ne'/],
    ['status EQ "COMPLETE"', /lowercase/],
    ['status eq "DONE"', /DONE/],
    ['status eq COMPLETE', /double-quoted/],
    ['status in ("COMPLETE","FAILED")', /'in'/],
    ['status eq "COMPLETE" and name eq "x"', /composite/i],
    ['not status eq "COMPLETE"', /composite/i],
    ['status', /not a valid filter/],
  ])('refuses the filter %s with 400.1', async (filter, reason) => {
    const { status, body } = await get(`${BACKUPS}?filters=${encodeURIComponent(filter)}`, bearer);
    expect(status).toBe(400);
    expectServiceError(body, '400.1 Bad request content');
    expect(body.messages[0].text).toMatch(reason);
  });

  it('accepts and ignores X-SailPoint-Experimental', async () => {
    const response = await fetch(`${sandbox.tenantUrl(prod().name)}${BACKUPS}`, {
      headers: { authorization: `Bearer ${bearer}`, 'x-sailpoint-experimental': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(sandbox.store.backups(prod().name));
  });

  it('answers 404 with the error body for unknown paths and tenants', async () => {
    const path = await get('/v2024/configuration-hub/drafts', bearer);
    expect(path.status).toBe(404);
    expectServiceError(path.body, '404 Not Found');
    const tenant = await get(BACKUPS, bearer, 'globex-prod');
    expect(tenant.status).toBe(404);
    expectServiceError(tenant.body, '404 Not Found');
  });
});

describe('deleting', () => {
  let target: SailPointSandbox;
  let bearer: string;
  beforeEach(async () => {
    // Deleting changes the data, so every test gets a sandbox of its own.
    target = await startSailPointSandbox({ now: NOW, rateLimit: { requests: 6, windowMs: 60_000 } });
    bearer = await token(target);
  });
  afterEach(() => target.close());

  /** DELETE with the test's token, another one, or none (null). */
  async function remove(path: string, auth: string | null = bearer) {
    const response = await fetch(`${target.tenantUrl(prod().name)}${path}`, {
      method: 'DELETE',
      headers: auth ? { authorization: `Bearer ${auth}` } : {},
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text, body: text === '' ? undefined : JSON.parse(text) };
  }
  const jobIds = (records: readonly Record<string, unknown>[]) => records.map((record) => record.jobId);

  it('deletes a backup with 204 and no body; later lists leave it out, and a second delete is 404', async () => {
    const before = [...target.store.backups(prod().name)];
    const victim = before[3]!.jobId as string;
    const deleted = await remove(`${BACKUPS}/${victim}`);
    expect(deleted).toMatchObject({ status: 204, text: '' });

    const listed = await get(BACKUPS, bearer, prod().name, target);
    expect(jobIds(listed.body)).toEqual(jobIds(before).filter((id) => id !== victim));
    expect(target.store.backups(prod().name)).toHaveLength(before.length - 1);

    const again = await remove(`${BACKUPS}/${victim}`);
    expect(again.status).toBe(404);
    expectServiceError(again.body, '404 Not Found');
    expect(again.body.messages[0].text).toContain(victim);
    expect(target.calls.count('deleteBackup')).toBe(2);
  });

  it('deletes an uploaded configuration at uploads/{id}, which the backup route never reaches', async () => {
    const uploads = [...target.store.uploads(prod().name)];
    const backups = [...target.store.backups(prod().name)];
    const upload = uploads[1]!.jobId as string;

    // An upload id under the backup route, a backup id under the upload route, and the bare
    // uploads collection as a backup id: all 404, and nothing is gone.
    for (const path of [`${BACKUPS}/${upload}`, `${UPLOADS}/${backups[0]!.jobId}`, UPLOADS]) {
      const refused = await remove(path);
      expect(refused.status, path).toBe(404);
      expectServiceError(refused.body, '404 Not Found');
    }
    expect(target.calls.byOperation()).toMatchObject({ deleteBackup: 2, deleteUpload: 1 });
    expect(target.store.uploads(prod().name)).toEqual(uploads);
    expect(target.store.backups(prod().name)).toEqual(backups);

    expect((await remove(`${UPLOADS}/${upload}`)).status).toBe(204);
    expect((await get(`${UPLOADS}/${upload}`, bearer, prod().name, target)).status).toBe(404);
    const listed = await get(UPLOADS, bearer, prod().name, target);
    expect(jobIds(listed.body)).toEqual(jobIds(uploads).filter((id) => id !== upload));
    expect(target.store.backups(prod().name)).toEqual(backups);
  });

  it('needs a bearer token of the tenant and counts against its rate limit', async () => {
    const victim = target.store.backups(prod().name)[0]!.jobId as string;
    const uploadCount = target.store.uploads(prod().name).length;
    for (const auth of [null, 'not-a-token', await token(target, other())]) {
      const refused = await remove(`${BACKUPS}/${victim}`, auth);
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatch(/^JWT validation failed/);
    }
    // Six requests per token in this sandbox's window: five lists, then the delete is the sixth.
    for (let i = 0; i < 5; i++) expect((await get(BACKUPS, bearer, prod().name, target)).status).toBe(200);
    expect((await remove(`${BACKUPS}/${victim}`)).status).toBe(204);
    const throttled = await remove(`${UPLOADS}/${target.store.uploads(prod().name)[0]!.jobId}`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toEqual(expect.stringMatching(/^\d+$/));
    expect(target.store.uploads(prod().name)).toHaveLength(uploadCount);
  });

  it('answers faults set for the delete operations in SailPoint shapes', async () => {
    target.faults.set(prod().name, { operation: 'deleteBackup', kind: 'error', status: 503, times: 1 });
    const victim = target.store.backups(prod().name)[0]!.jobId as string;
    const failed = await remove(`${BACKUPS}/${victim}`);
    expect(failed.status).toBe(503);
    expectServiceError(failed.body, '503 Service Unavailable');
    expect(target.store.backups(prod().name).some((record) => record.jobId === victim)).toBe(true);
    expect((await remove(`${BACKUPS}/${victim}`)).status).toBe(204);
  });
});

describe('API authentication', () => {
  it('answers 401 to a missing, unknown or foreign token', async () => {
    for (const bearer of [undefined, 'not-a-token', await token(sandbox, other())]) {
      const { status, body } = await get(BACKUPS, bearer);
      expect(status).toBe(401);
      expect(body.error).toMatch(/^JWT validation failed/);
    }
  });

  it('answers 401 once tokens are revoked, and only for that tenant', async () => {
    const prodToken = await token();
    const otherToken = await token(sandbox, other());
    sandbox.revokeTokens(prod().name);
    expect(await get(BACKUPS, prodToken)).toMatchObject({
      status: 401,
      body: { error: 'JWT validation failed: JWT is expired' },
    });
    expect((await get(BACKUPS, otherToken, other().name)).status).toBe(200);
    expect((await get(BACKUPS, await token())).status).toBe(200);
  });

  it('lets a token expire after tokenTtlSeconds', async () => {
    const shortLived = await startSailPointSandbox({ now: NOW, tokenTtlSeconds: 1 });
    try {
      const bearer = await token(shortLived);
      expect((await get(BACKUPS, bearer, prod().name, shortLived)).status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      expect((await get(BACKUPS, bearer, prod().name, shortLived)).status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the limit of one token, and not for another token', async () => {
    const limited = await startSailPointSandbox({ now: NOW, rateLimit: { requests: 3, windowMs: 1_000 } });
    try {
      const bearer = await token(limited);
      for (let i = 0; i < 3; i++) expect((await get(BACKUPS, bearer, prod().name, limited)).status).toBe(200);
      const throttled = await get(BACKUPS, bearer, prod().name, limited);
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('1');
      expect(throttled.body).toEqual({ message: ' Rate Limit Exceeded ' });
      expect((await get(BACKUPS, await token(limited), prod().name, limited)).status).toBe(200);

      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await get(BACKUPS, bearer, prod().name, limited)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe('faults', () => {
  it('answers an error fault with the status and the error body, on token calls too', async () => {
    const bearer = await token();
    sandbox.faults.set(prod().name, { kind: 'error' });
    try {
      const unavailable = await get(BACKUPS, bearer);
      expect(unavailable.status).toBe(503);
      expectServiceError(unavailable.body, '503 Service Unavailable');
      const tokenCall = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams(credentials()),
      });
      expect(tokenCall.status).toBe(503);
      expect((await get(BACKUPS, await token(sandbox, other()), other().name)).status).toBe(200);

      sandbox.faults.set(prod().name, { kind: 'error', status: 500 });
      expectServiceError((await get(BACKUPS, bearer)).body, '500.0 Internal Fault');
    } finally {
      sandbox.faults.clear();
    }
    expect((await get(BACKUPS, bearer)).status).toBe(200);
  });

  it('answers a throttle fault with 429 and its Retry-After', async () => {
    sandbox.faults.set(prod().name, { kind: 'throttle', retryAfterSeconds: 3 });
    try {
      const response = await fetch(`${sandbox.tenantUrl(prod().name)}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams(credentials()),
      });
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('3');
    } finally {
      sandbox.faults.set(prod().name, { kind: 'none' });
    }
    expect(await token()).toEqual(expect.any(String));
  });

  it('never answers under a hang fault, and close() still returns promptly', async () => {
    const hanging = await startSailPointSandbox({ now: NOW });
    hanging.faults.set(prod().name, { kind: 'hang' });
    const pending = fetch(`${hanging.tenantUrl(prod().name)}${BACKUPS}`, { signal: AbortSignal.timeout(300) });
    await expect(pending).rejects.toMatchObject({ name: 'TimeoutError' });
    // A second hung request is still open when the sandbox closes.
    const stillOpen = fetch(`${hanging.tenantUrl(prod().name)}${BACKUPS}`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await hanging.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await stillOpen).toBeInstanceOf(Error);
    expect(hanging.calls.count('listBackups')).toBe(2);
  });

  it('can be set and cleared over HTTP outside every tenant', async () => {
    const admin = `${sandbox.url}/__sandbox/faults`;
    const set = await fetch(admin, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: prod().name, kind: 'throttle', retryAfterSeconds: 2 }),
    });
    expect(set.status).toBe(200);
    const throttled = await get(BACKUPS, undefined);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('2');

    expect((await fetch(admin, { method: 'DELETE' })).status).toBe(204);
    expect((await get(BACKUPS, undefined)).status).toBe(401);

    for (const body of [
      { tenant: 'globex', kind: 'hang' },
      { tenant: prod().name, kind: 'explode' },
      { tenant: prod().name, kind: 'latency' },
      { tenant: prod().name, kind: 'hang', operation: 'deleteEverything' },
    ]) {
      const refused = await fetch(admin, { method: 'POST', body: JSON.stringify(body) });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toEqual(expect.any(String));
    }
    expect((await get(BACKUPS, undefined)).status).toBe(401);
  });

  it('refuses unknown tenants and bad faults in code', () => {
    expect(() => sandbox.faults.set('globex', { kind: 'hang' })).toThrow(/globex/);
    expect(() => sandbox.faults.set(prod().name, { kind: 'error', status: 200 })).toThrow();
  });
});

describe('call log', () => {
  it('counts every call per operation and tenant, before auth checks', async () => {
    sandbox.calls.reset();
    const bearer = await token();
    await get(BACKUPS, bearer);
    await get(BACKUPS, undefined);
    await get(UPLOADS, bearer);
    await get(`${UPLOADS}/nope`, bearer);
    await get(BACKUPS, await token(sandbox, other()), other().name);
    await get('/v3/sources', bearer);

    expect(sandbox.calls.byOperation()).toEqual({ token: 2, listBackups: 3, listUploads: 1, getUpload: 1, deleteBackup: 0, deleteUpload: 0 });
    expect(sandbox.calls.count('listBackups', prod().name)).toBe(2);
    expect(sandbox.calls.count(undefined, other().name)).toBe(2);
    expect(sandbox.calls.count()).toBe(7);
    sandbox.calls.reset();
    expect(sandbox.calls.count()).toBe(0);
  });
});

describe('latency', () => {
  it('delays every answer by latencyMs', async () => {
    const slow = await startSailPointSandbox({ now: NOW, latencyMs: 200 });
    try {
      const started = Date.now();
      await token(slow);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    } finally {
      await slow.close();
    }
  });
});

describe('seed', () => {
  const all = () =>
    sandbox.tenants.flatMap((tenant) => [...sandbox.store.backups(tenant.name), ...sandbox.store.uploads(tenant.name)]);
  const values = (member: string) => new Set(all().map((record) => record[member]));

  it('has at least two tenants and 60 backups', () => {
    expect(sandbox.tenants.map((tenant) => tenant.name)).toEqual(expect.arrayContaining(['acme-prod', 'acme-sandbox']));
    const backups = sandbox.tenants.reduce((sum, tenant) => sum + sandbox.store.backups(tenant.name).length, 0);
    expect(backups).toBeGreaterThanOrEqual(60);
    for (const tenant of sandbox.tenants) expect(sandbox.store.uploads(tenant.name).length).toBeGreaterThan(0);
  });

  it('covers every enum value', () => {
    for (const status of ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETE', 'CANCELLED', 'FAILED'])
      expect(values('status')).toContain(status);
    for (const type of ['UPLOADED', 'AUTOMATED', 'MANUAL', 'AUTOMATED_DRAFT'])
      expect(values('backupType')).toContain(type);
    for (const hydration of ['HYDRATED', 'NOT_HYDRATED']) expect(values('hydrationStatus')).toContain(hydration);
    for (const storage of ['SYNCED', 'NOT_SYNCED', 'SYNC_FAILED'])
      expect(values('cloudStorageStatus')).toContain(storage);
    expect(values('type')).toEqual(new Set(['BACKUP']));
  });

  it('has partial backups with object options', () => {
    const partial = all().filter((record) => record.isPartial === true) as any[];
    expect(partial.length).toBeGreaterThan(0);
    for (const record of partial) {
      expect(record.options.includeTypes.length).toBeGreaterThan(0);
      for (const [type, selection] of Object.entries<any>(record.options.objectOptions)) {
        expect(record.options.includeTypes).toContain(type);
        // v2024's ObjectExportImportNames has includedNames and nothing else.
        expect(Object.keys(selection)).toEqual(['includedNames']);
        expect(selection.includedNames.length).toBeGreaterThan(0);
      }
    }
    expect(partial.some((record) => record.options.objectOptions.ROLE || record.options.objectOptions.SOURCE)).toBe(
      true,
    );
  });

  it('has COMPLETE backups whose file is gone in every tenant', () => {
    for (const tenant of sandbox.tenants) {
      const gone = sandbox.store.backups(tenant.name).filter((record) => record.status === 'COMPLETE' && record.fileExists === false);
      expect(gone.length, tenant.name).toBeGreaterThan(0);
    }
  });

  it('leaves out optional members in some records, and only where the default holds', () => {
    const records = all();
    for (const member of ['fileExists', 'userCanDelete', 'isPartial', 'options']) {
      expect(
        records.some((record) => !(member in record)),
        member,
      ).toBe(true);
    }
    expect(records.some((record) => record.options === null)).toBe(true);
    for (const record of records) {
      if (!('fileExists' in record)) expect(record.status).toBe('COMPLETE');
      if (!('isPartial' in record)) expect(record.options ?? null).toBeNull();
    }
  });

  it('has completed exactly on finished records, with consistent ISO times', () => {
    for (const record of all() as any[]) {
      const finished = !['NOT_STARTED', 'IN_PROGRESS'].includes(record.status);
      expect('completed' in record).toBe(finished);
      expect(new Date(record.created).toISOString()).toBe(record.created);
      expect(record.modified >= record.created).toBe(true);
      if (finished) expect(record.completed >= record.created).toBe(true);
      expect(Date.parse(record.created)).toBeLessThanOrEqual(NOW.getTime());
      expect(record.jobId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('starts and completes its jobs under way as its clock passes, the same way for the same clock', async () => {
    const [one, two] = await Promise.all([startSailPointSandbox({ now: NOW, frozenClock: true }), startSailPointSandbox({ now: NOW, frozenClock: true })]);
    try {
      const underWay = (target: SailPointSandbox) =>
        target.tenants.flatMap((tenant) => [...target.store.backups(tenant.name), ...target.store.uploads(tenant.name)]).filter((record) => ['NOT_STARTED', 'IN_PROGRESS'].includes(String(record.status)));
      const seeded = underWay(one);
      expect(seeded.map((record) => record.status).sort()).toEqual(['IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'IN_PROGRESS', 'NOT_STARTED', 'NOT_STARTED']);
      // A test's own seconds change nothing, and a few minutes finish every one of them.
      one.clock.advance(40_000);
      expect(underWay(one)).toEqual(seeded);
      for (const target of [one, two]) target.clock.advance(240_000 - (target === one ? 40_000 : 0));
      expect(underWay(one)).toEqual([]);
      for (const tenant of one.tenants) {
        expect(one.store.backups(tenant.name)).toEqual(two.store.backups(tenant.name));
        const completed = one.store.backups(tenant.name).filter((record) => seeded.some((running) => running.jobId === record.jobId));
        for (const record of completed) {
          expect(record).toMatchObject({ status: 'COMPLETE', fileExists: true, completed: record.modified });
          expect(Date.parse(String(record.completed))).toBeLessThanOrEqual(NOW.getTime() + 240_000);
        }
      }
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it('is deterministic for the same anchor time', async () => {
    const again = await startSailPointSandbox({ now: new Date(NOW), frozenClock: true });
    const later = await startSailPointSandbox({ now: new Date(NOW.getTime() + 3_600_000), frozenClock: true });
    try {
      for (const tenant of sandbox.tenants) {
        expect(again.store.backups(tenant.name)).toEqual(sandbox.store.backups(tenant.name));
        expect(again.store.uploads(tenant.name)).toEqual(sandbox.store.uploads(tenant.name));
        // Another anchor moves the times and nothing else.
        const moved = later.store.backups(tenant.name).map((record) => ({
          ...record,
          created: new Date(Date.parse(String(record.created)) - 3_600_000).toISOString(),
          modified: new Date(Date.parse(String(record.modified)) - 3_600_000).toISOString(),
          ...(record.completed
            ? { completed: new Date(Date.parse(String(record.completed)) - 3_600_000).toISOString() }
            : {}),
          ...(record.backupType === 'AUTOMATED' ? { name: undefined } : {}),
        }));
        const original = sandbox.store.backups(tenant.name).map((record) => ({
          ...record,
          ...(record.backupType === 'AUTOMATED' ? { name: undefined } : {}),
        }));
        expect(moved).toEqual(original);
      }
    } finally {
      await Promise.all([again.close(), later.close()]);
    }
  });
});
