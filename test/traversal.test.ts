// The client's contract for paging: following endCursor from the first page until hasNextPage is
// false delivers every job exactly once, even when sources fail on some of the pages, and each
// page says in `sources` which parts it lacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxFault } from '../src/sandbox/faults.js';
import { startTestGateway, uncached, type GraphQLResponse, type TestGateway } from './support/gateway.js';
import { rawJobs } from './support/wire.js';

const PAGE = `query ($after: String) {
  backupJobs(first: 25, after: $after) {
    edges { node { id sourceName } }
    sources { sourceName complete stale errorCode }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Faults that fail one whole read of a source: every retry the client makes meets one too. */
const AWS_FAULT: SandboxFault & { operation: 'ListBackupJobs'; times: number } = { kind: 'credentials', operation: 'ListBackupJobs', times: 1 };
const SAILPOINT_FAULT: SandboxFault & { operation: 'listBackups'; times: number } = { kind: 'error', status: 503, operation: 'listBackups', times: 3 };

let gateway: TestGateway;
beforeAll(async () => {
  // Every page reads every source anew, so that a fault set before a page hits that page. The
  // budgets are lifted: this test is about paging, and a traversal here reads a hundred times; so
  // is the tenants' own rate limit, which the gateway's budget would otherwise keep it under.
  gateway = await startTestGateway({
    sandbox: { sailPointRateLimit: { requests: 100_000, windowMs: 10_000 } },
    configure: (config) =>
      uncached({
        ...config,
        sources: config.sources.map((source) => ({ ...source, budget: { calls: 100_000, perSeconds: 1 }, circuitBreaker: { failures: 100, halfOpenAfterMs: 1_000 } })),
      }),
  });
});
afterAll(() => gateway.close());

describe('a traversal with sources failing on random pages', () => {
  it.each([1, 2, 3])('delivers every job exactly once (seed %i), and says which pages lack a source', async (seed) => {
    let state = seed * 7_919;
    const random = () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const regions = gateway.sandbox.aws.store.regions;
    const tenants = gateway.sandbox.sailPoint.tenants.map((tenant) => tenant.name);
    const seen: string[] = [];
    let after: string | null = null;
    let incompletePages = 0;
    for (let page = 0; page < 500; page++) {
      gateway.sandbox.aws.faults.clear();
      gateway.sandbox.sailPoint.faults.clear();
      const failing: string[] = [];
      for (const region of regions) {
        if (random() >= 0.25) continue;
        gateway.sandbox.aws.faults.set(region, AWS_FAULT);
        failing.push(`aws-${region}`);
      }
      for (const tenant of tenants) {
        if (random() >= 0.25) continue;
        gateway.sandbox.sailPoint.faults.set(tenant, SAILPOINT_FAULT);
        failing.push(`sailpoint-${tenant}`);
      }

      const answer: GraphQLResponse = await gateway.query(PAGE, { after });
      const connection = answer.data!.backupJobs;
      const missing = connection.sources.filter((source: { complete: boolean }) => !source.complete).map((source: { sourceName: string }) => source.sourceName);
      expect(missing.sort()).toEqual(failing.sort());
      expect((answer.errors ?? []).map((error) => error.extensions?.sourceName).sort()).toEqual(failing.sort());
      if (missing.length > 0) incompletePages++;
      for (const edge of connection.edges) {
        expect(failing).not.toContain(edge.node.sourceName);
        seen.push(edge.node.id);
      }
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    gateway.sandbox.aws.faults.clear();
    gateway.sandbox.sailPoint.faults.clear();
    expect(incompletePages).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(rawJobs(gateway.sandbox).length);
  });
});
