// A source too large to read in full keeps only its newest jobs in memory (a retained window of
// hours before its newest job); pages that reach further back read older slices of the upstream's
// list on demand, once, and share them; counts and lookups say when they cannot be told.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const REGION = 'us-east-1';
const HOUR = 60 * 60 * 1000;
const RETAINED_HOURS = 24;

const PAGE = `query ($after: String, $filter: BackupJobFilter) {
  backupJobs(first: 100, after: $after, filter: $filter) {
    totalCount
    edges { node { ... on AwsBackupJob { backupJobId } } }
    sources { complete completeAfter errorCode }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  totalCount: number | null;
  edges: { node: { backupJobId: string } }[];
  sources: { complete: boolean; completeAfter: string | null; errorCode: string | null }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    sandbox: { awsJobs: 20_000, awsAccounts: 10, awsRegions: 1, awsFrozenClock: true },
    configure: (config) => ({
      ...config,
      sources: config.sources
        .filter((source) => source.kind === 'aws' && source.region === REGION)
        .map((source) => ({
          ...source,
          retainedWindowHours: RETAINED_HOURS,
          budget: { calls: 1_000_000, perSeconds: 1 },
          freshness: { refreshAfterMs: 600_000, maxStalenessMs: 600_000, staleIfErrorMs: 600_000 },
        })),
    }),
  });
  // The first read, and the fill of the retained day behind it.
  for (let waited = 0; (await traverse({}, 1)).pages[0]!.sources[0]!.completeAfter !== null; waited += 50) {
    expect(waited).toBeLessThan(30_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);
afterAll(() => gateway.close());

async function traverse(filter: Record<string, unknown>, maxPages = 1_000): Promise<{ ids: string[]; pages: Page[] }> {
  const ids: string[] = [];
  const pages: Page[] = [];
  let after: string | null = null;
  for (let count = 0; count < maxPages; count++) {
    const answer = await gateway.query<{ backupJobs: Page }>(PAGE, { after, filter });
    expect(answer.errors).toBeUndefined();
    const page: Page = answer.data!.backupJobs;
    pages.push(page);
    ids.push(...page.edges.map((edge) => edge.node.backupJobId));
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  return { ids, pages };
}

describe('a source with a retained window shorter than the upstream list', () => {
  it('jumps to the slice a createdBefore bound names instead of reading every slice in between', async () => {
    const now = gateway.sandbox.aws.clock.now();
    const range = { createdAfter: new Date(now - 20 * 24 * HOUR).toISOString(), createdBefore: new Date(now - 19 * 24 * HOUR).toISOString() };
    gateway.sandbox.aws.calls.reset();
    const { ids } = await traverse(range);
    const expected = [...gateway.sandbox.aws.store.created(REGION, { after: now - 20 * 24 * HOUR, before: now - 19 * 24 * HOUR - 1 })].map(({ record }) => record.BackupJobId);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(ids.length).toBe(expected.length);
    // The slice that holds the range (and its neighbour, where the range meets a slice's edge), not the 19 days before it.
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBeLessThanOrEqual(2);
  });

  it('delivers every job of the whole window exactly once, reading older slices on demand, and a second traversal from what was read', async () => {
    gateway.sandbox.aws.calls.reset();
    const { ids, pages } = await traverse({});
    const expected = [...gateway.sandbox.aws.store.created(REGION)].map(({ record }) => record.BackupJobId);
    expect(ids.length).toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(pages.every((page) => page.sources[0]!.complete && page.sources[0]!.errorCode === null)).toBe(true);
    // 29 days past the retained one, in slices of a few hundred jobs each: far fewer calls than hours.
    const firstCalls = gateway.sandbox.aws.calls.count('ListBackupJobs');
    expect(firstCalls).toBeGreaterThan(0);
    expect(firstCalls).toBeLessThan(60);

    gateway.sandbox.aws.calls.reset();
    const again = await traverse({});
    expect(again.ids).toEqual(ids);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(0);
  });

  it('counts a filter inside the retained window, and says a count reaching past it is unknown', async () => {
    const now = gateway.sandbox.aws.clock.now();
    const recent = await gateway.query<{ backupJobs: Page }>(PAGE, { filter: { createdAfter: new Date(now - 12 * HOUR).toISOString() } });
    expect(recent.data!.backupJobs.totalCount).toBe(gateway.sandbox.aws.store.countCreated(REGION, { after: now - 12 * HOUR }));
    const all = await gateway.query<{ backupJobs: Page }>(PAGE, {});
    expect(all.data!.backupJobs.totalCount).toBeNull();
  });

  it("finds a job of the retained window by id, and says a member account's older one cannot be told where AWS will not describe it", async () => {
    const now = gateway.sandbox.aws.clock.now();
    const lookup = (id: string) =>
      gateway.query<{ awsBackupJob: { backupJobId: string } | null }>(`query ($id: String!) { awsBackupJob(backupJobId: $id, sourceName: "aws-${REGION}") { backupJobId } }`, { id });
    const recent = [...gateway.sandbox.aws.store.created(REGION, { after: now - 2 * HOUR })][0]!.record.BackupJobId;
    expect((await lookup(recent)).data!.awsBackupJob).toEqual({ backupJobId: recent });
    // The sandbox refuses DescribeBackupJob of another account's job unless told otherwise (test/lookup-beyond-list.test.ts: both ways).
    const management = gateway.sandbox.aws.store.accounts[0];
    const old = [...gateway.sandbox.aws.store.created(REGION, { before: now - 10 * 24 * HOUR })].find(({ record }) => record.AccountId !== management)!.record.BackupJobId;
    const answer = await lookup(old);
    expect(answer.data!.awsBackupJob).toBeNull();
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
  });
});
