// Each caller may cause only its share of upstream reads: past it, what needs a new read is
// refused with RATE_LIMITED (extensions and Retry-After) without calling upstream, what the read
// models hold still comes back, and other callers are not affected.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const KEYS = { busy: 'bgk_busy_caller_41c9', calm: 'bgk_calm_caller_8e2d' };
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    // Two reads per caller a minute; the AWS sources' read models stay fresh for a minute, SailPoint's are read anew each time.
    configure: (config) => ({
      ...config,
      sources: config.sources.map((source) => ({
        ...source,
        freshness:
          source.kind === 'aws'
            ? { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 60_000 }
            : { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 },
      })),
    }),
    security: {
      auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => ({ name, sha256: sha256(key), sources: ['*'] })) },
      limits: { callerBudget: { calls: 2, perSeconds: 60 } },
    },
  });
});
afterAll(() => gateway.close());

const awsPage = '{ backupJobs(first: 3, filter: { sourceKinds: [AWS_BACKUP] }) { edges { node { id } } } }';
const sailPointPage = (name: string) => `{ backupJobs(first: 3, filter: { sourceNames: ["${name}"] }) { sources { complete errorCode } edges { node { id } } } }`;

async function post(query: string, key: string) {
  const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: (await response.json()) as { data?: any; errors?: any[] } };
}

describe('the per-caller share of upstream reads', () => {
  it('refuses a caller past its share, without calling upstream, and still serves it what the read models hold', async () => {
    // Two reads: both AWS read models.
    expect((await post(awsPage, KEYS.busy)).body.errors).toBeUndefined();
    const before = gateway.sandbox.sailPoint.calls.count();

    const refused = await post(sailPointPage('sailpoint-acme-prod'), KEYS.busy);
    expect(refused.body.errors?.map((error) => error.extensions.code)).toEqual(['RATE_LIMITED']);
    const seconds = refused.body.errors![0].extensions.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(60);
    expect(refused.retryAfter).toBe(String(seconds));
    expect(refused.body.errors![0].extensions.sourceName).toBe('sailpoint-acme-prod');
    expect(refused.body.data.backupJobs.sources).toEqual([{ complete: false, errorCode: 'RATE_LIMITED' }]);
    expect(gateway.sandbox.sailPoint.calls.count()).toBe(before);

    // What is already read costs nothing, so it is still served.
    const cached = await post(awsPage, KEYS.busy);
    expect(cached.body.errors).toBeUndefined();
    expect(cached.body.data.backupJobs.edges).toHaveLength(3);
  });

  it('leaves other callers their own share', async () => {
    const calm = await post(sailPointPage('sailpoint-acme-sandbox'), KEYS.calm);
    expect(calm.body.errors).toBeUndefined();
    expect(calm.body.data.backupJobs.sources).toEqual([{ complete: true, errorCode: null }]);
  });
});

describe('turns per caller', () => {
  let turns: TestGateway;
  beforeAll(async () => {
    turns = await startTestGateway({
      // acme-prod is read anew for every request, and gives up after a short deadline when it hangs.
      configure: (config) => ({
        ...config,
        sources: config.sources.map((source) =>
          source.name === 'sailpoint-acme-prod' ? { ...source, timeoutMs: 1_500, freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 } } : source,
        ),
      }),
      security: {
        auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => ({ name, sha256: sha256(key), sources: ['*'] })) },
        limits: { callerConcurrency: 1 },
      },
    });
  });
  afterAll(() => turns.close());

  async function ask(query: string, key: string) {
    const response = await fetch(turns.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
    return (await response.json()) as { data?: any; errors?: any[] };
  }

  it("runs a caller's operations one at a time (callerConcurrency 1), while another caller's run beside them", async () => {
    turns.sandbox.sailPoint.faults.set('acme-prod', { kind: 'hang' });
    const ended: string[] = [];
    const track = (name: string, answer: Promise<{ data?: any; errors?: any[] }>) =>
      answer.then((body) => {
        ended.push(name);
        return body;
      });
    const calls = turns.sandbox.sailPoint.calls.count();
    const stuck = track('busy: the hanging tenant', ask(sailPointPage('sailpoint-acme-prod'), KEYS.busy));
    await expect.poll(() => turns.sandbox.sailPoint.calls.count()).toBeGreaterThan(calls);
    // Sent while the busy caller's first operation waits for the tenant: it waits for that one's turn.
    const queued = track('busy: the source list', ask('{ backupSources { name } }', KEYS.busy));
    const other = await track('calm: the source list', ask('{ backupSources { name } }', KEYS.calm));
    expect(other.errors).toBeUndefined();
    expect(ended).toEqual(['calm: the source list']);

    const [first, second] = await Promise.all([stuck, queued]);
    expect(first.data.backupJobs.sources).toEqual([{ complete: false, errorCode: 'UPSTREAM_TIMEOUT' }]);
    expect(second.errors).toBeUndefined();
    expect(second.data.backupSources).toHaveLength(other.data.backupSources.length);
    expect(ended).toEqual(['calm: the source list', 'busy: the hanging tenant', 'busy: the source list']);
  });
});
