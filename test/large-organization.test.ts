// The gateway over an organization of 100,000 jobs in one Region: the first page comes from the
// newest slice while the rest fills in behind, a traversal delivers every job exactly once while
// the sandbox's clock moves (jobs are created, run and finish during it), reaching past the week
// kept in memory by slices read on demand, and once read, a refresh costs the three listings of
// what changed, whatever the organization's size.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const REGION = 'us-east-1';
const JOBS = 100_000;
const DAY = 24 * 60 * 60 * 1000;
/** How far the sandbox's clock moves on each page of the traversal. */
const PAGE_STEP_MS = 30_000;

const PAGE = `query ($after: String) {
  backupJobs(first: 100, after: $after) {
    totalCount
    edges { node { createdAt ... on AwsBackupJob { backupJobId } } }
    sources { complete completeAfter errorCode }
    pageInfo { hasNextPage endCursor }
  }
}`;

interface Page {
  totalCount: number | null;
  edges: { node: { createdAt: string; backupJobId: string } }[];
  sources: { complete: boolean; completeAfter: string | null; errorCode: string | null }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    sandbox: { awsJobs: JOBS, awsAccounts: 40, awsRegions: 1, awsFrozenClock: true },
    // The test reads the sandbox's 100,000 jobs in this process between pages, which can hold the
    // event loop for seconds on a loaded machine: an idle connection must outlast that, or the
    // server closes it just as the next page is sent on it.
    security: { limits: { keepAliveTimeoutMs: 120_000 } },
    // A page every few reads what changed (every one waits for it once it is due); the budget is
    // lifted, as a traversal of a thousand pages asks for it.
    configure: (config) => ({
      ...config,
      sources: config.sources
        .filter((source) => source.kind === 'aws')
        .map((source) => ({ ...source, budget: { calls: 1_000_000, perSeconds: 1 }, freshness: { refreshAfterMs: 200, maxStalenessMs: 200, staleIfErrorMs: 60_000 } })),
    }),
  });
}, 60_000);
afterAll(() => gateway.close());

async function page(after: string | null = null): Promise<Page> {
  const answer = await gateway.query<{ backupJobs: Page }>(PAGE, { after });
  expect(answer.errors).toBeUndefined();
  return answer.data!.backupJobs;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an organization of 100,000 jobs', () => {
  it('answers its first page from the newest jobs at once, a few calls in, while the older ones fill in', async () => {
    const first = await page();
    const firstCalls = gateway.sandbox.aws.calls.count('ListBackupJobs');
    // A job the fill has not reached is unknown yet, never absent: its lookup fails, or finds it once read.
    const old = [...gateway.sandbox.aws.store.created(REGION, { before: gateway.sandbox.aws.clock.now() - 29 * DAY })][0]!.record;
    const lookup = await gateway.query(`{ awsBackupJob(backupJobId: "${old.BackupJobId}", sourceName: "aws-${REGION}") { backupJobId } }`);
    if (lookup.data?.awsBackupJob) expect(lookup.data.awsBackupJob.backupJobId).toBe(old.BackupJobId);
    else expect(lookup.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    const [part] = first.sources;
    expect(part!.completeAfter).not.toBeNull();
    expect(part!.complete).toBe(true);
    expect(first.totalCount).toBeNull();
    expect(first.edges).toHaveLength(100);
    // Five pages of the unordered list, up to eight to find the newest job, then the hour before it,
    // widened back until it holds a few pages.
    expect(firstCalls).toBeLessThanOrEqual(18);
    const newest = [...gateway.sandbox.aws.store.created(REGION)].map(({ record }) => record).sort((a, b) => b.CreationDate - a.CreationDate);
    expect(new Set(first.edges.map((edge) => edge.node.backupJobId))).toEqual(new Set(newest.slice(0, 100).map((record) => record.BackupJobId)));
  });

  it('delivers every job exactly once to a traversal while jobs are created and finish during it', async () => {
    const clock = gateway.sandbox.aws.clock;
    const atStart = new Map([...gateway.sandbox.aws.store.created(REGION)].map(({ record }) => [record.BackupJobId, record.CreationDate * 1000]));
    const seen = new Map<string, number>();
    let after: string | null = null;
    for (let pages = 0; pages < 5_000; pages++) {
      const current: Page = await page(after);
      for (const { node } of current.edges) seen.set(node.backupJobId, (seen.get(node.backupJobId) ?? 0) + 1);
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
      // Time passes for the upstream as the client reads; a page that waited for the fill gives it a moment.
      if (current.edges.length > 0) clock.advance(PAGE_STEP_MS);
      else await sleep(20);
    }
    const duplicates = [...seen].filter(([, count]) => count > 1);
    expect(duplicates).toEqual([]);
    // Every job there at the start that is still inside the 30-day window (an hour's margin for its edge) came once.
    const edge = clock.now() - 30 * DAY + 60 * 60 * 1000;
    const missed = [...atStart].filter(([id, createdAt]) => createdAt > edge && !seen.has(id));
    expect(missed).toEqual([]);
    // And nothing came that was neither there nor created since.
    const startedAt = Math.max(...atStart.values());
    const strangers = [...seen.keys()].filter((id) => !atStart.has(id) && !(gateway.sandbox.aws.store.job(REGION, id)!.record.CreationDate * 1000 > startedAt));
    expect(strangers).toEqual([]);
    expect(seen.size).toBeGreaterThan(JOBS * 0.99);
  }, 120_000);

  it('refreshes a read organization by what changed: three listings, whatever its size', async () => {
    for (let waited = 0; (await page()).sources[0]!.completeAfter !== null; waited += 100) {
      expect(waited).toBeLessThan(60_000);
      await sleep(100);
    }
    const since = gateway.sandbox.aws.clock.now() - 3 * DAY;
    for (let refresh = 0; refresh < 3; refresh++) {
      gateway.sandbox.aws.clock.advance(60_000);
      await sleep(250);
      gateway.sandbox.aws.calls.reset();
      const current = await page();
      expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(3);
      // Memory keeps the newest week of the 30 days AWS lists: a count over the whole window is not known.
      expect(current.totalCount).toBeNull();
      const newest = [...gateway.sandbox.aws.store.created(REGION, { after: gateway.sandbox.aws.clock.now() - 60 * 60 * 1000 })]
        .map(({ record }) => record)
        .sort((a, b) => b.CreationDate - a.CreationDate)[0]!;
      expect(current.edges[0]!.node.backupJobId).toBe(newest.BackupJobId);
      // A count within the retained week kept from version to version, updated by what changed,
      // against one counted anew (a filter never asked before: another lower bound each time).
      const counts = await gateway.query<{ kept: { totalCount: number }; anew: { totalCount: number } }>(
        `query ($since: DateTime!, $anew: DateTime!) { kept: backupJobs(first: 1, filter: { phases: [FAILED, RUNNING], createdAfter: $since }) { totalCount }
          anew: backupJobs(first: 1, filter: { phases: [FAILED, RUNNING], createdAfter: $anew }) { totalCount } }`,
        { since: new Date(since).toISOString(), anew: new Date(since + 1 + refresh).toISOString() },
      );
      expect(counts.data!.kept.totalCount).toBe(counts.data!.anew.totalCount);
      expect(counts.data!.kept.totalCount).toBeGreaterThan(0);
    }
  }, 90_000);
});
