// Root-field logic for the job list: choose the sources a filter allows, push every filter an
// upstream understands down to it, fetch one page per source in parallel, and merge.
import type { AwsBackupSource, ListBackupJobsInput } from '../src/aws/source.js';
import { badUserInput } from '../src/errors.js';
import type { SailPointSource } from '../src/sailpoint/source.js';
import type { Source } from '../src/sources.js';
import { upstreamCall, type GatewayContext } from './context.js';
import { sailPointIndexLoader } from './loaders.js';
import { mapAwsBackupJob, type AwsBackupJobModel } from './mappers/aws.js';
import { awsStatesFor, sailPointStatusesFor, type BackupJobPhase } from './mappers/phase.js';
import { mapSailPointBackupJob, type SailPointBackupJobModel } from './mappers/sailpoint.js';
import {
  comparePositions,
  decodeCursor,
  encodeCursor,
  mergePages,
  type Position,
  type SourcePage,
} from './pagination.js';
import { toGraphQLError } from './upstream-errors.js';

export const DEFAULT_PAGE_SIZE = 20;

/**
 * How many extra records to ask each upstream for: AWS filters by whole seconds, so the jobs of
 * the cursor's own second come back again and must not leave the page short.
 */
const OVERLAP = 10;

/** The most ListBackupJobs returns in one call. */
const MAX_LIST_RESULTS = 1000;

/** Bounds the rare walk past a second that holds more already-seen jobs than one page. */
const MAX_CATCH_UP_PAGES = 5;

export type BackupSourceKind = 'AWS_BACKUP' | 'SAILPOINT';

export type BackupJobModel = AwsBackupJobModel | SailPointBackupJobModel;

export interface BackupJobFilter {
  sources?: readonly BackupSourceKind[] | null;
  sourceNames?: readonly string[] | null;
  phases?: readonly BackupJobPhase[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  resourceType?: string | null;
  backupVaultName?: string | null;
  accountId?: string | null;
}

export interface BackupJobsArgs {
  first?: number | null;
  after?: string | null;
  filter?: BackupJobFilter | null;
}

export interface BackupJobEdge {
  cursor: string;
  node: BackupJobModel;
}

export interface BackupJobConnection {
  edges: BackupJobEdge[];
  /** Null when a selected source cannot count cheaply (AWS Backup has no filtered count). */
  totalCount: number | null;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function positionOf(job: BackupJobModel): Position {
  return { createdAt: job.createdAt?.getTime() ?? 0, sourceName: job.sourceName, jobId: job.key };
}

export async function listBackupJobs(
  context: GatewayContext,
  args: BackupJobsArgs,
  reportPartialError: (error: Error) => void,
): Promise<BackupJobConnection> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  const { maxPageSize } = context.limits;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw badUserInput(`"first" must be between 1 and ${maxPageSize}, got ${first}`);
  }
  const after = args.after ? decodeCursor(args.after) : null;
  const filter = validateFilter(args.filter ?? {});
  const sources = selectSources(context, filter);

  const outcomes = await Promise.allSettled(
    sources.map((source) =>
      source.kind === 'aws' ? fetchAwsPage(context, source, filter, after, first) : fetchSailPointPage(context, source, filter),
    ),
  );
  const pages: SourcePage<BackupJobModel>[] = [];
  outcomes.forEach((outcome, index) => {
    const source = sources[index] as Source;
    if (outcome.status === 'fulfilled') {
      pages.push(outcome.value);
      return;
    }
    const error = toGraphQLError(outcome.reason, source.name);
    if (error.extensions.code === 'BAD_USER_INPUT') throw error;
    reportPartialError(error);
  });

  const accept = (job: BackupJobModel) => matches(job, filter);
  const merged = mergePages(pages, { first, after, positionOf, accept });
  const edges = merged.items.map((node) => ({ cursor: encodeCursor(positionOf(node)), node }));
  // Every SailPoint page is the tenant's whole list, so only SailPoint-only selections count cheaply.
  const countable = sources.every((source) => source.kind === 'sailpoint');
  return {
    edges,
    totalCount: countable ? pages.reduce((total, page) => total + page.items.filter(accept).length, 0) : null,
    pageInfo: {
      hasNextPage: merged.hasNextPage,
      hasPreviousPage: after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: merged.endPosition ? encodeCursor(merged.endPosition) : null,
    },
  };
}

function validateFilter(filter: BackupJobFilter): BackupJobFilter {
  if (filter.accountId != null && !/^\d{12}$/.test(filter.accountId)) {
    throw badUserInput(`"filter.accountId" must be a 12-digit AWS account id, got "${filter.accountId}"`);
  }
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    throw badUserInput('"filter.createdAfter" must be earlier than "filter.createdBefore"');
  }
  return filter;
}

const SOURCE_KIND = { aws: 'AWS_BACKUP', sailpoint: 'SAILPOINT' } as const;

function selectSources(context: GatewayContext, filter: BackupJobFilter): Source[] {
  if (filter.sourceNames) {
    const unknown = filter.sourceNames.filter((name) => !context.sources.get(name));
    if (unknown.length > 0) {
      throw badUserInput(`"filter.sourceNames" names sources this gateway does not serve: ${unknown.join(', ')}`);
    }
  }
  const awsOnly = Boolean(filter.resourceType || filter.backupVaultName || filter.accountId);
  return context.sources.all.filter((source) => {
    if (filter.sources && !filter.sources.includes(SOURCE_KIND[source.kind])) return false;
    if (filter.sourceNames && !filter.sourceNames.includes(source.name)) return false;
    // SailPoint backups have no resource type, vault or AWS account: an AWS-only filter excludes them.
    if (source.kind === 'sailpoint') return !awsOnly;
    // A source pinned to one account can never hold another account's jobs.
    return !filter.accountId || !source.accountId || source.accountId === '*' || source.accountId === filter.accountId;
  });
}

/**
 * SailPoint lists have no pages: each call returns the whole collection. A filter that maps to one
 * status is sent upstream; otherwise the request's shared index is used, so lookups by id in the
 * same request cost no further call.
 */
async function fetchSailPointPage(
  context: GatewayContext,
  source: SailPointSource,
  filter: BackupJobFilter,
): Promise<SourcePage<SailPointBackupJobModel>> {
  const statuses = filter.phases ? sailPointStatusesFor(filter.phases) : null;
  if (statuses?.length === 0) return { items: [], hasMore: false };
  const collections = await Promise.all(
    source.collections.map(async (collection) => {
      if (statuses?.length === 1) {
        const records = await source.list(collection, statuses[0], upstreamCall(context));
        return records.map((record) => mapSailPointBackupJob(record, source.name, collection));
      }
      return [...(await sailPointIndexLoader(context).load(`${source.name}:${collection}`)).values()];
    }),
  );
  return { items: collections.flat(), hasMore: false };
}

async function fetchAwsPage(
  context: GatewayContext,
  source: AwsBackupSource,
  filter: BackupJobFilter,
  after: Position | null,
  first: number,
): Promise<SourcePage<AwsBackupJobModel>> {
  const states = filter.phases ? awsStatesFor(filter.phases) : null;
  // Phases that no single AWS state covers are filtered here; a full page keeps them from thinning out.
  const pageSize = filter.phases && states?.length !== 1 ? MAX_LIST_RESULTS : first + OVERLAP;
  const accountId = filter.accountId ?? source.accountId;
  const createdBefore = earliest(
    filter.createdBefore ? ceilToSecond(filter.createdBefore.getTime()) : null,
    after ? Math.floor(after.createdAt / 1000) * 1000 + 1000 : null,
  );
  const input: ListBackupJobsInput = {
    MaxResults: Math.min(MAX_LIST_RESULTS, pageSize),
    ...(states?.length === 1 ? { ByState: states[0] } : {}),
    ...(filter.createdAfter ? { ByCreatedAfter: new Date(Math.floor(filter.createdAfter.getTime() / 1000) * 1000) } : {}),
    ...(createdBefore !== null ? { ByCreatedBefore: new Date(createdBefore) } : {}),
    ...(filter.resourceType ? { ByResourceType: filter.resourceType } : {}),
    ...(filter.backupVaultName ? { ByBackupVaultName: filter.backupVaultName } : {}),
    ...(accountId ? { ByAccountId: accountId } : {}),
  };

  let page = await source.list(input, upstreamCall(context));
  let jobs = page.jobs.map((record) => mapAwsBackupJob(record, source, false));
  const isUnseen = (job: AwsBackupJobModel) => after === null || comparePositions(positionOf(job), after) > 0;
  for (let extra = 0; extra < MAX_CATCH_UP_PAGES && page.nextToken && !jobs.some(isUnseen); extra++) {
    page = await source.list({ ...input, NextToken: page.nextToken }, upstreamCall(context));
    jobs = page.jobs.map((record) => mapAwsBackupJob(record, source, false));
  }
  return { items: jobs, hasMore: page.nextToken !== undefined };
}

/** The exact filter, applied in the gateway to whatever an upstream could only approximate. */
function matches(job: BackupJobModel, filter: BackupJobFilter): boolean {
  const createdAt = job.createdAt?.getTime();
  const common =
    (!filter.phases || filter.phases.includes(job.phase)) &&
    (!filter.createdAfter || (createdAt !== undefined && createdAt > filter.createdAfter.getTime())) &&
    (!filter.createdBefore || (createdAt !== undefined && createdAt < filter.createdBefore.getTime()));
  if (job.source === 'SAILPOINT') return common;
  return (
    common &&
    (!filter.resourceType || job.resourceType === filter.resourceType) &&
    (!filter.backupVaultName || job.backupVaultName === filter.backupVaultName) &&
    (!filter.accountId || job.accountId === filter.accountId)
  );
}

function ceilToSecond(ms: number): number {
  return Math.ceil(ms / 1000) * 1000;
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}
