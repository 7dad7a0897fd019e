// SailPointBackupJob through the gateway: every field against the raw record, batching, tokens,
// throttling and failures of one tenant while everything else keeps answering.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTestGateway, uncached, type TestGateway } from './support/gateway.js';
import { expectedSailPointPhase } from './support/wire.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    // A short deadline keeps the hanging-tenant test quick; the batching test asks for 150 aliased
    // lookups in one query, past the default alias limit.
    security: { limits: { maxAliases: 200 } },
    // Every request reads the tenants anew, so that each test meets the tenant as it set it up.
    configure: (config) =>
      uncached({
        ...config,
        // A budget well above what these tests send (retries included), so that none is refused on the gateway's own account.
        // The sandbox tenant gets the short deadline the hang test waits out; the other keeps room
        // for its retries, so that a busy machine cannot turn its 503s into a timeout.
        sources: config.sources.map((source) =>
          source.kind === 'sailpoint'
            ? { ...source, timeoutMs: source.name === 'sailpoint-acme-sandbox' ? 800 : 3_000, budget: { calls: 1_000, perSeconds: 10 } }
            : source,
        ),
      }),
  });
});
afterAll(() => gateway.close());
beforeEach(() => {
  gateway.sandbox.sailPoint.calls.reset();
  gateway.sandbox.aws.calls.reset();
});
afterEach(() => gateway.sandbox.sailPoint.faults.clear());

const SAILPOINT_FIELDS = `
  id sourceKind sourceName displayName phase createdAt completedAt
  ... on SailPointBackupJob {
    jobId status statusRaw type tenant requesterName fileExists created modified completed name userCanDelete isPartial
    backupType options { includeTypes objectOptions { objectType includedNames } }
    hydrationStatus totalObjectCount cloudStorageStatus
  }`;

const iso = (value: unknown) => (typeof value === 'string' ? new Date(value).toISOString() : null);

/** An enum member as the schema shows it: a value this gateway does not know yet is UNKNOWN. */
const known = (values: string[]) => (value: string | undefined) => (value == null ? null : values.includes(value) ? value : 'UNKNOWN');
const status = known(['NOT_STARTED', 'IN_PROGRESS', 'COMPLETE', 'CANCELLED', 'FAILED']);
const backupType = known(['UPLOADED', 'AUTOMATED', 'MANUAL', 'AUTOMATED_DRAFT']);
const hydrationStatus = known(['HYDRATED', 'NOT_HYDRATED']);
const cloudStorageStatus = known(['SYNCED', 'SYNC_FAILED', 'NOT_SYNCED']);

/** The test's own reading of a raw BackupResponse, defaults included. */
function expectedSailPointJob(record: Record<string, any>) {
  return {
    jobId: record.jobId,
    status: status(record.status),
    statusRaw: record.status ?? null,
    type: record.type ?? null,
    tenant: record.tenant ?? null,
    requesterName: record.requesterName ?? null,
    fileExists: record.fileExists ?? true,
    created: iso(record.created),
    modified: iso(record.modified),
    completed: iso(record.completed),
    name: record.name ?? null,
    userCanDelete: record.userCanDelete ?? true,
    isPartial: record.isPartial ?? false,
    backupType: backupType(record.backupType),
    options: record.options
      ? {
          includeTypes: record.options.includeTypes ?? null,
          objectOptions: record.options.objectOptions
            ? Object.entries(record.options.objectOptions).map(([objectType, selection]: [string, any]) => ({
                objectType,
                includedNames: selection.includedNames ?? [],
              }))
            : null,
        }
      : null,
    hydrationStatus: hydrationStatus(record.hydrationStatus),
    totalObjectCount: record.totalObjectCount ?? null,
    cloudStorageStatus: cloudStorageStatus(record.cloudStorageStatus),
  };
}

function tenantRecords() {
  const { sailPoint } = gateway.sandbox;
  return sailPoint.tenants.flatMap(({ name }) => [
    ...sailPoint.store.backups(name).map((record) => ({ tenant: name, record: record as Record<string, any> })),
    ...sailPoint.store.uploads(name).map((record) => ({ tenant: name, record: record as Record<string, any> })),
  ]);
}

describe('SailPointBackupJob', () => {
  it('returns every BackupResponse member of every sandbox record, with upstream defaults for absent ones', async () => {
    const records = tenantRecords();
    expect(records.length).toBeGreaterThanOrEqual(60);
    expect(records.some(({ record }) => record.fileExists === undefined)).toBe(true);
    const lookups = records
      .map(({ tenant, record }, index) => `j${index}: sailPointBackupJob(jobId: "${record.jobId}", sourceName: "sailpoint-${tenant}") { ${SAILPOINT_FIELDS} }`)
      .join('\n');
    const result = await gateway.query(`{ ${lookups} }`);
    expect(result.errors).toBeUndefined();
    // Values SailPoint may add later are among them, and come back as UNKNOWN rather than an error.
    expect(records.some(({ record }) => status(record.status) === 'UNKNOWN')).toBe(true);
    records.forEach(({ tenant, record }, index) => {
      const job = result.data![`j${index}`];
      expect(job).toMatchObject(expectedSailPointJob(record));
      expect(job).toMatchObject({
        sourceKind: 'SAILPOINT',
        sourceName: `sailpoint-${tenant}`,
        phase: expectedSailPointPhase(record),
        createdAt: iso(record.created),
        completedAt: iso(record.completed),
        displayName: record.name ?? record.jobId,
      });
    });
  });

  it('costs one list call per tenant and collection, and no token call once one is held, however many jobs are asked for', async () => {
    const records = tenantRecords();
    const lookups = records
      .map(({ tenant, record }, index) => `j${index}: sailPointBackupJob(jobId: "${record.jobId}", sourceName: "sailpoint-${tenant}") { id }`)
      .join('\n');
    const first = await gateway.query(`{ ${lookups} }`);
    const ids = records.map((_record, index) => first.data![`j${index}`].id as string);
    expect(new Set(ids).size).toBe(records.length);

    gateway.sandbox.sailPoint.calls.reset();
    const byId = ids.map((id, index) => `b${index}: backupJob(id: "${id}") { id } n${index}: node(id: "${id}") { id }`).join('\n');
    const result = await gateway.query(`{ ${byId} backupJobs(first: 100, filter: { sourceKinds: [SAILPOINT] }) { edges { node { id } } } }`);
    expect(result.errors).toBeUndefined();
    ids.forEach((id, index) => {
      expect(result.data![`b${index}`].id).toBe(id);
      expect(result.data![`n${index}`].id).toBe(id);
    });
    const tenants = gateway.sandbox.sailPoint.tenants.length;
    expect(gateway.sandbox.sailPoint.calls.count('listBackups')).toBe(tenants);
    expect(gateway.sandbox.sailPoint.calls.count('listUploads')).toBe(tenants);
    // Tokens are cached across requests; this request needed none.
    expect(gateway.sandbox.sailPoint.calls.count('token')).toBe(0);
  });

  it('keeps a COMPLETE backup whose file is gone COMPLETED, with fileExists false, in lookups and phase filters', async () => {
    const gone = tenantRecords().filter(({ record }) => record.status === 'COMPLETE' && record.fileExists === false);
    expect(gone.length).toBeGreaterThanOrEqual(2);
    const lookups = gone
      .map(({ tenant, record }, index) => `g${index}: sailPointBackupJob(jobId: "${record.jobId}", sourceName: "sailpoint-${tenant}") { id phase ... on SailPointBackupJob { fileExists cloudStorageStatus } }`)
      .join('\n');
    const found = await gateway.query(`{ ${lookups} }`);
    expect(found.errors).toBeUndefined();
    gone.forEach(({ record }, index) => {
      expect(found.data![`g${index}`]).toMatchObject({
        fileExists: false,
        phase: record.cloudStorageStatus === 'SYNC_FAILED' ? 'COMPLETED_WITH_ISSUES' : 'COMPLETED',
      });
    });
    const ids = (phase: string) =>
      gateway
        .query(`{ backupJobs(first: 100, filter: { sourceKinds: [SAILPOINT], phases: [${phase}] }) { edges { node { id } } pageInfo { hasNextPage } } }`)
        .then((result) => {
          expect(result.data!.backupJobs.pageInfo.hasNextPage).toBe(false);
          return new Set(result.data!.backupJobs.edges.map((edge: any) => edge.node.id));
        });
    const [completed, withIssues] = [await ids('COMPLETED'), await ids('COMPLETED_WITH_ISSUES')];
    gone.forEach((_job, index) => {
      const { id, phase } = found.data![`g${index}`];
      expect(completed.has(id)).toBe(phase === 'COMPLETED');
      expect(withIssues.has(id)).toBe(phase === 'COMPLETED_WITH_ISSUES');
    });
    expect(gone.some((_job, index) => completed.has(found.data![`g${index}`].id))).toBe(true);
  });

  it('filters a phase in the gateway, counts it, and lists each collection once', async () => {
    const result = await gateway.query(`{ backupJobs(first: 100, filter: { sourceKinds: [SAILPOINT], phases: [FAILED] }) {
      edges { node { ... on SailPointBackupJob { status } } } totalCount
    } }`);
    const expected = tenantRecords().filter(({ record }) => record.status === 'FAILED').length;
    expect(result.data!.backupJobs.edges.map((edge: any) => edge.node.status)).toEqual(Array(expected).fill('FAILED'));
    expect(result.data!.backupJobs.totalCount).toBe(expected);
    expect(gateway.sandbox.sailPoint.calls.count('listBackups')).toBe(gateway.sandbox.sailPoint.tenants.length);
    expect(gateway.sandbox.sailPoint.calls.count('listUploads')).toBe(gateway.sandbox.sailPoint.tenants.length);
  });

  it('renews a token that expired between two requests, once, and answers both', async () => {
    const query = `{ backupJobs(first: 5, filter: { sourceNames: ["sailpoint-acme-prod"] }) { edges { node { id } } } }`;
    expect((await gateway.query(query)).errors).toBeUndefined();
    gateway.sandbox.sailPoint.calls.reset();
    gateway.sandbox.sailPoint.revokeTokens();
    const result = await gateway.query(query);
    expect(result.errors).toBeUndefined();
    expect(result.data!.backupJobs.edges).toHaveLength(5);
    expect(gateway.sandbox.sailPoint.calls.count('token')).toBe(1);
  });

  it('renews an expired token once for many gateway requests at the same time, and answers them all', async () => {
    const query = `{ backupJobs(first: 5, filter: { sourceNames: ["sailpoint-acme-prod"] }) { edges { node { id } } } }`;
    expect((await gateway.query(query)).errors).toBeUndefined();
    gateway.sandbox.sailPoint.calls.reset();
    gateway.sandbox.sailPoint.revokeTokens();
    const answers = await Promise.all(Array.from({ length: 10 }, () => gateway.query(query)));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(answer.data!.backupJobs.edges).toHaveLength(5);
    }
    expect(gateway.sandbox.sailPoint.calls.count('token', 'acme-prod')).toBe(1);
  });

  it('reports a tenant that keeps answering 429 as UPSTREAM_THROTTLED, with its Retry-After, and serves every other source', async () => {
    // A gateway of its own: it calls the throttled tenant no more for the 30 s the tenant asks.
    const throttled = await startTestGateway({ configure: uncached });
    try {
      throttled.sandbox.sailPoint.faults.set('acme-prod', { kind: 'throttle', retryAfterSeconds: 30 });
      const result = await throttled.query(`{ backupJobs(first: 50) { edges { node { sourceName } } } }`);
      const names = new Set(result.data!.backupJobs.edges.map((edge: any) => edge.node.sourceName));
      expect(names.has('sailpoint-acme-prod')).toBe(false);
      expect(names.has('aws-us-east-1')).toBe(true);
      expect(result.errors!.map((error) => error.extensions)).toEqual([{ code: 'UPSTREAM_THROTTLED', sourceName: 'sailpoint-acme-prod', retryAfterSeconds: 30 }]);
    } finally {
      await throttled.close();
    }
  });

  it('reports a failing tenant as UPSTREAM_UNAVAILABLE and a hanging one as UPSTREAM_TIMEOUT, within the deadline', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 503 });
    gateway.sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'hang' });
    gateway.sandbox.sailPoint.revokeTokens();
    const started = performance.now();
    const result = await gateway.query(`{ backupJobs(first: 20) { edges { node { sourceName } } } }`);
    expect(performance.now() - started).toBeLessThan(800 * 3);
    expect(result.data!.backupJobs.edges).toHaveLength(20);
    expect(result.errors!.map((error) => error.extensions)).toEqual(
      expect.arrayContaining([
        { code: 'UPSTREAM_UNAVAILABLE', sourceName: 'sailpoint-acme-prod' },
        { code: 'UPSTREAM_TIMEOUT', sourceName: 'sailpoint-acme-sandbox' },
      ]),
    );
    const sources = await gateway.query(`{ backupSources { name kind lastCall { reachable errorCode } } }`);
    const byName = Object.fromEntries(sources.data!.backupSources.map((source: any) => [source.name, source]));
    expect(byName['sailpoint-acme-prod']).toMatchObject({ kind: 'SAILPOINT', lastCall: { reachable: false, errorCode: 'UPSTREAM_UNAVAILABLE' } });
    expect(byName['aws-us-east-1'].lastCall).toEqual({ reachable: true, errorCode: null });
  });

  it('reads a status SailPoint adds later as phase UNKNOWN, status UNKNOWN and the value as sent in statusRaw', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'rewrite', member: 'status', value: 'ARCHIVED', operation: 'listBackups' });
    const answer = await gateway.query(`{ backupJobs(first: 100, filter: { sourceNames: ["sailpoint-acme-prod"], phases: [UNKNOWN] }) {
      totalCount edges { node { phase ... on SailPointBackupJob { status statusRaw } } }
    } }`);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.totalCount).toBe(1);
    expect(answer.data!.backupJobs.edges[0].node).toEqual({ phase: 'UNKNOWN', status: 'UNKNOWN', statusRaw: 'ARCHIVED' });
  });

  it('skips a record with a wrongly typed member, counts it on the page and in the metrics, logs it once, and serves the rest of the tenant', async () => {
    const PROD = `{ backupJobs(first: 1, filter: { sourceNames: ["sailpoint-acme-prod"] }) {
      totalCount sources { sourceName complete errorCode skippedRecords }
    } }`;
    const skippedCount = async () => {
      const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
      const line = text.split('\n').find((row) => row.startsWith('backup_graph_upstream_skipped_records_total{source="sailpoint-acme-prod",operation="listBackups"}'));
      return line === undefined ? 0 : Number(line.split(' ').at(-1));
    };
    const clean = await gateway.query(PROD);
    expect(clean.data!.backupJobs.sources).toEqual([{ sourceName: 'sailpoint-acme-prod', complete: true, errorCode: null, skippedRecords: 0 }]);
    const counted = await skippedCount();

    const bad = gateway.sandbox.sailPoint.store.backups('acme-prod')[0]!;
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'rewrite', member: 'totalObjectCount', value: 'many', operation: 'listBackups' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      for (let read = 0; read < 2; read++) {
        const answer = await gateway.query(PROD);
        expect(answer.errors).toBeUndefined();
        expect(answer.data!.backupJobs.sources).toEqual([{ sourceName: 'sailpoint-acme-prod', complete: true, errorCode: null, skippedRecords: 1 }]);
        expect(answer.data!.backupJobs.totalCount).toBe(clean.data!.backupJobs.totalCount - 1);
      }
      // Once, although both reads met the record.
      expect(warn.mock.calls).toEqual([
        [`[upstream] source=sailpoint-acme-prod operation=listBackups skipped a record whose members have the wrong type: jobId="${bad.jobId}" members=totalObjectCount`],
      ]);
    } finally {
      warn.mockRestore();
    }
    expect(await skippedCount()).toBe(counted + 2);
  });

  it('answers null for a backup deleted upstream, and lists no more of it', async () => {
    const { sailPoint } = gateway.sandbox;
    const tenant = sailPoint.tenants[0]!;
    const record = sailPoint.store.backups(tenant.name)[5]!;
    const found = await gateway.query(`{ sailPointBackupJob(jobId: "${record.jobId}", sourceName: "sailpoint-${tenant.name}") { id } }`);
    const id = found.data!.sailPointBackupJob.id as string;

    const grant = await fetch(`${sailPoint.tenantUrl(tenant.name)}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: tenant.clientId, client_secret: tenant.clientSecret }),
    });
    const { access_token: bearer } = (await grant.json()) as { access_token: string };
    const deleted = await fetch(`${sailPoint.tenantUrl(tenant.name)}/v2024/configuration-hub/backups/${record.jobId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(deleted.status).toBe(204);

    const after = await gateway.query(`query ($id: ID!) { backupJob(id: $id) { id } node(id: $id) { id } }`, { id });
    expect(after.errors).toBeUndefined();
    expect(after.data).toEqual({ backupJob: null, node: null });
    const listed = await gateway.query(`{ backupJobs(first: 100, filter: { sourceNames: ["sailpoint-${tenant.name}"] }) { edges { node { id } } } }`);
    const ids = listed.data!.backupJobs.edges.map((edge: any) => edge.node.id);
    expect(ids).toHaveLength(sailPoint.store.backups(tenant.name).length + sailPoint.store.uploads(tenant.name).length);
    expect(ids).not.toContain(id);
  });

  it('never shows a tenant client secret or token in any answer', async () => {
    gateway.sandbox.sailPoint.faults.set('acme-prod', { kind: 'credentials' });
    const responses = await Promise.all([
      gateway.query(`{ backupJobs(first: 5) { edges { cursor } } }`),
      gateway.query(`{ sailPointBackupJob(jobId: "x") { id } }`),
      gateway.query(`{ backupSources { health { errorCode } } }`),
    ]);
    const text = JSON.stringify(responses);
    for (const tenant of gateway.sandbox.sailPoint.tenants) {
      expect(text).not.toContain(tenant.clientSecret);
      expect(text).not.toContain(tenant.clientId);
    }
    expect(text).not.toMatch(/bearer|access_token|oauth/i);
  });
});
