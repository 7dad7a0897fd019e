// Bad input and failing upstreams: clear errors with codes, and only the failing part degraded.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSource } from '../src/config/index.js';
import { UNREACHABLE_SOURCE_SECRETS } from './support/secrets.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { freePort } from './support/ports.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

let gateway: TestGateway;
let hangingServer: Server;
const hungSockets = new Set<Socket>();

beforeAll(async () => {
  // Accepts connections and never answers: an upstream that hangs.
  hangingServer = createServer((socket) => {
    hungSockets.add(socket);
    socket.on('close', () => hungSockets.delete(socket));
  });
  await new Promise<void>((resolve) => hangingServer.listen(0, '127.0.0.1', resolve));
  const hangingPort = (hangingServer.address() as { port: number }).port;

  gateway = await startTestGateway({
    configure: (config) => ({
      ...config,
      sources: [
        ...config.sources,
        {
          ...parseSource({
            kind: 'aws',
            name: 'aws-down',
            region: 'us-west-2',
            // Nothing listens on that port, which must never surface anywhere.
            endpoint: `http://127.0.0.1:${CLOSED_PORT}`,
            describeConcurrency: 2,
            timeoutMs: 2_000,
          }),
          credentials: { accessKeyId: 'AKIADOWNEXAMPLE', secretAccessKey: UNREACHABLE_SOURCE_SECRETS.downSecretKey },
        },
        {
          ...parseSource({
            kind: 'aws',
            name: 'aws-hanging',
            region: 'us-west-1',
            endpoint: `http://127.0.0.1:${hangingPort}`,
            describeConcurrency: 2,
            timeoutMs: 600,
          }),
          credentials: { accessKeyId: 'AKIAHANGEXAMPLE', secretAccessKey: UNREACHABLE_SOURCE_SECRETS.hangSecretKey },
        },
      ],
    }),
  });
});

afterAll(async () => {
  await gateway.close();
  for (const socket of hungSockets) socket.destroy();
  await new Promise((resolve) => hangingServer.close(resolve));
});

function codes(result: { errors?: { extensions?: Record<string, unknown> }[] }) {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

describe('bad input', () => {
  it.each([
    ['not base64 at all', 'not a valid id!'],
    ['base64 of nonsense', Buffer.from('hello').toString('base64url')],
    ['an unknown type', Buffer.from('User:1').toString('base64url')],
  ])('rejects a malformed id (%s) with BAD_USER_INPUT', async (_name, id) => {
    for (const field of ['backupJob', 'node']) {
      const result = await gateway.query(`query ($id: ID!) { ${field}(id: $id) { id } }`, { id });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.data).toEqual({ [field]: null });
    }
  });

  it('fails only its own slot of nodes(ids:) for a malformed id or an unknown source, and serves the other slots', async () => {
    const listed = await gateway.query('{ backupJobs(first: 2, filter: { sourceKinds: [AWS_BACKUP] }) { edges { node { id } } } }');
    const [first, second] = listed.data!.backupJobs.edges.map((edge: { node: { id: string } }) => edge.node.id) as string[];
    const unknownSource = Buffer.from('AwsBackupJob:aws-mars-1:ABC').toString('base64url');
    const result = await gateway.query('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: [first, 'garbage', second, unknownSource] });
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ nodes: [{ id: first }, null, { id: second }, null] });
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['nodes', 1], 'BAD_USER_INPUT'],
      [['nodes', 3], 'BAD_USER_INPUT'],
    ]);
    expect(result.errors![0]!.message).toContain('"garbage" is not a backup job id');
  });

  it('rejects an id that names a source this gateway does not serve', async () => {
    const id = Buffer.from('AwsBackupJob:aws-mars-1:ABC').toString('base64url');
    const result = await gateway.query(`query ($id: ID!) { backupJob(id: $id) { id } }`, { id });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0]!.message).toContain('aws-mars-1');
  });

  it('answers null for a well-formed id of a job that does not exist', async () => {
    const id = Buffer.from('AwsBackupJob:aws-us-east-1:00000000-0000-0000-0000-000000000000').toString('base64url');
    const result = await gateway.query(`query ($id: ID!) { backupJob(id: $id) { id } node(id: $id) { id } }`, { id });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ backupJob: null, node: null });
  });

  it.each([
    ['first too large', '{ backupJobs(first: 1000) { edges { cursor } } }'],
    ['first zero', '{ backupJobs(first: 0) { edges { cursor } } }'],
    ['a forged cursor', '{ backupJobs(after: "bm90IGEgY3Vyc29y") { edges { cursor } } }'],
    ['an unknown source name', '{ backupJobs(filter: { sourceNames: ["nope"] }) { edges { cursor } } }'],
    ['a malformed account id', '{ backupJobs(filter: { accountId: "12" }) { edges { cursor } } }'],
    ['an empty created window', '{ backupJobs(filter: { createdAfter: "2026-10-02T00:00:00Z", createdBefore: "2026-10-01T00:00:00Z" }) { edges { cursor } } }'],
    ['awsBackupJob on an unknown source', '{ awsBackupJob(backupJobId: "X", sourceName: "nope") { id } }'],
  ])('rejects %s with BAD_USER_INPUT', async (_name, query) => {
    const result = await gateway.query(query);
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('rejects a malformed DateTime variable with a code and no stack', async () => {
    const result = await gateway.query(`query ($after: DateTime) { backupJobs(filter: { createdAfter: $after }) { edges { cursor } } }`, {
      after: 'yesterday',
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors![0]!.extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(result)).not.toMatch(/at .*\.(ts|js):\d+/);
  });
});

describe('failing upstreams', () => {
  it('serves the healthy sources and names each failing one with its code', async () => {
    const result = await gateway.query(`{ backupJobs(first: 10) { edges { node { sourceName } } pageInfo { hasNextPage } } }`);
    expect(result.data!.backupJobs.edges).toHaveLength(10);
    const sources = new Set(result.data!.backupJobs.edges.map((edge: any) => edge.node.sourceName));
    expect(sources.has('aws-down') || sources.has('aws-hanging')).toBe(false);
    const errors = result.errors!.map((error) => ({ ...error.extensions, path: error.path }));
    expect(errors).toEqual(
      expect.arrayContaining([
        { code: 'UPSTREAM_UNAVAILABLE', sourceName: 'aws-down', path: ['backupJobs'] },
        { code: 'UPSTREAM_TIMEOUT', sourceName: 'aws-hanging', path: ['backupJobs'] },
      ]),
    );
    expect(errors).toHaveLength(2);
  });

  it('gives up on a hanging source close to its deadline', async () => {
    const started = performance.now();
    const result = await gateway.query(`{ awsBackupJob(backupJobId: "X", sourceName: "aws-hanging") { id } }`);
    const elapsed = performance.now() - started;
    expect(codes(result)).toEqual(['UPSTREAM_TIMEOUT']);
    expect(elapsed).toBeLessThan(600 + 1_000);
    // Not cut before its deadline either: the timer never fires early, and it starts after this clock did.
    expect(elapsed).toBeGreaterThanOrEqual(600);
  });

  it('reports each source health in backupSources', async () => {
    const result = await gateway.query(`{ backupSources { name kind region accountId health { reachable errorCode latencyMs checkedAt } } }`);
    const byName = Object.fromEntries(result.data!.backupSources.map((source: any) => [source.name, source]));
    expect(byName['aws-us-east-1']).toMatchObject({ kind: 'AWS_BACKUP', region: 'us-east-1', accountId: '*', health: { reachable: true, errorCode: null } });
    expect(byName['aws-eu-west-1'].health.reachable).toBe(true);
    expect(byName['aws-down'].health).toMatchObject({ reachable: false, errorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(byName['aws-hanging'].health).toMatchObject({ reachable: false, errorCode: 'UPSTREAM_TIMEOUT' });
  });

  it('never sends stack traces, endpoint credentials or secrets to the client', async () => {
    const responses = await Promise.all([
      gateway.query(`{ backupJobs(first: 3) { edges { cursor } } }`),
      gateway.query(`{ awsBackupJob(backupJobId: "X", sourceName: "aws-down") { id } }`),
      gateway.query(`{ backupSources { health { errorCode } } }`),
    ]);
    const text = JSON.stringify(responses);
    for (const secret of [...Object.values(UNREACHABLE_SOURCE_SECRETS), 'AKIADOWN', `127.0.0.1:${CLOSED_PORT}`, 'ECONNREFUSED']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\n\s+at /);
  });
});
