// Thousands of generated and mutated requests against the running gateway: every answer is
// well-formed GraphQL over HTTP with a code on every error, nothing leaks from inside the server,
// and the process stays up with no unhandled rejection.
import { readdir, readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../src/graphiql.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const RUNS = 2_500;
const OPERATIONS_DIR = new URL('../examples/frontend/operations/', import.meta.url);

let gateway: TestGateway;
let corpus: string[];
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  gateway = await startTestGateway();
  const files = (await readdir(OPERATIONS_DIR)).filter((name) => name.endsWith('.graphql'));
  corpus = [
    EXAMPLE_QUERY,
    ...(await Promise.all(files.map((name) => readFile(new URL(name, OPERATIONS_DIR), 'utf8')))),
    '{ backupJobs(first: 5, filter: { phases: [FAILED], createdAfter: "2026-10-01T00:00:00Z" }) { totalCount edges { cursor node { id phase } } pageInfo { endCursor } } }',
    'query($id: ID!) { node(id: $id) { id ... on AwsBackupJob { parentJob { id } childJobs { id } numberOfChildJobs } } }',
    '{ awsBackupJob(backupJobId: "x", sourceName: "aws-us-east-1") { id backupSizeInBytes createdBy { backupPlanName } } }',
    '{ sailPointBackupJob(jobId: "x") { id status options { includeTypes } } }',
    'query($r: [_Any!]!) { _entities(representations: $r) { ... on AwsBackupJob { id state } } }',
    '{ backupSources { name kind lastCall { reachable } } }',
    '{ _service { sdl } }',
  ];
});
afterAll(async () => {
  await gateway.close();
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
});

/** Pieces of GraphQL (and of things that are not) that mutations splice into real operations. */
const FRAGMENTS = [
  '{', '}', '(', ')', '[', ']', ':', '$id', '$r', '...', '@include(if: true)', '@skip(if: $x)', '"', '"""', '\\u0000',
  '"str"', '0', '-1', '1e309', '2147483648', '9007199254740993', 'null', 'true', 'AWS_BACKUP', 'FAILED',
  'backupJobs', 'backupJob(id: "QXdzQmFja3VwSm9iOg")', 'node', 'edges', 'first: 101', 'first: -5', 'after: "x"',
  '__schema { types { name } }', '__typename', 'fragment F on AwsBackupJob { id }', '...F', 'query Q', 'mutation',
  'subscription', '#', '\n', ',', '=', '!', '|', '&', 'é', '💾', 'x'.repeat(500),
];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 60 }), times: fc.integer({ min: 2, max: 8 }) }),
  fc.record({ kind: fc.constant('noise' as const), at: fc.nat(), text: fc.string({ maxLength: 20, unit: 'binary' }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(source: string, edits: Mutation[]): string {
  return edits.reduce((text, edit) => {
    const at = text.length === 0 ? 0 : edit.at % (text.length + 1);
    switch (edit.kind) {
      case 'insert':
      case 'noise':
        return text.slice(0, at) + edit.text + text.slice(at);
      case 'delete':
        return text.slice(0, at) + text.slice(at + edit.length);
      case 'repeat':
        return text.slice(0, at) + text.slice(at, at + edit.length).repeat(edit.times) + text.slice(at + edit.length);
    }
  }, source);
}

const variables = fc.oneof(
  fc.constant(undefined),
  fc.dictionary(fc.constantFrom('id', 'r', 'x', 'since', 'first', 'ids'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
  fc.record({ id: fc.oneof(fc.string(), fc.base64String(), fc.constant('QXdzQmFja3VwSm9iOmF3cy11cy1lYXN0LTE6eA')) }),
  fc.record({
    r: fc.array(
      fc.record({
        // Entities, types that are no entity, and names the schema does not have.
        __typename: fc.constantFrom('AwsBackupJob', 'SailPointBackupJob', 'BackupJob', 'Node', 'BackupSource', 'AwsResource', 'PageInfo', 'Query', 'Nope'),
        id: fc.string(),
      }),
      { maxLength: 5 },
    ),
  }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** One HTTP request: a JSON body around a (mutated) operation, or something that is not a GraphQL request at all. */
const requests = fc.oneof(
  { weight: 6, arbitrary: fc.record({
    shape: fc.constant('json' as const),
    base: fc.nat(),
    edits: fc.array(mutation, { maxLength: 4 }),
    variables,
    operationName: fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('Dashboard', 'JobDetail', 'FailedJobs', 'RecentBackupJobs')), { nil: undefined }),
  }) },
  {
    weight: 1,
    arbitrary: fc.record({
      shape: fc.constant('get' as const),
      base: fc.nat(),
      edits: fc.array(mutation, { maxLength: 3 }),
      // Query-string JSON, well-formed or not.
      variables: fc.option(fc.oneof(fc.string({ maxLength: 40 }), variables.map((value) => JSON.stringify(value ?? null))), { nil: undefined }),
      extensions: fc.option(fc.oneof(fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value))), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      shape: fc.constant('path' as const),
      // Every other path the server answers, and some it does not.
      path: fc.oneof(
        fc.constantFrom('/health', '/readiness', '/', '/graphql/', '/graphiql-assets/graphiql.css', '/graphiql-assets/../package.json'),
        fc.string({ maxLength: 30 }).map((name) => `/graphiql-assets/${name}`),
        fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty').map((name) => `/graphiql-assets/${name}`),
        fc.string({ maxLength: 30 }).map((name) => `/${name}`),
      ),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
    }),
  },
  { weight: 1, arbitrary: fc.record({
    shape: fc.constant('raw' as const),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/graphql', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', ''),
    body: fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value))),
  }) },
);

type FuzzRequest = typeof requests extends fc.Arbitrary<infer R> ? R : never;

function toFetch(request: FuzzRequest): { url: string; init: RequestInit } {
  if (request.shape === 'raw') {
    const headers: Record<string, string> = request.contentType ? { 'content-type': request.contentType } : {};
    return { url: gateway.url, init: { method: 'POST', headers, body: request.body } };
  }
  if (request.shape === 'path') {
    // The URL parser normalizes "..": encode the path so that it reaches the server as generated.
    const path = request.path.split('/').map((part) => encodeURIComponent(part)).join('/');
    return { url: new URL(path, gateway.url).href, init: { method: request.method } };
  }
  const query = mutate(corpus[request.base % corpus.length]!, request.edits);
  if (request.shape === 'get') {
    // URLSearchParams, unlike encodeURIComponent, accepts the lone surrogates mutations can leave.
    const parameters = new URLSearchParams({ query });
    if (request.variables !== undefined) parameters.set('variables', request.variables);
    if (request.extensions !== undefined) parameters.set('extensions', request.extensions);
    return { url: `${gateway.url}?${parameters}`, init: {} };
  }
  const body = JSON.stringify({ query, variables: request.variables, operationName: request.operationName });
  return { url: gateway.url, init: { method: 'POST', headers: { 'content-type': 'application/json' }, body } };
}

/** Text that only an internal failure would put in an answer. */
const INTERNALS = new RegExp(`\\n\\s+at |node_modules|file://|Unexpected error|INTERNAL_SERVER_ERROR|${process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);

/**
 * What a well-formed answer is: never a 5xx, nothing internal, and from /graphql JSON with data
 * and/or errors, each error with a message and a code (and no internal error), a 4xx for BAD_REQUEST.
 */
function checkAnswer(request: FuzzRequest, status: number, text: string): void {
  expect(status).toBeGreaterThanOrEqual(200);
  expect(status).toBeLessThan(500);
  expect(text).not.toMatch(INTERNALS);
  if (request.shape === 'path') return;
  const body = JSON.parse(text) as { data?: unknown; errors?: { message?: unknown; extensions?: { code?: unknown } }[] };
  expect('data' in body || 'errors' in body).toBe(true);
  for (const error of body.errors ?? []) {
    expect(typeof error.message).toBe('string');
    expect(typeof error.extensions?.code).toBe('string');
    expect(error.extensions).not.toHaveProperty('originalError');
  }
  // A request that is not a GraphQL request is refused as such, whatever the client accepts.
  if (body.errors?.some((error) => error.extensions?.code === 'BAD_REQUEST')) expect(status).toBeGreaterThanOrEqual(400);
}

describe('fuzzing the running gateway', () => {
  it(`answers ${RUNS} generated and mutated requests well-formed, and stays up`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        const { url, init } = toFetch(request);
        const response = await fetch(url, { ...init, headers: { accept: 'application/json', ...(init.headers as Record<string, string>) } });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        checkAnswer(request, response.status, text);
      }),
      { numRuns: RUNS, seed: 20261123, endOnFailure: true },
    );
    // The run exercised both outcomes, not only refusals.
    expect(statuses.get(200)).toBeGreaterThan(RUNS / 10);
    expect([...statuses.keys()].some((status) => status >= 400)).toBe(true);
    expect(unhandled).toEqual([]);
    expect((await gateway.query('{ __typename }')).data).toEqual({ __typename: 'Query' });
  }, 120_000);
});
