// The bench's operations, each one a real frontend or router request, with the upstream calls it may
// cost and the chain of upstream round trips it cannot avoid.
import { readFileSync } from 'node:fs';
import { getNamedType, isObjectType, type GraphQLObjectType } from 'graphql';
import { encodeGlobalId } from '../resolvers/ids.js';
import { awsJobKey } from '../resolvers/mappers/aws.js';
import { sailPointJobKey } from '../resolvers/mappers/sailpoint.js';
import { schema } from '../schema/index.js';
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
   * The call targets for one operation; each broken one is named. `exact` (short mode: a few
   * sequential requests, no cache, no rate limit in reach) wants the counts themselves; a timed run
   * wants them as upper bounds, since a list cache shares calls and a throttled source makes fewer.
   */
  missedCallTargets(calls: CallsPerOp, peakDescribeInFlight: number, exact: boolean): string[];
}

export interface UpstreamShape {
  awsSources: number;
  describeConcurrency: number;
}

const DASHBOARD = readFileSync(new URL('../examples/frontend/operations/dashboard.graphql', import.meta.url), 'utf8');
const JOB_DETAIL = readFileSync(new URL('../examples/frontend/operations/job-detail.graphql', import.meta.url), 'utf8');

/**
 * Every field of a type with its object fields one level down, leaving out arguments and the
 * relations back to jobs (parentJob, childJobs), which are other jobs' costs, not this job's.
 */
function everyField(type: GraphQLObjectType, nested = true): string {
  return Object.values(type.getFields())
    .filter((field) => field.args.length === 0 && getNamedType(field.type).name !== type.name)
    .map((field) => {
      const named = getNamedType(field.type);
      if (!isObjectType(named)) return field.name;
      return nested ? `${field.name} { ${everyField(named, false)} }` : '';
    })
    .filter(Boolean)
    .join(' ');
}

const awsJobType = schema.getType('AwsBackupJob') as GraphQLObjectType;

const awsGlobalId = (job: AwsFixture) => encodeGlobalId('AwsBackupJob', awsJobKey(job.sourceName, job.backupJobId));
const sailPointGlobalId = (job: SailPointFixture) =>
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

function expect(failures: string[], condition: boolean, target: string): void {
  if (!condition) failures.push(target);
}

/** A count that must be `expected`, or at most that when not `exact`. */
function expectCalls(failures: string[], actual: number, expected: number, exact: boolean, target: string): void {
  expect(failures, exact ? actual === expected : actual <= expected, exact ? target : `at most ${target}`);
}

export function buildScenarios(fixtures: SandboxReady, shape: UpstreamShape): Scenario[] {
  const tenants = new Set(fixtures.sailPoint.map((job) => job.sourceName)).size;
  const detailJobs = spreadAwsJobs(fixtures, 50);
  const entityAwsJobs = spreadAwsJobs(fixtures, 50);
  const entitySailPointJobs = spreadSailPointJobs(fixtures, 50);
  const single = fixtures.aws.find((job) => !job.isParent && job.parentJobId === null)!;
  const boundedDescribes = (peak: number) => peak <= shape.awsSources * shape.describeConcurrency;

  return [
    {
      name: 'dashboard',
      title: 'first 100 jobs of both sources (examples/frontend dashboard operation)',
      body: graphql(DASHBOARD, { first: 100 }),
      check: (response) => {
        const edges = response.data?.backupJobs?.edges;
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        if (edges?.length !== 100) return `expected 100 edges, got ${edges?.length}`;
        const sources = new Set(edges.map((edge: any) => edge.node.source));
        return sources.size === 2 ? null : 'the page does not hold jobs of both sources';
      },
      missedCallTargets: (calls, _peak, exact) => {
        const failures: string[] = [];
        expectCalls(failures, calls.ListBackupJobs, shape.awsSources, exact, `one ListBackupJobs per AWS source (${shape.awsSources})`);
        expect(failures, calls.DescribeBackupJob === 0, 'no DescribeBackupJob');
        expectCalls(failures, calls.sailPointLists, tenants * 2, exact, `one list call per SailPoint tenant and collection (${tenants * 2})`);
        expect(failures, calls.sailPointTokens <= tenants, 'at most one token call per tenant');
        return failures;
      },
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
      missedCallTargets: (calls, peak) => {
        const failures: string[] = [];
        expect(failures, calls.DescribeBackupJob <= 50, 'at most 50 DescribeBackupJob');
        expect(failures, calls.ListBackupJobs === 0, 'no ListBackupJobs');
        expect(failures, calls.sailPointLists + calls.sailPointTokens === 0, 'no SailPoint call');
        expect(failures, boundedDescribes(peak), `Describe in flight bounded (${shape.describeConcurrency} per source)`);
        return failures;
      },
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
      missedCallTargets: (calls, peak, exact) => {
        const failures: string[] = [];
        expect(failures, calls.DescribeBackupJob <= entityAwsJobs.length, `at most ${entityAwsJobs.length} DescribeBackupJob`);
        expect(failures, calls.ListBackupJobs === 0, 'no ListBackupJobs');
        expectCalls(failures, calls.sailPointLists, tenants * 2, exact, `one list call per SailPoint tenant and collection (${tenants * 2})`);
        expect(failures, calls.sailPointTokens <= tenants, 'at most one token call per tenant');
        expect(failures, boundedDescribes(peak), `Describe in flight bounded (${shape.describeConcurrency} per source)`);
        return failures;
      },
    },
    {
      name: 'one-job',
      title: 'one AWS job by id (examples/frontend job detail operation)',
      body: graphql(JOB_DETAIL, { id: awsGlobalId(single) }),
      check: (response) => {
        if (response.errors) return `errors: ${JSON.stringify(response.errors).slice(0, 300)}`;
        return response.data?.backupJob?.backupJobId === single.backupJobId ? null : 'expected the job';
      },
      missedCallTargets: (calls, _peak, exact) => {
        const failures: string[] = [];
        expectCalls(failures, calls.DescribeBackupJob, 1, exact, 'one DescribeBackupJob');
        expect(failures, calls.ListBackupJobs === 0, 'no ListBackupJobs (the job has no children)');
        expect(failures, calls.sailPointLists + calls.sailPointTokens === 0, 'no SailPoint call');
        return failures;
      },
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
  // Under one list round per tenant and collection, answers were shared across operations (a list cache): amortized.
  const sailPointRounds = Math.min(1, calls.sailPointLists / (2 * tenants)) + calls.sailPointTokens / tenants;
  return latencyMs * Math.max(awsRounds, sailPointRounds);
}
