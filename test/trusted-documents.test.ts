// Trusted documents: a production gateway given the example frontend's manifest serves its
// operations by hash and refuses every other document before parsing it; in development (or with
// GraphiQL on) any document is accepted as well.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../examples/frontend/client.js';
import { DashboardDocument, JobDetailDocument } from '../examples/frontend/generated/graphql.js';
import { refusedStart } from './support/entry-point.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const MANIFEST = 'examples/frontend/generated/persisted-documents.json';

let production: TestGateway;
let development: TestGateway;
beforeAll(async () => {
  [production, development] = await Promise.all([
    startTestGateway({ security: { production: true, trustedDocuments: { manifest: MANIFEST } } }),
    startTestGateway({ security: { production: false, trustedDocuments: { manifest: MANIFEST } } }),
  ]);
});
afterAll(() => Promise.all([production.close(), development.close()]));

async function post(target: TestGateway, body: unknown): Promise<{ status: number; codes: unknown[]; data: unknown }> {
  const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  return { status: response.status, codes: (answer.errors ?? []).map((error) => error.extensions?.code), data: answer.data };
}

describe('trusted documents', () => {
  it('writes a manifest of every example frontend operation, keyed by the SHA-256 of its text', async () => {
    const manifest = JSON.parse(await readFile(MANIFEST, 'utf8')) as Record<string, string>;
    expect(Object.values(manifest).map((document) => /^(?:query|subscription) (\w+)/.exec(document)?.[1]).sort()).toEqual(['Dashboard', 'FailedJobs', 'JobDetail', 'JobUpdates']);
    for (const [hash, document] of Object.entries(manifest)) expect(createHash('sha256').update(document).digest('hex')).toBe(hash);
  });

  it('serves the frontend operations by hash in production', async () => {
    const dashboard = await request(production.url, DashboardDocument, { first: 5 }, { byHash: true });
    expect(dashboard.errors).toBeUndefined();
    const id = dashboard.data!.backupJobs.edges[0]!.node!.id;
    const detail = await request(production.url, JobDetailDocument, { id }, { byHash: true });
    expect(detail.errors).toBeUndefined();
    expect(detail.data!.backupJob!.id).toBe(id);
  });

  it('refuses any other document in production before parsing it, even one that would not parse', async () => {
    for (const query of ['{ backupSources { name } }', '{ backupJobs(first: ', `{ ${'a { '.repeat(5_000)} }`]) {
      expect(await post(production, { query })).toEqual({ status: 400, codes: ['PERSISTED_QUERY_ONLY'], data: undefined });
    }
    // The frontend's own document, sent as text, is refused too: production takes hashes only.
    expect((await post(production, { query: print(DashboardDocument) })).codes).toEqual(['PERSISTED_QUERY_ONLY']);
  });

  it('refuses a hash that is not in the manifest, and a request with neither hash nor document', async () => {
    const unknown = await post(production, { extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
    expect(unknown).toEqual({ status: 400, codes: ['PERSISTED_QUERY_NOT_IN_LIST'], data: undefined });
    expect((await post(production, { variables: {} })).codes).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
  });

  it('accepts any document in development, beside the hashes', async () => {
    expect(await post(development, { query: '{ __typename }' })).toEqual({ status: 200, codes: [], data: { __typename: 'Query' } });
    const dashboard = await request(development.url, DashboardDocument, { first: 1 }, { byHash: true });
    expect(dashboard.errors).toBeUndefined();
  });
});

describe('a manifest the gateway cannot use', () => {
  it('stops the start, naming the key and not the documents', async () => {
    const manifest = join(await mkdtemp(join(tmpdir(), 'backup-graph-manifest-')), 'persisted-documents.json');
    // A SHA-1 manifest, as the client preset writes by default: its keys are not SHA-256 hashes of the documents.
    await writeFile(manifest, JSON.stringify({ 'a9993e364706816aba3e25717850c26c9cd0d89d': 'query Secret { __typename }' }));
    const { code, stderr } = await refusedStart({
      security: { trustedDocuments: { manifest } },
      sources: [{ kind: 'aws', name: 'aws-idle', region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }],
    });
    expect(code).toBe(1);
    expect(stderr).toContain('security.trustedDocuments.manifest');
    expect(stderr).toContain('hashAlgorithm "sha256"');
    expect(stderr).not.toContain('Secret');
  }, 60_000);
});
