// Root-field logic for job summaries: counts of the jobs a filter selects, grouped by the
// dimensions asked, each source counted by its upstream where that upstream counts its own jobs
// and can answer, else from its read model's snapshot. Nothing here knows what kind a source is.
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode, SourceError } from '../src/model/errors.js';
import type { BackupJobFilter, BackupJobModel, KindConditions, Warning } from '../src/model/job.js';
import { SUMMARY_DIMENSIONS, utcDay, type SummaryCount, type SummaryDimension, type SummaryRequest, type SummaryValues } from '../src/model/summary.js';
import { toGraphQLError } from '../src/model/upstream-errors.js';
import type { SourcePart } from '../src/read-model/source-read-model.js';
import type { GatewaySource } from '../src/source-kind.js';
import { matchesCommon, memoized, selectSources, validateFilter } from './backup-jobs.js';
import type { GatewayContext } from './context.js';

/** The most groups one summary returns; a grouping that makes more is refused. */
export const MAX_SUMMARY_GROUPS = 10_000;

export interface BackupJobSummaryArgs {
  filter?: BackupJobFilter | null;
  groupBy: readonly SummaryDimension[];
}

/** How a source's jobs were counted. */
export type CountMethod = 'UPSTREAM_SUMMARY' | 'READ_MODEL';

/** How one selected source took part in a summary. */
export interface SummarySource {
  sourceName: string;
  /** Its jobs are in the groups; false when the source could not be read or is not read that far back yet. */
  counted: boolean;
  method: CountMethod | null;
  completeAfter: Date | null;
  stale: boolean;
  fetchedAt: Date | null;
  errorCode: string | null;
}

export interface SummaryGroup {
  values: SummaryValues;
  count: number;
}

export interface BackupJobSummary {
  groups: SummaryGroup[];
  /** Null when a selected source is not counted: a total without it would be too low. */
  total: number | null;
  sources: SummarySource[];
}

/** One source's counts, or why it has none. */
interface SourceCounts {
  counts: readonly SummaryCount[] | null;
  source: SummarySource;
}

export async function summarizeBackupJobs(
  context: GatewayContext,
  args: BackupJobSummaryArgs,
  kindConditions: readonly KindConditions[],
  reportPartialError: (error: Error) => void,
  warn: (warning: Warning) => void,
): Promise<BackupJobSummary> {
  const groupBy = validateGroupBy(args.groupBy);
  const filter = validateFilter(args.filter ?? {}, kindConditions, warn);
  const request: SummaryRequest = { filter, groupBy };
  const sources = selectSources(context, filter, kindConditions);
  const counted = await Promise.all(sources.map((source) => countSource(context, source, request, reportPartialError)));

  const groups = new Map<string, SummaryGroup>();
  for (const { counts } of counted) {
    for (const { values, count } of counts ?? []) {
      const key = JSON.stringify(groupBy.map((dimension) => values[dimension] ?? null));
      const group = groups.get(key);
      if (group) group.count += count;
      else groups.set(key, { values, count });
    }
  }
  if (groups.size > MAX_SUMMARY_GROUPS) {
    throw badUserInput(`This grouping makes ${groups.size} groups, more than ${MAX_SUMMARY_GROUPS}: group by fewer dimensions, or narrow the filter`);
  }
  const sorted = [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group);
  const complete = counted.every(({ counts }) => counts !== null);
  return {
    groups: sorted,
    total: complete ? sorted.reduce((sum, group) => sum + group.count, 0) : null,
    sources: counted.map(({ source }) => source),
  };
}

function validateGroupBy(groupBy: readonly SummaryDimension[]): readonly SummaryDimension[] {
  if (groupBy.length === 0) throw badUserInput(`"groupBy" needs at least one dimension: ${SUMMARY_DIMENSIONS.join(', ')}`);
  const repeated = groupBy.filter((dimension, index) => groupBy.indexOf(dimension) !== index);
  if (repeated.length > 0) throw badUserInput(`"groupBy" names ${[...new Set(repeated)].join(', ')} more than once`);
  return groupBy;
}

/**
 * One source's counts: from its upstream's own counts when it has them and they answer the
 * request, else (also when asking the upstream failed) from its read model's snapshot.
 */
async function countSource(context: GatewayContext, source: GatewaySource, request: SummaryRequest, reportPartialError: (error: Error) => void): Promise<SourceCounts> {
  const model = context.sources.readModel(source.name)!;
  const plan = source.summaries?.plan(request);
  if (plan) {
    try {
      const answer = await model.summary(plan, context.reader);
      const counts = plan.count(answer.value);
      if (counts) {
        return {
          counts: counts.map(({ values, count }) => ({ values: withSource(values, source, request.groupBy), count })),
          source: { sourceName: source.name, counted: true, method: 'UPSTREAM_SUMMARY', completeAfter: null, stale: false, fetchedAt: new Date(answer.fetchedAt), errorCode: null },
        };
      }
    } catch (error) {
      // The source's jobs can still answer: an upstream that fails to count, or a caller past its
      // share, costs this request its cheap path, not the source's part. Anything else is a defect.
      if (!(error instanceof SourceError || error instanceof GraphQLError)) throw error;
    }
  }
  return countSnapshot(source, await model.read(context.reader), request, reportPartialError);
}

function countSnapshot(source: GatewaySource, part: SourcePart<BackupJobModel>, request: SummaryRequest, reportPartialError: (error: Error) => void): SourceCounts {
  const { filter, groupBy } = request;
  const { snapshot } = part;
  const completeAfter = snapshot?.completeAfter ?? null;
  // While a large source fills in its older jobs, or past the retained window it keeps in memory, a
  // count is whole only over the jobs it holds all of.
  const floor = completeAfter ?? snapshot?.retainedAfter ?? null;
  const partial = floor !== null && (filter.createdAfter == null || filter.createdAfter.getTime() < floor);
  const error = part.error !== null ? toGraphQLError(part.error, source.name) : partial ? toGraphQLError(notHeld(source.name, completeAfter !== null), source.name) : null;
  const counted = snapshot !== null && !partial;
  if (error && !counted) reportPartialError(error);
  const status: SummarySource = {
    sourceName: source.name,
    counted,
    method: counted ? 'READ_MODEL' : null,
    completeAfter: completeAfter === null ? null : new Date(completeAfter),
    stale: part.stale,
    fetchedAt: snapshot ? new Date(snapshot.fetchedAt) : null,
    errorCode: error ? String(error.extensions.code) : null,
  };
  if (!counted) return { counts: null, source: status };
  const accept = (job: BackupJobModel) => matchesCommon(job, filter) && source.matches?.(job, filter) !== false;
  const tally = memoized(
    snapshot,
    `summary ${JSON.stringify(filter)} ${groupBy.join(',')}`,
    (jobs) => tallyJobs(jobs, accept, source, groupBy),
    (before, added, dropped) => {
      const next = new Map(before);
      for (const [key, entry] of added) next.set(key, { values: entry.values, count: (next.get(key)?.count ?? 0) + entry.count });
      for (const [key, entry] of dropped) next.set(key, { values: entry.values, count: next.get(key)!.count - entry.count });
      return next;
    },
  );
  return { counts: [...tally.values()].filter(({ count }) => count > 0), source: status };
}

function tallyJobs(jobs: readonly BackupJobModel[], accept: (job: BackupJobModel) => boolean, source: GatewaySource, groupBy: readonly SummaryDimension[]): Map<string, SummaryCount> {
  const tally = new Map<string, { values: SummaryValues; count: number }>();
  for (const job of jobs) {
    if (!accept(job)) continue;
    const values = valuesOf(job, source, groupBy);
    const key = JSON.stringify(groupBy.map((dimension) => values[dimension]));
    const entry = tally.get(key);
    if (entry) entry.count++;
    else tally.set(key, { values, count: 1 });
  }
  return tally;
}

function valuesOf(job: BackupJobModel, source: GatewaySource, groupBy: readonly SummaryDimension[]): SummaryValues {
  const kindValues = source.dimensionsOf?.(job) ?? {};
  const values: SummaryValues = {};
  for (const dimension of groupBy) {
    if (dimension === 'PHASE') values.PHASE = job.phase;
    else if (dimension === 'DAY') values.DAY = job.createdAt === null ? null : utcDay(job.createdAt);
    else if (dimension === 'SOURCE' || dimension === 'SOURCE_NAME') continue;
    else values[dimension] = kindValues[dimension] ?? null;
  }
  return withSource(values, source, groupBy);
}

/** A source's counts with the values only the read layer knows: its kind and name. */
function withSource(values: SummaryValues, source: GatewaySource, groupBy: readonly SummaryDimension[]): SummaryValues {
  return {
    ...values,
    ...(groupBy.includes('SOURCE') ? { SOURCE: source.kind } : {}),
    ...(groupBy.includes('SOURCE_NAME') ? { SOURCE_NAME: source.name } : {}),
  };
}

/** Why a source's read model cannot count a filter: it is still filling in, or the filter reaches past its retained window. */
function notHeld(sourceName: string, filling: boolean): SourceError {
  return new SourceError(ErrorCode.UPSTREAM_UNAVAILABLE, sourceName, 'summary', filling ? 'StillFilling' : 'OutsideRetainedWindow', undefined, filling);
}
