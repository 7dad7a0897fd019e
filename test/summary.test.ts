// backupJobSummary: the counts equal a count over a full traversal of backupJobs with the same
// filter, AWS's own counts answer where they can (and cost no ListBackupJobs call), a failing or
// still-filling source costs only its own part, and bad groupings are refused with a code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_NOW, startTestGateway, steady, type GraphQLResponse, type TestGateway } from './support/gateway.js';

const DAY = 24 * 3_600_000;
/** The first UTC midnight of the 14 days the sandbox's ListBackupJobSummaries counts at SANDBOX_NOW. */
const FOURTEEN_DAYS_AGO = new Date(Math.floor(SANDBOX_NOW.getTime() / DAY) * DAY - 13 * DAY).toISOString();

const SUMMARY = `query ($filter: BackupJobFilter, $groupBy: [BackupJobSummaryDimension!]!) {
  backupJobSummary(filter: $filter, groupBy: $groupBy) {
    groups { key { phase sourceKind sourceName accountId region resourceType day } count }
    total
    sources { sourceName counted method completeAfter stale fetchedAt errorCode }
  }
}`;

const PAGE = `query ($after: String, $filter: BackupJobFilter) {
  backupJobs(first: 100, after: $after, filter: $filter) {
    edges { node { phase sourceKind sourceName createdAt ... on AwsBackupJob { accountId region resourceType } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** The graph's field of each dimension in a group's key. */
const FIELD = { PHASE: 'phase', SOURCE: 'sourceKind', SOURCE_NAME: 'sourceName', ACCOUNT_ID: 'accountId', REGION: 'region', RESOURCE_TYPE: 'resourceType', DAY: 'day' } as const;
type Dimension = keyof typeof FIELD;

async function traverse(gateway: TestGateway, filter: Record<string, unknown>): Promise<any[]> {
  const nodes: any[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const result: GraphQLResponse = await gateway.query(PAGE, { after, filter });
    expect(result.errors).toBeUndefined();
    const connection: any = result.data!.backupJobs;
    nodes.push(...connection.edges.map((edge: any) => edge.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    after = connection.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

/** The groups a client would make of the traversed jobs, keyed as the summary keys them. */
function countByKey(nodes: readonly any[], groupBy: readonly Dimension[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const values = { ...node, day: node.createdAt ? String(node.createdAt).slice(0, 10) : null };
    const key = JSON.stringify(groupBy.map((dimension) => values[FIELD[dimension]] ?? null));
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function groupsByKey(summary: any, groupBy: readonly Dimension[]): Map<string, number> {
  return new Map(summary.groups.map((group: any) => [JSON.stringify(groupBy.map((dimension) => group.key[FIELD[dimension]])), group.count]));
}

async function summarize(gateway: TestGateway, filter: Record<string, unknown>, groupBy: readonly Dimension[]): Promise<any> {
  const result: GraphQLResponse = await gateway.query(SUMMARY, { filter, groupBy });
  expect(result.errors).toBeUndefined();
  return result.data!.backupJobSummary;
}

describe('backupJobSummary over the default sandbox', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady });
  });
  afterAll(() => gateway.close());

  it('answers from AWS Backup\'s own counts for whole UTC days of the last 14, without listing a job, and once per freshness window', async () => {
    const filter = { createdAfter: FOURTEEN_DAYS_AGO, phases: ['FAILED'] };
    const summary = await summarize(gateway, filter, ['ACCOUNT_ID', 'DAY']);
    const aws = gateway.sandbox.aws.calls;
    expect(aws.count('ListBackupJobs')).toBe(0);
    // Per source: the span AWS counts, and the counts.
    expect(aws.count('ListBackupJobSummaries')).toBe(4);
    expect(summary.sources.filter((source: any) => source.method === 'UPSTREAM_SUMMARY').map((source: any) => source.sourceName)).toEqual(['aws-us-east-1', 'aws-eu-west-1']);
    expect(summary.sources.filter((source: any) => source.method === 'READ_MODEL').map((source: any) => source.sourceName)).toEqual(['sailpoint-acme-prod', 'sailpoint-acme-sandbox']);
    expect(summary.total).toBeGreaterThan(0);

    await summarize(gateway, filter, ['ACCOUNT_ID', 'DAY']);
    expect(aws.count('ListBackupJobSummaries')).toBe(4);

    // The same question through the read layer (a bound one millisecond earlier is no UTC
    // midnight): the same counts, and the read models' lists.
    const earlier = new Date(Date.parse(FOURTEEN_DAYS_AGO) - 1).toISOString();
    const counted = await summarize(gateway, { ...filter, createdAfter: earlier }, ['ACCOUNT_ID', 'DAY']);
    expect(counted.sources.every((source: any) => source.method === 'READ_MODEL')).toBe(true);
    expect(aws.count('ListBackupJobs')).toBeGreaterThan(0);
    expect(counted.groups).toEqual(summary.groups);
    expect(counted.total).toBe(summary.total);
  });

  it.each([
    [{}, ['PHASE']],
    [{}, ['SOURCE', 'SOURCE_NAME', 'PHASE']],
    [{ phases: ['FAILED', 'COMPLETED_WITH_ISSUES'] }, ['ACCOUNT_ID', 'DAY']],
    [{ createdAfter: FOURTEEN_DAYS_AGO }, ['PHASE', 'ACCOUNT_ID', 'REGION', 'RESOURCE_TYPE', 'DAY']],
    [{ createdAfter: FOURTEEN_DAYS_AGO, phases: ['COMPLETED'] }, ['SOURCE_NAME', 'RESOURCE_TYPE']],
    [{ sourceKinds: ['AWS_BACKUP'], resourceType: 'EBS', createdAfter: FOURTEEN_DAYS_AGO, createdBefore: new Date(Date.parse(FOURTEEN_DAYS_AGO) + 7 * DAY).toISOString() }, ['DAY', 'PHASE']],
    [{ sourceKinds: ['AWS_BACKUP'], backupVaultName: 'prod-backup-vault', createdAfter: FOURTEEN_DAYS_AGO }, ['ACCOUNT_ID']],
    [{ sourceKinds: ['SAILPOINT'] }, ['SOURCE_NAME', 'DAY', 'ACCOUNT_ID']],
  ] as [Record<string, unknown>, Dimension[]][])('with filter %j grouped by %j equals a count over every page of backupJobs', async (filter, groupBy) => {
    const [summary, nodes] = await Promise.all([summarize(gateway, filter, groupBy), traverse(gateway, filter)]);
    expect(nodes.length).toBeGreaterThan(0);
    expect(groupsByKey(summary, groupBy)).toEqual(countByKey(nodes, groupBy));
    expect(summary.total).toBe(nodes.length);
    expect(summary.sources.every((source: any) => source.counted && source.errorCode === null)).toBe(true);
    // Whole UTC days of the last 14, and no vault: AWS's own counts.
    const upstream = filter.createdAfter !== undefined && filter.backupVaultName === undefined;
    for (const source of summary.sources) expect(source.method).toBe(upstream && source.sourceName.startsWith('aws-') ? 'UPSTREAM_SUMMARY' : 'READ_MODEL');
  });

  it('counts a vault condition from the jobs: ListBackupJobSummaries does not count by vault', async () => {
    const summary = await summarize(gateway, { backupVaultName: 'prod-backup-vault', createdAfter: FOURTEEN_DAYS_AGO }, ['PHASE']);
    expect(summary.sources.map((source: any) => source.method)).toEqual(['READ_MODEL', 'READ_MODEL']);
  });

  it.each([
    [[], '"groupBy" needs at least one dimension'],
    [['PHASE', 'DAY', 'PHASE'], '"groupBy" names PHASE more than once'],
  ])('refuses groupBy %j with BAD_USER_INPUT', async (groupBy, message) => {
    const result = await gateway.query(SUMMARY, { groupBy });
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringContaining(message), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });
});

describe('backupJobSummary when a source fails', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady });
  });
  afterAll(() => gateway.close());

  it('counts a source whose ListBackupJobSummaries fails from its read model, and leaves out only a source that cannot be read at all', async () => {
    const filter = { createdAfter: FOURTEEN_DAYS_AGO };
    const groupBy: Dimension[] = ['SOURCE_NAME', 'PHASE'];
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'error', status: 503, operation: 'ListBackupJobSummaries' });
    gateway.sandbox.aws.faults.set('eu-west-1', { kind: 'error', status: 503 });
    const result: GraphQLResponse = await gateway.query(SUMMARY, { filter, groupBy });
    const summary = result.data!.backupJobSummary;
    expect(summary.sources.map((source: any) => [source.sourceName, source.counted, source.method, source.errorCode])).toEqual([
      ['aws-us-east-1', true, 'READ_MODEL', null],
      ['aws-eu-west-1', false, null, 'UPSTREAM_UNAVAILABLE'],
      ['sailpoint-acme-prod', true, 'READ_MODEL', null],
      ['sailpoint-acme-sandbox', true, 'READ_MODEL', null],
    ]);
    expect(summary.total).toBeNull();
    expect(result.errors).toEqual([expect.objectContaining({ path: ['backupJobSummary'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', sourceName: 'aws-eu-west-1' }) })]);
    // The groups hold every job of the sources that were counted, and none of the one that was not.
    const counted = await traverse(gateway, { ...filter, sourceNames: ['aws-us-east-1', 'sailpoint-acme-prod', 'sailpoint-acme-sandbox'] });
    expect(groupsByKey(summary, groupBy)).toEqual(countByKey(counted, groupBy));
  });
});

describe('backupJobSummary over a large organization', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ configure: steady, sandbox: { awsJobs: 100_000, awsAccounts: 200, awsRegions: 1, awsFrozenClock: true } });
  });
  afterAll(() => gateway.close());

  it('counts the last 14 days from AWS without reading one job', async () => {
    const summary = await summarize(gateway, { sourceKinds: ['AWS_BACKUP'], createdAfter: FOURTEEN_DAYS_AGO, phases: ['FAILED'] }, ['ACCOUNT_ID', 'DAY']);
    expect(gateway.sandbox.aws.calls.count('ListBackupJobs')).toBe(0);
    expect(summary.sources).toEqual([expect.objectContaining({ sourceName: 'aws-us-east-1', counted: true, method: 'UPSTREAM_SUMMARY' })]);
    expect(summary.groups.length).toBeGreaterThan(14 * 100);
    // About 7.5 % of the 14 days' jobs fail.
    expect(summary.total).toBeGreaterThan(0.05 * (100_000 * 14) / 30);
  });

  it('refuses a grouping that makes too many groups', async () => {
    const result = await gateway.query(SUMMARY, { filter: { createdAfter: FOURTEEN_DAYS_AGO }, groupBy: ['ACCOUNT_ID', 'DAY', 'RESOURCE_TYPE', 'PHASE'] });
    expect(result.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('more than 10000'), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });

  it('leaves a source out, with null total and an error, while it fills in jobs older than the filter reaches', async () => {
    const result: GraphQLResponse = await gateway.query(SUMMARY, { filter: { sourceKinds: ['AWS_BACKUP'] }, groupBy: ['PHASE'] });
    const summary = result.data!.backupJobSummary;
    expect(summary.sources).toEqual([expect.objectContaining({ sourceName: 'aws-us-east-1', counted: false, method: null, errorCode: 'UPSTREAM_UNAVAILABLE' })]);
    expect(summary.sources[0].completeAfter).not.toBeNull();
    expect(summary.total).toBeNull();
    expect(summary.groups).toEqual([]);
    expect(result.errors).toEqual([expect.objectContaining({ path: ['backupJobSummary'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE', sourceName: 'aws-us-east-1' }) })]);
  });
});
