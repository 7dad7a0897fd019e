// Hostile and malformed requests: every limit refuses with a code before anything runs, malformed
// HTTP gets a clear 4xx with a code, and production mode closes what development leaves open.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownAccountOnly, startTestGateway, steady, type TestGateway } from './support/gateway.js';
import { freePort } from './support/ports.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

let gateway: TestGateway;
let production: TestGateway;
let strict: TestGateway;
beforeAll(async () => {
  [gateway, production, strict] = await Promise.all([
    // Documents as long as the 200 kB values that the tests below have quoted back.
    startTestGateway({ security: { limits: { maxDocumentBytes: 1024 * 1024 } } }),
    startTestGateway({ security: { production: true, corsOrigins: ['https://backups.example.com', 'https://ops.example.com'] } }),
    startTestGateway({ security: { limits: { maxCost: 300, maxPageSize: 10, maxBodyBytes: 2048, maxRepresentations: 5 } } }),
  ]);
});
afterAll(() => Promise.all([gateway.close(), production.close(), strict.close()]));

interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
}

async function raw(url: string, init: RequestInit = {}): Promise<RawAnswer> {
  const response = await fetch(url, init);
  const text = await response.text();
  let json: RawAnswer['json'] = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json };
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return raw(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

type Errors = { extensions?: Record<string, unknown> }[] | undefined;

/** The codes of an answer's errors, from a parsed GraphQL response or a raw HTTP answer. */
function codes(answer: { errors?: Errors } | RawAnswer): unknown[] {
  const errors: Errors = 'json' in answer ? answer.json?.errors : answer.errors;
  return (errors ?? []).map((error) => error.extensions?.code);
}

const nested = (depth: number): string =>
  depth === 0 ? 'id' : `... on AwsBackupJob { parentJob { ${nested(depth - 1)} } }`;

describe('query limits', () => {
  it('refuses a query deeper than maxDepth without calling any upstream', async () => {
    gateway.sandbox.aws.calls.reset();
    const answer = await gateway.query(`{ backupJobs(first: 1) { edges { node { ${nested(6)} } } } }`);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0]!.message).toMatch(/^Query depth limit of 10 exceeded/);
    expect(answer.data).toBeUndefined();
    expect(gateway.sandbox.aws.calls.count()).toBe(0);
  });

  it('allows a query at maxDepth', async () => {
    const answer = await gateway.query(`{ backupJobs(first: 1) { edges { node { ${nested(3)} } } } }`);
    expect(answer.errors).toBeUndefined();
  });

  it('refuses more aliases than maxAliases', async () => {
    const aliases = Array.from({ length: 101 }, (_, index) => `a${index}: backupSources { name }`).join(' ');
    const answer = await gateway.query(`{ ${aliases} }`);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0]!.message).toContain('Aliases limit of 100 exceeded');
  });

  it('refuses more directives than maxDirectives', async () => {
    const directives = Array.from({ length: 21 }, () => '@include(if: true)').join(' ');
    const answer = await gateway.query(`{ __typename ${directives} }`);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0]!.message).toContain('Directives limit of 20 exceeded');
  });

  it('refuses a document of more than maxTokens tokens', async () => {
    const fields = Array.from({ length: 10_001 }, () => 'name').join(' ');
    const answer = await gateway.query(`{ backupSources { ${fields} } }`);
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0]!.message).toContain('Token limit of 10000 exceeded');
  });

  it('refuses a query whose cost passes maxCost, and serves a cheaper one', async () => {
    const dashboard = `{ backupJobs(first: 5) { edges { node { id displayName phase createdAt
      ... on AwsBackupJob { createdBy { backupPlanName backupRuleName backupRuleCron backupRuleTimezone }
        recoveryPointLifecycle { moveToColdStorageAfterDays deleteAfterDays } }
      ... on SailPointBackupJob { options { includeTypes objectOptions { objectType includedNames } } } } } } }`;
    const expensive = await strict.query(`{ a: ${dashboard.slice(1, -1)} b: ${dashboard.slice(1, -1)} c: ${dashboard.slice(1, -1)} }`);
    expect(codes(expensive)).toEqual(['BAD_USER_INPUT']);
    expect(expensive.errors![0]!.message).toContain('Query Cost limit of 300 exceeded');
    const cheap = await strict.query('{ backupJobs(first: 5) { edges { node { id } } } }');
    expect(cheap.errors).toBeUndefined();
  });

  it('caps the page size at maxPageSize', async () => {
    const answer = await strict.query('{ backupJobs(first: 11) { edges { node { id } } } }');
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.errors![0]!.message).toContain('between 1 and 10');
  });

  it('caps the ids of nodes at maxPageSize and the representations of _entities at maxRepresentations', async () => {
    const ids = Array.from({ length: 11 }, (_, index) => Buffer.from(`AwsBackupJob:aws-us-east-1:job-${index}`).toString('base64url'));
    const nodes = await strict.query('query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids });
    expect(codes(nodes)).toEqual(['BAD_USER_INPUT']);
    expect(nodes.errors![0]!.message).toContain('at most 10 ids');

    const representations = ids.map((id) => ({ __typename: 'BackupJob', id }));
    const entities = await strict.query('query($r: [_Any!]!) { _entities(representations: $r) { ... on BackupJob { id } } }', { r: representations });
    expect(codes(entities)).toEqual(['BAD_USER_INPUT']);
    expect(entities.errors![0]!.message).toContain('at most 5 entries');
  });

  it('stops a request at maxUpstreamCalls however aliases multiply its lookups, before making the calls past it', async () => {
    // Only a source of its own account looks up jobs one call each: those its list lacks (here, ids no job has).
    const frugal = await startTestGateway({ configure: (config) => steady(ownAccountOnly(config)), security: { limits: { maxUpstreamCalls: 20 } } });
    try {
      await frugal.query('{ backupJobs(first: 1) { edges { cursor } } }');
      frugal.sandbox.aws.calls.reset();
      const ids = Array.from({ length: 30 }, (_, index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
      // Three aliases of ten lookups each would need 30 DescribeBackupJob calls.
      const aliases = [0, 1, 2].map((alias) =>
        ids
          .slice(alias * 10, alias * 10 + 10)
          .map((id, index) => `a${alias}_${index}: awsBackupJob(backupJobId: "${id}", sourceName: "own") { backupJobId }`)
          .join(' '),
      );
      const answer = await frugal.query(`{ ${aliases.join(' ')} }`);
      expect(frugal.sandbox.aws.calls.count('DescribeBackupJob')).toBe(20);
      expect(codes(answer)).toHaveLength(10);
      expect(new Set(codes(answer))).toEqual(new Set(['BAD_USER_INPUT']));
      expect(answer.errors![0]!.message).toContain('more than 20 upstream calls');
    } finally {
      await frugal.close();
    }
  });

  it('counts lookups against maxUpstreamCalls, not the refreshes of read models a request happens to find due', async () => {
    const frugal = await startTestGateway({
      configure: (config) => steady({ ...config, sources: [...config.sources, ...ownAccountOnly(config).sources] }),
      security: { limits: { maxUpstreamCalls: 3 } },
    });
    try {
      // Three ids the own account's list lacks, on a read model not read yet: one list and three Describes, all answered.
      frugal.sandbox.aws.calls.reset();
      const ids = [1, 2, 3].map((index) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`);
      const lookups = ids.map((id, index) => `j${index}: awsBackupJob(backupJobId: "${id}", sourceName: "own") { backupJobId }`).join(' ');
      const answer = await frugal.query(`{ ${lookups} }`);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({ j0: null, j1: null, j2: null });
      expect(frugal.sandbox.aws.calls.count('ListBackupJobs')).toBe(1);
      expect(frugal.sandbox.aws.calls.count('DescribeBackupJob')).toBe(3);

      // Two tenants never read: two refreshes beside three lookups' worth of limit, and the page is served whole.
      const page = (name: string) => `backupJobs(first: 5, filter: { sourceNames: ["${name}"] }) { sources { complete } edges { node { id } } }`;
      const both = await frugal.query(`{ prod: ${page('sailpoint-acme-prod')} sandbox: ${page('sailpoint-acme-sandbox')} }`);
      expect(both.errors).toBeUndefined();
      expect(both.data!.prod.sources).toEqual([{ complete: true }]);
      expect(both.data!.sandbox.sources).toEqual([{ complete: true }]);
    } finally {
      await frugal.close();
    }
  });

  it('refuses a body over maxBodyBytes with 413, whether its length is declared or streamed', async () => {
    const big = { query: '{ __typename }', variables: { padding: 'x'.repeat(4096) } };
    const declared = await post(strict.url, big);
    expect(declared.status).toBe(413);
    expect(codes(declared)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);

    const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = httpRequest(strict.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      // Written in pieces with no Content-Length: Node sends it chunked.
      const text = JSON.stringify(big);
      for (let offset = 0; offset < text.length; offset += 512) request.write(text.slice(offset, offset + 512));
      request.end();
    });
    expect(streamed.status).toBe(413);
    expect(JSON.parse(streamed.body).errors[0].extensions.code).toBe('REQUEST_ENTITY_TOO_LARGE');
  });

  it('refuses batched operations', async () => {
    const answer = await post(gateway.url, [{ query: '{ __typename }' }, { query: '{ __typename }' }]);
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });
});

describe('malformed requests', () => {
  it('answers a body that is not JSON with 400 and BAD_REQUEST, without quoting the body back', async () => {
    const answer = await raw(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query": "{ __typename }", "secret": "s3cr3t-value',
    });
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
    expect(answer.text).not.toContain('s3cr3t-value');
    expect(answer.text).not.toContain('Unexpected');
    // No internal error name either: the error is the whole answer.
    expect(answer.json?.errors?.[0]?.extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(answer.text).not.toContain('SyntaxError');
  });

  /** A request as a client can send it and fetch cannot (a GET with a body), and the answer's status and body. */
  function rawRequest(method: string, headers: Record<string, string>, body?: string, path = ''): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(`${gateway.url}${path}`, { method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          let json: RawAnswer['json'] = null;
          try {
            json = JSON.parse(text);
          } catch {
            json = null;
          }
          resolve({ status: response.statusCode ?? 0, headers: new Headers(), text, json });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  const QUERY_BODY = '{"query":"{ __typename }"}';
  it.each([
    ['a GET with a JSON body', 'GET', { 'content-type': 'application/json' }, QUERY_BODY],
    ['a GET without a query', 'GET', {}, undefined],
    ['a POST without a query', 'POST', { 'content-type': 'application/json' }, '{}'],
    ['a POST whose query is null', 'POST', { 'content-type': 'application/json' }, '{"query":null}'],
    ['a form POST without a query', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }, 'variables=%7B%7D'],
    ['a multipart POST without operations', 'POST', { 'content-type': 'multipart/form-data; boundary=x' }, '--x--\r\n'],
    ['a body that is not JSON', 'POST', { 'content-type': 'application/json' }, '{"query'],
  ])('answers %s with a 4xx BAD_REQUEST, whatever the client accepts', async (_name, method, headers, body) => {
    for (const accept of [undefined, 'application/json', 'application/graphql-response+json']) {
      const answer = await rawRequest(method, accept ? { ...headers, accept } : headers, body);
      expect(codes(answer)).toEqual(['BAD_REQUEST']);
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
  });

  it.each([
    ['a mutation', 'mutation { deleteEverything }'],
    ['a subscription', 'subscription { backupJobs { totalCount } }'],
  ])('answers %s the schema does not have as the client\'s mistake, as it answers an unknown field', async (_name, query) => {
    const answer = await post(gateway.url, { query });
    expect(codes(answer)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  const LONG = 'Q'.repeat(200_000);
  it.each([
    ['an AWS sourceName', { query: 'query($s: String) { awsBackupJob(backupJobId: "x", sourceName: $s) { id } }', variables: { s: LONG } }],
    ['a SailPoint sourceName', { query: 'query($s: String) { sailPointBackupJob(jobId: "x", sourceName: $s) { id } }', variables: { s: LONG } }],
    ['a job id', { query: 'query($id: ID!) { backupJob(id: $id) { id } }', variables: { id: LONG } }],
    ['a variable of the wrong type', { query: 'query($n: Int) { backupJobs(first: $n) { totalCount } }', variables: { n: `"${LONG}\\` } }],
    ['a field name', { query: `{ ${LONG} }` }],
    ['an argument name', { query: `{ backupJobs(${LONG}: 1) { totalCount } }` }],
    ['a body parameter', { query: '{ __typename }', [LONG]: 1 }],
    ['a DateTime variable', { query: 'query($t: DateTime) { backupJobs(filter: { createdAfter: $t }) { totalCount } }', variables: { t: LONG } }],
    ['a DateTime literal', { query: `{ backupJobs(filter: { createdAfter: "${LONG}" }) { totalCount } }` }],
  ])('quotes %s of 200 kB as a short prefix with its length', async (_name, body) => {
    const answer = await post(gateway.url, body);
    expect(answer.json?.errors?.length).toBeGreaterThan(0);
    expect(answer.text).toContain('QQQ…');
    expect(answer.text).toMatch(/\((200000|200002) characters\)/);
    expect(answer.text.length).toBeLessThan(2_000);
  });

  it('cuts quoted values in time linear in the message, whatever quotes and escapes a value holds', async () => {
    // Escaped quotes and a last backslash that escapes the closing quote: a quote-matching pattern
    // that must find a closing quote would scan the rest again from each of the 60,000 quotes.
    const crafted = `${'\\"'.repeat(60_000)}\\`;
    const started = performance.now();
    const answer = await post(gateway.url, { query: '{ __typename }', [crafted]: 1 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
    expect(answer.text.length).toBeLessThan(2_000);
  });

  it.each([
    ['text/plain', '{"query":"{ __typename }"}', 415],
    ['application/xml', '<query/>', 415],
  ])('answers content type %s with %i and a coded error body', async (contentType, body, status) => {
    const answer = await raw(gateway.url, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(answer.status).toBe(status);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it('answers an Accept it cannot serve with 406 and a coded error body', async () => {
    const answer = await post(gateway.url, { query: '{ __typename }' }, { accept: 'application/xml' });
    expect(answer.status).toBe(406);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it.each([
    ['a variable of the wrong type', { query: 'query($n: Int!) { backupJobs(first: $n) { totalCount } }', variables: { n: 'ten' } }, 'BAD_USER_INPUT'],
    ['a missing variable', { query: 'query($n: Int!) { backupJobs(first: $n) { totalCount } }' }, 'BAD_USER_INPUT'],
    ['variables that are not an object', { query: '{ __typename }', variables: 'x' }, 'BAD_REQUEST'],
    ['a query that is not a string', { query: 42 }, 'BAD_REQUEST'],
    ['no query at all', {}, 'BAD_REQUEST'],
    ['an unknown operation name', { query: 'query A { __typename }', operationName: 'B' }, 'OPERATION_RESOLUTION_FAILURE'],
    ['a query that does not parse', { query: '{ backupJobs(first: ) }' }, 'GRAPHQL_PARSE_FAILED'],
    ['an unknown field', { query: '{ backupJobz }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ])('answers %s with a coded error and no data', async (_name, body, code) => {
    const answer = await post(gateway.url, body);
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(500);
    expect(codes(answer)[0]).toBe(code);
    expect(answer.json?.data ?? null).toBeNull();
  });

  it('answers a 200 kB string argument with BAD_USER_INPUT and does not echo it whole', async () => {
    const id = 'A'.repeat(200_000);
    const answer = await post(gateway.url, { query: 'query($id: ID!) { backupJob(id: $id) { id } }', variables: { id } });
    expect(codes(answer)).toEqual(['BAD_USER_INPUT']);
    expect(answer.text.length).toBeLessThan(1_000);
  });

  it.each(['variables', 'extensions'])('answers a GET whose %s are not JSON with 400 and BAD_REQUEST', async (parameter) => {
    const answer = await raw(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}&${parameter}=${encodeURIComponent('{')}`);
    expect(answer.status).toBe(400);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });

  it('answers other methods with 405 and a coded error', async () => {
    const answer = await raw(gateway.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(answer.status).toBe(405);
    expect(codes(answer)).toEqual(['BAD_REQUEST']);
  });
});

describe('production mode', () => {
  it('serves no GraphiQL', async () => {
    const page = await raw(production.url, { headers: { accept: 'text/html' } });
    expect(page.text).not.toContain('YogaGraphiQL');
    expect(page.status).toBe(406);
    expect((await raw(gateway.url, { headers: { accept: 'text/html' } })).text).toContain('YogaGraphiQL');
  });

  it('serves the icon without GraphiQL, so that a browser console shows no 404', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const icon = await raw(new URL(path, production.url).href);
      expect(icon.status, path).toBe(200);
      expect(icon.headers.get('content-type'), path).toMatch(/^image\//);
    }
    // The GraphiQL assets stay off.
    expect((await raw(new URL('/graphiql-assets/graphiql.css', production.url).href)).status).toBe(404);
  });

  it('refuses introspection, which development allows', async () => {
    const query = { query: '{ __schema { queryType { name } } }' };
    const refused = await post(production.url, query);
    expect(codes(refused)).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(refused.text).toContain('introspection has been disabled');
    expect((await post(gateway.url, query)).json?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it.each([
    ['a field name', { query: '{ backupJob(id: "x") { idd } }' }],
    ['an enum value', { query: '{ backupJobs(filter: { phases: [FAILD] }) { totalCount } }' }],
    ['an enum value in variables', { query: 'query($p: [BackupJobPhase!]) { backupJobs(filter: { phases: $p }) { totalCount } }', variables: { p: ['FAILD'] } }],
    ['an input field', { query: '{ backupJobs(filter: { sourceName: ["x"] }) { totalCount } }' }],
  ])('hides suggestions for %s, which development shows', async (_name, query) => {
    const hidden = await post(production.url, query);
    expect(hidden.json?.errors?.length).toBeGreaterThan(0);
    expect(hidden.text).not.toMatch(/Did you mean|Suggestion hidden/);
    expect((await post(gateway.url, query)).text).toContain('Did you mean');
  });

  it('refuses _service { sdl } with introspection, and serves it when introspection is on', async () => {
    const query = { query: '{ _service { sdl } }' };
    const refused = await post(production.url, query);
    expect(codes(refused)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(refused.text).not.toContain('BackupJob');
    expect(((await post(gateway.url, query)).json?.data as { _service: { sdl: string } })._service.sdl).toContain('interface BackupJob');
  });

  it('refuses a GET or form POST without a CSRF header, and accepts one with it or a JSON POST', async () => {
    const get = `${production.url}?query=${encodeURIComponent('{ __typename }')}`;
    const bare = await raw(get);
    expect(bare.status).toBe(403);
    expect(codes(bare)).toEqual(['BAD_REQUEST']);
    const form = await raw(production.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('{ __typename }')}`,
    });
    expect(form.status).toBe(403);
    expect((await raw(get, { headers: { 'x-graphql-csrf': '1' } })).json?.data).toEqual({ __typename: 'Query' });
    expect((await post(production.url, { query: '{ __typename }' })).json?.data).toEqual({ __typename: 'Query' });
    // Development accepts the plain GET that tools like curl send.
    expect((await raw(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`)).status).toBe(200);
  });

  it('allows CORS for the configured origins only', async () => {
    const preflight = (url: string, origin: string) =>
      raw(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight(production.url, 'https://ops.example.com')).headers.get('access-control-allow-origin')).toBe(
      'https://ops.example.com',
    );
    // An origin not on the list, a sandboxed page's "null" among them, gets no allow-origin at all.
    for (const origin of ['https://evil.example.com', 'null']) {
      expect((await preflight(production.url, origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
    expect((await preflight(production.url, 'https://ops.example.com')).headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows any origin while developing, but never with credentials', async () => {
    const answer = await raw(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://anywhere.example.com', 'access-control-request-method': 'POST' },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://anywhere.example.com');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('sends no CORS headers at all when no origin is configured', async () => {
    const closed = await startTestGateway({ security: { production: true } });
    try {
      const answer = await raw(closed.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
      });
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await closed.close();
    }
  });
});

describe('health endpoints', () => {
  it('answers /health while the process serves', async () => {
    expect((await raw(gateway.url.replace('/graphql', '/health'))).status).toBe(200);
  });

  interface Readiness {
    status: string;
    configured: number;
    reachable: number;
  }

  async function readiness(target: TestGateway): Promise<{ status: number; body: Readiness; text: string }> {
    const answer = await raw(target.url.replace('/graphql', '/readiness'));
    return { status: answer.status, body: answer.json as unknown as Readiness, text: answer.text };
  }

  it('answers /readiness 200 "ready" when every source answers, naming none of them', async () => {
    const { status, body, text } = await readiness(gateway);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ready', configured: 4, reachable: 4 });
    expect(text).not.toMatch(/aws-|sailpoint-/);
  });

  /**
   * /readiness as an orchestrator polls it: it answers within its 400 ms wait (and the way back on
   * a busy machine), well inside Kubernetes' default 1 s probe timeout, whatever the sources do.
   */
  async function promptReadiness(target: TestGateway): Promise<{ status: number; body: Readiness }> {
    const started = performance.now();
    const answer = await readiness(target);
    expect(performance.now() - started).toBeLessThan(400 + 300);
    return answer;
  }

  it('answers 200 "degraded" when some answer, well within a second even when one hangs', async () => {
    const target = await startTestGateway();
    try {
      target.sandbox.sailPoint.faults.set('acme-prod', { kind: 'error', status: 503 });
      target.sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'hang' });
      const { status, body } = await promptReadiness(target);
      expect(status).toBe(200);
      expect(body).toEqual({ status: 'degraded', configured: 4, reachable: 2 });
    } finally {
      await target.close();
    }
  });

  it('stops counting a source that answered the last round once it hangs in the next', async () => {
    const target = await startTestGateway();
    try {
      expect((await readiness(target)).body).toEqual({ status: 'ready', configured: 4, reachable: 4 });
      target.sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'hang' });
      // A new round of probes starts at most every 5 s.
      await new Promise((resolve) => setTimeout(resolve, 5_100));
      const { status, body } = await promptReadiness(target);
      expect(status).toBe(200);
      expect(body).toEqual({ status: 'degraded', configured: 4, reachable: 3 });
    } finally {
      await target.close();
    }
  });

  it('answers 503 "unavailable" when no source answers', async () => {
    // Port 9 (discard) is closed on loopback: every source is refused at once.
    const target = await startTestGateway({
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) =>
          source.kind === 'aws' ? { ...source, endpoint: `http://127.0.0.1:${CLOSED_PORT}` } : { ...source, baseUrl: `http://127.0.0.1:${CLOSED_PORT}/tenant` },
        ),
      }),
    });
    try {
      const { status, body } = await readiness(target);
      expect(status).toBe(503);
      expect(body).toEqual({ status: 'unavailable', configured: 4, reachable: 0 });
    } finally {
      await target.close();
    }
  });
});
