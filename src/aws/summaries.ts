// Job summaries from AWS Backup's own counts (ListBackupJobSummaries): which summaries they can
// answer, the query that answers one, and the counts its rows give.
import { BackupJobStatus, type ListBackupJobSummariesInput } from '@aws-sdk/client-backup';
import type { BackupJobPhase } from '../model/phase.js';
import { isUtcMidnight, utcDay, type SummaryCount, type SummaryRequest, type SummaryValues } from '../model/summary.js';
import type { SummaryPlan } from '../read-model/source-read-model.js';
import { AWS_BACKUP_JOB_STATES, awsPhase, type AwsBackupJobState, type AwsJobConditions } from './mapper.js';

/** One row of ListBackupJobSummaries as the cache keeps it: members as AWS sent them, times in epoch ms. */
export interface SummaryRow {
  region: string | null;
  accountId: string | null;
  state: string | null;
  resourceType: string | null;
  messageCategory: string | null;
  count: number;
  startTime: number;
}

/** What AWS answered: the first day its counts cover (epoch ms; null when it counted no job at all), and the rows. */
export interface SummaryAnswer {
  since: number | null;
  rows: SummaryRow[];
}

/** How the source reads ListBackupJobSummaries: every page of one query. */
export type ListSummaries = (input: ListBackupJobSummariesInput) => Promise<SummaryRow[]>;

/** The AWS conditions of the job filter ListBackupJobSummaries can apply: the others need the jobs. */
const SUMMARIZED_CONDITIONS: ReadonlySet<string> = new Set(['accountId', 'resourceType']);
const AWS_CONDITIONS: readonly (keyof AwsJobConditions)[] = ['resourceType', 'backupVaultName', 'accountId'];

/** The phases a job of each AWS state can be in. */
function phasesOf(state: AwsBackupJobState): BackupJobPhase[] {
  return state === 'COMPLETED' ? ['COMPLETED', 'COMPLETED_WITH_ISSUES'] : [awsPhase(state, undefined)];
}

/**
 * The plan that answers a summary from AWS's own daily counts, or null when they cannot: a
 * condition they do not count by (the vault), or a creation-time range that is not whole UTC days
 * from a start (AWS counts the last 14 days, so a range must begin somewhere).
 */
export function planSummary(request: SummaryRequest, source: { accountId: string | undefined; region: string }, list: ListSummaries): SummaryPlan<SummaryAnswer> | null {
  const { filter, groupBy } = request;
  const conditions = filter as AwsJobConditions;
  if (AWS_CONDITIONS.some((name) => conditions[name] != null && !SUMMARIZED_CONDITIONS.has(name))) return null;
  const after = filter.createdAfter?.getTime();
  const before = filter.createdBefore?.getTime() ?? null;
  if (after === undefined || !isUtcMidnight(after) || (before !== null && !isUtcMidnight(before))) return null;

  const grouped = new Set(groupBy);
  const phases = filter.phases ? new Set(filter.phases) : null;
  // The fewest rows that still tell what the request needs apart: a dimension neither grouped by
  // nor filtered on is summed (AGGREGATE_ALL), a filtered one asked for by value where AWS can.
  const states = phases ? AWS_BACKUP_JOB_STATES.filter((state) => phasesOf(state).some((phase) => phases.has(phase))) : null;
  const needsPhase = grouped.has('PHASE') || phases !== null;
  const state = !needsPhase ? BackupJobStatus.AGGREGATE_ALL : states?.length === 1 && !phases!.has('UNKNOWN') ? states[0]! : BackupJobStatus.ANY;
  const splitsCompleted = grouped.has('PHASE') || (phases !== null && phases.has('COMPLETED') !== phases.has('COMPLETED_WITH_ISSUES'));
  const needsCategory = needsPhase && splitsCompleted && (state === BackupJobStatus.ANY || state === 'COMPLETED');
  const input: ListBackupJobSummariesInput = {
    ...accountOf(source.accountId, conditions.accountId ?? (grouped.has('ACCOUNT_ID') ? 'ANY' : 'AGGREGATE_ALL')),
    State: state,
    ResourceType: conditions.resourceType ?? (grouped.has('RESOURCE_TYPE') ? 'ANY' : 'AGGREGATE_ALL'),
    MessageCategory: needsCategory ? 'ANY' : 'AGGREGATE_ALL',
    AggregationPeriod: 'ONE_DAY',
  };
  return {
    key: JSON.stringify(input),
    fetch: async () => {
      // Which days AWS counts is AWS's to say (its clock, its notion of the last 14 days): one
      // more query, of a single row, tells the span.
      const [span, rows] = await Promise.all([
        list({
          ...accountOf(source.accountId, 'AGGREGATE_ALL'),
          State: BackupJobStatus.AGGREGATE_ALL,
          ResourceType: 'AGGREGATE_ALL',
          MessageCategory: 'AGGREGATE_ALL',
          AggregationPeriod: 'FOURTEEN_DAYS',
        }),
        list(input),
      ]);
      return { since: span[0]?.startTime ?? null, rows };
    },
    count: ({ since, rows }) => {
      if (since === null || after < since) return null;
      const counts = new Map<string, { values: SummaryValues; count: number }>();
      for (const row of rows) {
        if (row.startTime < after || (before !== null && row.startTime >= before)) continue;
        if (conditions.accountId != null && row.accountId !== null && row.accountId !== conditions.accountId) continue;
        const phase = awsPhase(row.state ?? undefined, row.messageCategory ?? undefined);
        if (phases && !phases.has(phase)) continue;
        const values: SummaryValues = {};
        for (const dimension of groupBy) {
          if (dimension === 'PHASE') values.PHASE = phase;
          else if (dimension === 'ACCOUNT_ID') values.ACCOUNT_ID = row.accountId;
          else if (dimension === 'REGION') values.REGION = row.region ?? source.region;
          else if (dimension === 'RESOURCE_TYPE') values.RESOURCE_TYPE = row.resourceType;
          else if (dimension === 'DAY') values.DAY = utcDay(row.startTime);
        }
        const key = JSON.stringify(values);
        const entry = counts.get(key);
        if (entry) entry.count += row.count;
        else counts.set(key, { values, count: row.count });
      }
      return [...counts.values()] satisfies SummaryCount[];
    },
  };
}

/**
 * The AccountId a source's queries send: for a source of the whole organization the one given,
 * for one pinned to an account that account, and none for a source of its own account (AWS then
 * counts the caller's own jobs, as its lists do).
 */
function accountOf(sourceAccount: string | undefined, whole: string): Pick<ListBackupJobSummariesInput, 'AccountId'> {
  if (sourceAccount === '*') return { AccountId: whole };
  return sourceAccount === undefined ? {} : { AccountId: sourceAccount };
}
