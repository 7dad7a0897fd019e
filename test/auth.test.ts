// Who may see what: JWTs verified against a JWKS served over loopback HTTP, API keys, and the
// per-source rule, each tested with a caller that may and one that may not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execute, parse } from 'graphql';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { callerKey, createContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { callerFor, EVERYONE } from '../src/auth.js';
import { Budget } from '../src/budget.js';
import { CallerTurns, OperationTurn } from '../src/caller-turns.js';
import { parseSecurity } from '../src/config/index.js';
import { LiveUpdates } from '../src/live-updates.js';
import { SourceRegistry } from '../src/source-registry.js';
import { startTestGateway, uncached, type GraphQLResponse, type TestGateway } from './support/gateway.js';
import { freePort } from './support/ports.js';
import { apiKeyEntry, TEST_API_KEY, TEST_WRITE_API_KEY } from './support/secrets.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'backup-graph';

let jwks: Server;
let jwksUrl: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let gateway: TestGateway;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [publicJwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;

  // Every request reads the sources it may see, so each test can count exactly which ones it reached.
  gateway = await startTestGateway({
    configure: uncached,
    security: {
      auth: {
        jwt: { jwksUrl, issuer: ISSUER, audience: AUDIENCE },
        apiKeys: [
          apiKeyEntry('dashboard', TEST_API_KEY, ['sailpoint-*']),
          apiKeyEntry('operator', TEST_WRITE_API_KEY, ['*'], ['sailpoint-acme-sandbox']),
        ],
      },
    },
  });
});
afterAll(async () => {
  await gateway.close();
  await new Promise((resolve) => jwks.close(resolve));
});
beforeEach(() => {
  gateway.sandbox.aws.calls.reset();
  gateway.sandbox.sailPoint.calls.reset();
});

async function token(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; audience?: string; issuer?: string; expiresIn?: string | null; issuedAt?: boolean } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('alice');
  if (options.issuedAt !== false) jwt.setIssuedAt();
  // null: a token without exp.
  if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(options.key ?? privateKey);
}

const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

const LIST = '{ backupJobs(first: 100) { edges { node { id sourceName } } } backupSources { name } }';

function sourceNamesOf(answer: GraphQLResponse): string[] {
  const names = answer.data!.backupJobs.edges.map((edge: { node: { sourceName: string } }) => edge.node.sourceName);
  return [...new Set<string>(names)].sort();
}

function upstreamCalls(): number {
  return gateway.sandbox.aws.calls.count() + gateway.sandbox.sailPoint.calls.count();
}

describe('authentication', () => {
  it('refuses a request without a credential with 401 UNAUTHENTICATED, before any upstream call', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: LIST }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors?.map((error) => error.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    expect(body.data).toBeUndefined();
    expect(upstreamCalls()).toBe(0);
  });

  it.each([
    ['an expired token', () => token({ backup_sources: ['*'] }, { expiresIn: '-1m' }), 'The token has expired'],
    ['a token for another audience', () => token({ backup_sources: ['*'] }, { audience: 'billing' }), '"aud" claim'],
    ['a token from another issuer', () => token({ backup_sources: ['*'] }, { issuer: 'https://evil.test' }), '"iss" claim'],
    ['a token signed with another key', () => token({ backup_sources: ['*'] }, { key: otherKey }), 'signature does not verify'],
    [
      'an unsigned token',
      async () => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, backup_sources: ['*'] })).toString('base64url')}.`,
      'algorithm',
    ],
    ['a token without exp', () => token({ backup_sources: ['*'] }, { expiresIn: null }), 'no "exp" claim'],
    ['a token that lives longer than maxTokenLifetimeSeconds', () => token({ backup_sources: ['*'] }, { expiresIn: '25h' }), 'lives longer'],
    [
      'a token without iat that expires further from now than maxTokenLifetimeSeconds',
      () => token({ backup_sources: ['*'] }, { expiresIn: '25h', issuedAt: false }),
      'lives longer',
    ],
    ['an unknown API key', async () => null, 'API key is not known'],
  ])('refuses %s with 401', async (_name, make, reason) => {
    const credential = await make();
    const headers: Record<string, string> = credential === null ? { 'x-api-key': 'bgk_guess' } : bearer(credential);
    const answer = await gateway.query(LIST, undefined, headers);
    expect(answer.status).toBe(401);
    expect(answer.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(answer.errors?.[0]?.message).toContain(reason);
    expect(upstreamCalls()).toBe(0);
  });

  it('accepts a token up to maxTokenLifetimeSeconds (default a day), with or without iat', async () => {
    for (const issuedAt of [true, false]) {
      const answer = await gateway.query('{ backupSources { name } }', undefined, bearer(await token({ backup_sources: ['*'] }, { expiresIn: '23h', issuedAt })));
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
    }
  });

  it('answers 503 AUTH_UNAVAILABLE when the signing keys cannot be fetched', async () => {
    const orphan = await startTestGateway({
      // Port 9 is closed on loopback: the JWKS fetch is refused.
      security: { auth: { jwt: { jwksUrl: `http://127.0.0.1:${CLOSED_PORT}/jwks.json`, issuer: ISSUER, audience: AUDIENCE } } },
    });
    // The operator's log line is part of the answer to this failure; caught here, it does not read as a failure of the suite.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const answer = await orphan.query(LIST, undefined, bearer(await token({ backup_sources: ['*'] })));
      expect(answer.status).toBe(503);
      expect(answer.errors?.[0]?.extensions?.code).toBe('AUTH_UNAVAILABLE');
      expect(warn.mock.calls).toEqual([[expect.stringMatching(/^\[auth\] the signing keys could not be read: \w+$/)]]);
    } finally {
      warn.mockRestore();
      await orphan.close();
    }
  });

  it('leaves GraphiQL, /health and /readiness open: they carry no job data', async () => {
    expect((await fetch(gateway.url, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await fetch(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
    expect((await fetch(gateway.url.replace('/graphql', '/readiness'))).status).toBe(200);
  });
});

describe('per-source authorization', () => {
  it('shows a caller allowed every source every source', async () => {
    const answer = await gateway.query(LIST, undefined, bearer(await token({ backup_sources: ['*'] })));
    expect(answer.errors).toBeUndefined();
    expect(sourceNamesOf(answer)).toEqual(['aws-eu-west-1', 'aws-us-east-1', 'sailpoint-acme-prod', 'sailpoint-acme-sandbox']);
  });

  it('shows a caller allowed one source only that source, and never calls the others', async () => {
    const answer = await gateway.query(LIST, undefined, bearer(await token({ backup_sources: 'aws-us-east-1' })));
    expect(answer.errors).toBeUndefined();
    expect(sourceNamesOf(answer)).toEqual(['aws-us-east-1']);
    expect(answer.data!.backupSources).toEqual([{ name: 'aws-us-east-1' }]);
    expect(gateway.sandbox.sailPoint.calls.count()).toBe(0);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(1);
  });

  it('shows a caller without the claim nothing', async () => {
    const answer = await gateway.query(LIST, undefined, bearer(await token({})));
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ backupJobs: { edges: [] }, backupSources: [] });
    expect(upstreamCalls()).toBe(0);
  });

  it('matches patterns: an API key for sailpoint-* sees both tenants and no AWS source', async () => {
    const answer = await gateway.query(LIST, undefined, { 'x-api-key': TEST_API_KEY });
    expect(answer.errors).toBeUndefined();
    expect(sourceNamesOf(answer)).toEqual(['sailpoint-acme-prod', 'sailpoint-acme-sandbox']);
    expect(gateway.sandbox.aws.calls.count()).toBe(0);
  });

  it('answers every way of naming a hidden source as it answers a source that does not exist, calling nothing upstream', async () => {
    const everything = await gateway.query(LIST, undefined, bearer(await token({ backup_sources: ['*'] })));
    const hiddenId = everything.data!.backupJobs.edges.find(
      (edge: { node: { sourceName: string } }) => edge.node.sourceName === 'sailpoint-acme-prod',
    ).node.id as string;
    // The same job id, naming a source no configuration has.
    const reencode = (id: string, from: string, to: string) =>
      Buffer.from(Buffer.from(id, 'base64url').toString('utf8').replace(from, to), 'utf8').toString('base64url');
    const missingId = reencode(hiddenId, 'sailpoint-acme-prod', 'sailpoint-nowhere');
    gateway.sandbox.aws.calls.reset();
    gateway.sandbox.sailPoint.calls.reset();

    const awsOnly = bearer(await token({ backup_sources: ['aws-*'] }));
    const ask = async (query: (source: string) => string, variables: (source: string) => Record<string, unknown>) => {
      const answers = await Promise.all(
        ['sailpoint-acme-prod', 'sailpoint-nowhere'].map(async (source) => {
          const answer = await gateway.query(query(source), variables(source), awsOnly);
          return JSON.stringify({ data: answer.data, errors: answer.errors }).replaceAll(source, '<source>');
        }),
      );
      return answers;
    };
    const byId = (source: string) => ({ id: source === 'sailpoint-nowhere' ? missingId : hiddenId });
    const ways: [(source: string) => string, (source: string) => Record<string, unknown>][] = [
      [() => 'query($id: ID!) { backupJob(id: $id) { id } }', byId],
      [() => 'query($id: ID!) { node(id: $id) { id } }', byId],
      [(source) => `{ sailPointBackupJob(jobId: "x", sourceName: "${source}") { id } }`, () => ({})],
      [(source) => `{ backupJobs(filter: { sourceNames: ["${source}"] }) { edges { node { id } } } }`, () => ({})],
      [
        () => 'query($reps: [_Any!]!) { _entities(representations: $reps) { ... on BackupJob { id } } }',
        (source) => ({ reps: [{ __typename: 'BackupJob', ...byId(source) }] }),
      ],
    ];
    for (const [query, variables] of ways) {
      const [hidden, missing] = await ask(query, variables);
      expect(hidden).toContain('BAD_USER_INPUT');
      expect(hidden).toBe(missing);
    }
    expect(upstreamCalls()).toBe(0);
  });
});

describe('write permission', () => {
  const DELETE = `mutation ($input: DeleteSailPointRecordInput!) {
    deleteSailPointBackup(input: $input) { deletedJobId errors { __typename message sourceName } }
  }`;
  const STOP = `mutation ($input: StopAwsBackupJobInput!) { stopAwsBackupJob(input: $input) { job { state } errors { __typename } } }`;
  /** A backup of the tenant that no test has deleted yet. */
  const backupOf = (tenant: string, index: number) => gateway.sandbox.sailPoint.store.backups(tenant)[index]!.jobId as string;
  const deleteAs = (headers: Record<string, string>, tenant: string, jobId: string) =>
    gateway.query(DELETE, { input: { sourceName: `sailpoint-${tenant}`, jobId } }, headers);
  const refusal = (tenant: string) => ({ deletedJobId: null, errors: [{ __typename: 'NotPermitted', message: `The caller may not act on source "sailpoint-${tenant}"`, sourceName: `sailpoint-${tenant}` }] });

  it('refuses a token without the write claim, whatever it may see, calling nothing upstream', async () => {
    const jobId = backupOf('acme-prod', 0);
    const answer = await deleteAs(bearer(await token({ backup_sources: ['*'] })), 'acme-prod', jobId);
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.deleteSailPointBackup).toEqual(refusal('acme-prod'));
    expect(gateway.sandbox.sailPoint.calls.count('deleteBackup')).toBe(0);
    expect(gateway.sandbox.sailPoint.store.backups('acme-prod').some((record) => record.jobId === jobId)).toBe(true);
  });

  it('lets a token act on the sources its write claim lists, and on no other', async () => {
    const headers = bearer(await token({ backup_sources: ['*'], backup_sources_write: 'sailpoint-acme-prod aws-*' }));
    const jobId = backupOf('acme-prod', 0);
    const allowed = await deleteAs(headers, 'acme-prod', jobId);
    expect(allowed.data!.deleteSailPointBackup).toEqual({ deletedJobId: jobId, errors: [] });
    expect(gateway.sandbox.sailPoint.store.backups('acme-prod').some((record) => record.jobId === jobId)).toBe(false);

    const other = await deleteAs(headers, 'acme-sandbox', backupOf('acme-sandbox', 0));
    expect(other.data!.deleteSailPointBackup).toEqual(refusal('acme-sandbox'));
    expect(gateway.sandbox.sailPoint.calls.count('deleteBackup')).toBe(1);

    // The pattern reaches AWS too: the job is unknown there, which only a permitted caller learns.
    const stop = await gateway.query(STOP, { input: { sourceName: 'aws-us-east-1', backupJobId: '00000000-0000-4000-8000-000000000000' } }, headers);
    expect(stop.data!.stopAwsBackupJob.errors).toEqual([{ __typename: 'JobNotFound' }]);
  });

  it('never lets a token act on a source it may not see: a hidden source is refused as a missing one is', async () => {
    const headers = bearer(await token({ backup_sources: ['aws-*'], backup_sources_write: ['*'] }));
    const hidden = await deleteAs(headers, 'acme-prod', backupOf('acme-prod', 0));
    const missing = await deleteAs(headers, 'nowhere', 'x');
    expect(hidden.data!.deleteSailPointBackup).toEqual(refusal('acme-prod'));
    expect(JSON.stringify(missing.data).replaceAll('nowhere', 'acme-prod')).toBe(JSON.stringify(hidden.data));
    expect(upstreamCalls()).toBe(0);
  });

  it("lets an API key act on the sources of its write list only, and refuses a key without one", async () => {
    const operator = { 'x-api-key': TEST_WRITE_API_KEY };
    const jobId = backupOf('acme-sandbox', 0);
    expect((await deleteAs(operator, 'acme-sandbox', jobId)).data!.deleteSailPointBackup).toEqual({ deletedJobId: jobId, errors: [] });
    expect((await deleteAs(operator, 'acme-prod', backupOf('acme-prod', 0))).data!.deleteSailPointBackup).toEqual(refusal('acme-prod'));
    const dashboard = { 'x-api-key': TEST_API_KEY };
    expect((await deleteAs(dashboard, 'acme-sandbox', backupOf('acme-sandbox', 0))).data!.deleteSailPointBackup).toEqual(refusal('acme-sandbox'));
    expect(gateway.sandbox.sailPoint.calls.count('deleteBackup')).toBe(1);
  });
});

describe('a hidden source, through every entry point', () => {
  type Way = [query: string, forHidden: Record<string, unknown>, forUnknown: Record<string, unknown>];

  /** Each way answers for a source the caller may not see exactly as for one that does not exist, and calls nothing upstream. */
  async function sameAsUnknown(headers: Record<string, string>, upstreamCallsOfKind: () => number, hiddenSource: string, ways: Way[]) {
    const before = upstreamCallsOfKind();
    const text = (answer: GraphQLResponse, name: string) => JSON.stringify({ data: answer.data, errors: answer.errors }).replaceAll(name, '<source>');
    for (const [query, forHidden, forUnknown] of ways) {
      const [hidden, unknown] = await Promise.all([gateway.query(query, forHidden, headers), gateway.query(query, forUnknown, headers)]);
      expect(text(hidden, hiddenSource), query).toBe(text(unknown, 'nowhere'));
    }
    expect(upstreamCallsOfKind()).toBe(before);
  }

  /** A job id of the same job, naming a source no configuration has. */
  const elsewhere = (id: string, source: string) =>
    Buffer.from(Buffer.from(id, 'base64url').toString('utf8').replace(source, 'nowhere'), 'utf8').toString('base64url');

  const byId = (id: string, source: string): Way[] =>
    [
      'query($id: ID!) { backupJob(id: $id) { id } }',
      'query($id: ID!) { node(id: $id) { id } }',
      'query($id: ID!) { nodes(ids: [$id]) { id } }',
      'query($id: ID!) { _entities(representations: [{ __typename: "BackupJob", id: $id }]) { ... on BackupJob { id } } }',
    ].map((query) => [query, { id }, { id: elsewhere(id, source) }]);

  async function idOf(sourceName: string): Promise<string> {
    const everything = await gateway.query(LIST, undefined, bearer(await token({ backup_sources: ['*'] })));
    return everything.data!.backupJobs.edges.find((edge: { node: { sourceName: string } }) => edge.node.sourceName === sourceName).node.id;
  }

  it('an AWS source: ids, lookups with and without a source name, natural keys, filters and counts', async () => {
    const id = await idOf('aws-us-east-1');
    const record = gateway.sandbox.aws.store.jobs('us-east-1')[0]!.record;
    const naturalKey = (backupJobId: string) => ({ rep: { __typename: 'AwsBackupJob', accountId: record.AccountId, region: 'us-east-1', backupJobId } });
    // The API key sees the SailPoint tenants only: any AWS call at all would be a call to a hidden source.
    await sameAsUnknown({ 'x-api-key': TEST_API_KEY }, () => gateway.sandbox.aws.calls.count(), 'aws-us-east-1', [
      ...byId(id, 'aws-us-east-1'),
      ['query($s: String!) { awsBackupJob(backupJobId: "x", sourceName: $s) { id } }', { s: 'aws-us-east-1' }, { s: 'nowhere' }],
      ['query($j: String!) { awsBackupJob(backupJobId: $j) { id } }', { j: record.BackupJobId }, { j: 'nowhere' }],
      ['query($rep: _Any!) { _entities(representations: [$rep]) { ... on AwsBackupJob { id } } }', naturalKey(record.BackupJobId), naturalKey('nowhere')],
      ['query($s: String!) { backupJobs(filter: { sourceNames: [$s] }) { totalCount } }', { s: 'aws-us-east-1' }, { s: 'nowhere' }],
    ]);
    const counted = await gateway.query('{ backupJobs(filter: { sourceKinds: [AWS_BACKUP] }) { totalCount sources { sourceName } edges { cursor } } }', undefined, { 'x-api-key': TEST_API_KEY });
    expect(counted.data!.backupJobs).toEqual({ totalCount: 0, sources: [], edges: [] });
  });

  it('a SailPoint source: ids, lookups with and without a source name, natural keys, filters and counts', async () => {
    const id = await idOf('sailpoint-acme-prod');
    const record = gateway.sandbox.sailPoint.store.backups('acme-prod')[0]!;
    const naturalKey = (jobId: string) => ({ rep: { __typename: 'SailPointBackupJob', tenant: record.tenant, jobId } });
    const awsOnly = bearer(await token({ backup_sources: ['aws-*'] }));
    await sameAsUnknown(awsOnly, () => gateway.sandbox.sailPoint.calls.count(), 'sailpoint-acme-prod', [
      ...byId(id, 'sailpoint-acme-prod'),
      ['query($s: String!) { sailPointBackupJob(jobId: "x", sourceName: $s) { id } }', { s: 'sailpoint-acme-prod' }, { s: 'nowhere' }],
      ['query($j: String!) { sailPointBackupJob(jobId: $j) { id } }', { j: record.jobId }, { j: 'nowhere' }],
      ['query($rep: _Any!) { _entities(representations: [$rep]) { ... on SailPointBackupJob { id } } }', naturalKey(String(record.jobId)), naturalKey('nowhere')],
      ['query($s: String!) { backupJobs(filter: { sourceNames: [$s] }) { totalCount } }', { s: 'sailpoint-acme-prod' }, { s: 'nowhere' }],
    ]);
    const counted = await gateway.query('{ backupJobs(filter: { sourceKinds: [SAILPOINT] }) { totalCount sources { sourceName } edges { cursor } } }', undefined, awsOnly);
    expect(counted.data!.backupJobs).toEqual({ totalCount: 0, sources: [], edges: [] });
  });
});

describe('the schema rule', () => {
  it('refuses jobs of a source the caller may not see even when a resolver hands them out', async () => {
    // A context whose sources are not narrowed to the caller, as a resolver bug would leave it:
    // the schema's own rule (scope-auth on BackupJob) still keeps the jobs out.
    const registry = SourceRegistry.fromConfig(gateway.sandbox.config);
    try {
      const security = parseSecurity();
      const origin = { caller: EVERYONE, clientAddress: '127.0.0.1' };
      const shares = {
        callerBudget: new Budget(registry.state, 'caller', security.limits.callerBudget, false),
        turn: new OperationTurn(new CallerTurns(security.limits.callerConcurrency), callerKey(origin)),
        live: new LiveUpdates(registry, security.limits),
      };
      const context = { ...createContext(registry, origin, security.limits, shares), caller: callerFor('mallory', ['aws-us-east-1']) };
      const result = await execute({
        schema,
        document: parse('{ backupJobs(first: 40) { edges { node { sourceName displayName } } } }'),
        contextValue: context,
      });
      const edges = (result.data as { backupJobs: { edges: { node: { sourceName: string } | null }[] } }).backupJobs.edges;
      const shown = new Set(edges.flatMap((edge) => (edge.node ? [edge.node.sourceName] : [])));
      expect([...shown]).toEqual(['aws-us-east-1']);
      const refused = result.errors ?? [];
      expect(refused.length).toBe(edges.filter((edge) => edge.node === null).length);
      expect(refused.length).toBeGreaterThan(0);
      expect(new Set(refused.map((error) => error.extensions.code))).toEqual(new Set(['FORBIDDEN']));
    } finally {
      registry.destroy();
    }
  });
});
