// The bench's operations, each one a real frontend or router request, with the upstream calls it may
// cost and the chain of upstream round trips it cannot avoid.
import { readFileSync } from 'node:fs';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { encodeGlobalId } from '../resolvers/ids.js';
import { schema } from '../schema/index.js';
import { awsJobKey } from '../src/aws/mapper.js';
import { sailPointJobKey } from '../src/sailpoint/mapper.js';
import type { AwsFixture, SailPointFixture, SandboxReady } from './sandbox-process.js';

/** Upstream calls per operation, as the sandbox counted them. */
export interface CallsPerOp {
  ListBackupJobs: number;
  DescribeBackupJob: number;
  /** SailPoint list calls (backups and uploads), every tenant together. */
  sailPointLists: number;
  sailPointTokens: number;
  /** The SailPoint list calls of the busiest tenant, to compare with its budget of 100 per token per 10 s. */
  busiestTenantLists: number;
}

export interface Scenario {
  name: string;
  title: string;
  body: string;
  /** Why one response is wrong, or null when it is what the scenario asked for. */
  check(response: { data?: any; errors?: unknown[] }): string | null;
  /**
   * What the operation costs upstream on a cold gateway, whose read models hold nothing yet: one
   * list of each source it reads (SailPoint: of each collection, after a token). While the read
   * models are fresh it costs nothing; a refresh of them costs this again.
   */
  coldCalls: CallsPerOp;
}

export interface UpstreamShape {
  awsSources: number;
  describeConcurrency: number;
}

/** The most jobs one ListBackupJobs call returns. */
const LIST_PAGE_SIZE = 1000;

const DASHBOARD = readFileSync(new URL('../examples/frontend/operations/dashboard.graphql', import.meta.url), 'utf8');
const JOB_DETAIL = readFileSync(new URL('../examples/frontend/operations/job-detail.graphql', import.meta.url), 'utf8');

/** The records an AWS job points at: each an upstream read of its own (docs/graph.md), which this scenario leaves out. */
const RECORD_FIELDS: ReadonlySet<string> = new Set(['recoveryPoint', 'backupPlan', 'backupVault']);

/**
 * Every field of a type with its object fields one level down, leaving out arguments, the
 * relations back to jobs (parentJob, childJobs), which are other jobs' costs, not this job's, and
 * the records a job points at.
 */
function everyField(type: GraphQLObjectType, nested = true): string {
  return Object.values(type.getFields())
    .filter((field) => field.args.length === 0 && getNamedType(field.type).name !== type.name && !RECORD_FIELDS.has(field.name))
    .map((field) => {
      const named = getNamedType(field.type);
      if (!isObjectType(named)) return field.name;
      return nested ? `${field.name} { ${everyField(named, false)} }` : '';
    })
    .filter(Boolean)
    .join(' ');
}

const awsJobType = schema.getType('AwsBackupJob') as GraphQLObjectType;

export const awsGlobalId = (job: Pick<AwsFixture, 'sourceName' | 'backupJobId'>) => encodeGlobalId('AwsBackupJob', awsJobKey(job.sourceName, job.backupJobId));
export const sailPointGlobalId = (job: SailPointFixture) =>
  encodeGlobalId('SailPointBackupJob', sailPointJobKey(job.sourceName, job.collection, job.jobId));

/** `count` jobs spread over each AWS source's list, the same number from every source. */
function spreadAwsJobs(fixtures: SandboxReady, count: number): AwsFixture[] {
  const sources = [...new Set(fixtures.aws.map((job) => job.sourceName))];
  return sources.flatMap((sourceName) => {
    const jobs = fixtures.aws.filter((job) => job.sourceName === sourceName);
    const perSource = Math.ceil(count / sources.length);
    const stride = Math.floor(jobs.length / perSource);
    return Array.from({ length: perSource }, (_, index) => jobs[index * stride]!);
  }).slice(0, count);
}

/** SailPoint jobs from every tenant and collection in turn. */
function spreadSailPointJobs(fixtures: SandboxReady, count: number): SailPointFixture[] {
  const groups = new Map<string, SailPointFixture[]>();
  for (const job of fixtures.sailPoint) {
    const key = `${job.sourceName}:${job.collection}`;
    groups.set(key, [...(groups.get(key) ?? []), job]);
  }
  const lists = [...groups.values()];
  return Array.from({ length: count }, (_, index) => {
    const list = lists[index % lists.length]!;
    return list[Math.floor(index / lists.length) % list.length]!;
  });
}

const graphql = (query: string, variables: Record<string, unknown>) => JSON.stringify({ query, variables });

const CALL_NAMES: Record<keyof CallsPerOp, string> = {
  ListBackupJobs: 'ListBackupJobs',
  DescribeBackupJob: 'DescribeBackupJob',
  sailPointLists: 'SailPoint list calls',
  sailPointTokens: 'SailPoint token calls',
  busiestTenantLists: 'SailPoint list calls of the busiest tenant',
};

/**
 * The most refreshes a read model can make within `ms` of its first read: one then, and one more
 * each time its snapshot has grown older than `refreshAfterMs`, which takes that long every time.
 */
export function refreshesWithin(ms: number, refreshAfterMs: number): number {
  return Math.floor(ms / refreshAfterMs) + 1;
}

/**
 * The call targets one run missed. The first operation, on a cold gateway, must cost exactly the
 * scenario's cold calls. After it the read models answer: the measured operations may cost at most
 * one cold read per refresh the run allows (none in a short run, whose few requests follow the first
 * well inside refreshAfterMs), however many operations they are.
 */
export function missedCallTargets(scenario: Scenario, cold: CallsPerOp, measuredTotal: CallsPerOp, refreshes: number): string[] {
  const names = Object.keys(CALL_NAMES) as (keyof CallsPerOp)[];
  return [
    ...names
      .filter((name) => cold[name] !== scenario.coldCalls[name])
      .map((name) => `cold: ${scenario.coldCalls[name]} ${CALL_NAMES[name]}, got ${cold[name]}`),
    ...names
      .filter((name) => measuredTotal[name] > scenario.coldCalls[name] * refreshes)
      .map((name) => `measured: at most ${scenario.coldCalls[name] * refreshes} ${CALL_NAMES[name]} (${refreshes} refreshes), got ${measuredTotal[name]}`),
  ];
}

export function buildScenarios(fixtures: SandboxReady): Scenario[] {
  const tenants = new Set(fixtures.sailPoint.map((job) => job.sourceName)).size;
  const detailJobs = spreadAwsJobs(fixtures, 50);
  const entityAwsJobs = spreadAwsJobs(fixtures, 50);
  const entitySailPointJobs = spreadSailPointJobs(fixtures, 50);
  const single = fixtures.aws.find((job) => !job.isParent && job.parentJobId === null)!;
  // A read of a source lists it whole: an AWS source page by page, a tenant each collection (backups,
  // uploads) after its token. The sandbox's AWS sources see the whole organization, and such a
  // source finds every job in its list: nothing is ever described.
  const awsLists = (jobs: readonly AwsFixture[]) =>
    [...new Set(jobs.map((job) => job.sourceName))].reduce(
      (sum, sourceName) => sum + Math.max(1, Math.ceil(fixtures.aws.filter((job) => job.sourceName === sourceName).length / LIST_PAGE_SIZE)),
      0,
    );
  const reads = (aws: readonly AwsFixture[], tenantsRead: number): CallsPerOp => ({
    ListBackupJobs: awsLists(aws),
    DescribeBackupJob: 0,
    sailPointLists: tenantsRead * 2,
    sailPointTokens: tenantsRead,
    busiestTenantLists: tenantsRead > 0 ? 2 : 0,
  });

  return [
    {
      name: 'dashboard',
      title: 'first 100 jobs of both sources (examples/frontend dashboard operation)',
      body: graphql(DASHBOARD, { first: 100 }),
      check: (response) => {
        const edges = response.data?.backupJobs?.edges;
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        if (edges?.length !== 100) return `expected 100 edges, got ${edges?.length}`;
        const sources = new Set(edges.map((edge: any) => edge.node.sourceKind));
        return sources.size === 2 ? null : 'the page does not hold jobs of both sources';
      },
      coldCalls: reads(fixtures.aws, tenants),
    },
    {
      name: 'detail',
      title: '50 AWS jobs by id, every field, asked twice in one query',
      body: graphql(
        `query DetailFanOut($ids: [ID!]!) {
          detail: nodes(ids: $ids) { ... on AwsBackupJob { ${everyField(awsJobType)} } }
          again: nodes(ids: $ids) { id ... on AwsBackupJob { numberOfChildJobs childJobsInState { state count } } }
        }`,
        { ids: detailJobs.map(awsGlobalId) },
      ),
      check: (response) => {
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        const detail = response.data?.detail as ({ backupJobId?: string } | null)[] | undefined;
        if (detail?.length !== 50 || detail.some((job) => !job?.backupJobId)) return 'expected 50 jobs';
        return null;
      },
      coldCalls: reads(detailJobs, 0),
    },
    {
      name: 'federation',
      title: '_entities for 100 representations: 50 AWS, 50 SailPoint, by global id and natural key',
      body: graphql(
        `query Entities($representations: [_Any!]!) {
          _entities(representations: $representations) {
            ... on AwsBackupJob { id displayName phase state backupSizeInBytes }
            ... on SailPointBackupJob { id displayName phase status totalObjectCount }
          }
        }`,
        {
          representations: [
            ...entityAwsJobs.map((job, index) =>
              index % 2 === 0
                ? { __typename: 'AwsBackupJob', id: awsGlobalId(job) }
                : { __typename: 'AwsBackupJob', accountId: job.accountId, region: job.region, backupJobId: job.backupJobId },
            ),
            ...entitySailPointJobs.map((job, index) =>
              index % 2 === 0
                ? { __typename: 'SailPointBackupJob', tenant: job.tenant, jobId: job.jobId }
                : { __typename: 'BackupJob', id: sailPointGlobalId(job) },
            ),
          ],
        },
      ),
      check: (response) => {
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        const entities = response.data?._entities as ({ id?: string } | null)[] | undefined;
        if (entities?.length !== 100 || entities.some((entity) => !entity?.id)) return 'expected 100 resolved entities';
        return null;
      },
      coldCalls: reads(entityAwsJobs, new Set(entitySailPointJobs.map((job) => job.sourceName)).size),
    },
    {
      name: 'one-job',
      title: 'one AWS job by id (examples/frontend job detail operation)',
      body: graphql(JOB_DETAIL, { id: awsGlobalId(single) }),
      check: (response) => {
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        return response.data?.backupJob?.backupJobId === single.backupJobId ? null : 'expected the job';
      },
      // The job has no parent and no children: its own source is all it reads.
      coldCalls: reads([single], 0),
    },
  ];
}

/**
 * The upstream round trips one operation cannot avoid, in milliseconds: sources run in parallel, so
 * it is the slowest source's chain. AWS: one round per list call per source, then Describe calls in
 * rounds of `describeConcurrency` per source (the scenarios spread their ids evenly over the
 * sources). SailPoint: its collections (backups, uploads) are listed in parallel, so one round,
 * after a token call when one was due (amortized over the operations measured).
 */
export function upstreamChainMs(calls: CallsPerOp, shape: UpstreamShape, tenants: number, latencyMs: number): number {
  // Averages over a timed run carry a fraction from operations cut off at its end; a source makes whole calls.
  const perSource = (count: number) => Math.round(count / shape.awsSources);
  const awsRounds = perSource(calls.ListBackupJobs) + Math.ceil(perSource(calls.DescribeBackupJob) / shape.describeConcurrency);
  // Under one list round per tenant and collection, answers were shared across operations (the read models): amortized.
  const sailPointRounds = Math.min(1, calls.sailPointLists / (2 * tenants)) + calls.sailPointTokens / tenants;
  return latencyMs * Math.max(awsRounds, sailPointRounds);
}
