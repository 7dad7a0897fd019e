// Job summaries: counts of the jobs a filter selects, grouped by dimensions, and the root field
// that returns them.
import { MAX_SUMMARY_GROUPS, summarizeBackupJobs, type BackupJobSummary as Summary, type SummaryGroup, type SummarySource } from '../resolvers/summary.js';
import type { BackupJobPhase as Phase } from '../src/model/phase.js';
import { SUMMARY_DIMENSIONS, type KindDimension, type SummaryDimension, type SummaryValues } from '../src/model/summary.js';
import type { SourceKind } from '../src/sources.js';
import { BackupJobPhase, BackupSourceKind } from './backup-job.js';
import { builder } from './builder.js';
import { BackupJobFilter, kindConditions } from './filter.js';
import { fieldReporters } from './jobs.js';

const DIMENSION_DESCRIPTIONS: Record<SummaryDimension, string> = {
  PHASE: "The job's `phase`.",
  SOURCE: "The kind of the job's source (`sourceKind`).",
  SOURCE_NAME: "The job's configured source (`sourceName`).",
  ACCOUNT_ID: 'The AWS account that owns the job; null for a job of another kind.',
  REGION: 'The AWS Region of the job; null for a job of another kind.',
  RESOURCE_TYPE: 'The type of the AWS resource backed up (`EBS`, `RDS`, ...); null for a job of another kind.',
  DAY: 'The UTC day the job was created on.',
};

/** The key's fields of the dimensions only some kinds' jobs have, by field name, as the kinds' schema files add them. */
const kindKeyFields: Record<string, { dimension: KindDimension; description: string }> = {};

/** Adds fields of dimensions its jobs have to `BackupJobSummaryKey`, after the shared ones. */
export function addSummaryKeyFields(fields: Record<string, { dimension: KindDimension; description: string }>): void {
  Object.assign(kindKeyFields, fields);
}

const BackupJobSummaryDimension = builder.enumType('BackupJobSummaryDimension', {
  description: 'What `backupJobSummary` can group jobs by. A job that has no value of a dimension counts in the group whose value is null.',
  values: Object.fromEntries(SUMMARY_DIMENSIONS.map((dimension) => [dimension, { description: DIMENSION_DESCRIPTIONS[dimension] }])) as Record<
    SummaryDimension,
    { description: string }
  >,
});

const BackupJobCountMethod = builder.enumType('BackupJobCountMethod', {
  description: "How a source's jobs were counted for a summary.",
  values: {
    UPSTREAM_SUMMARY: {
      description:
        "From the counts the upstream keeps itself (AWS Backup's ListBackupJobSummaries): a few calls whatever the source's size, cached for the source's `refreshAfterMs`.",
    },
    READ_MODEL: {
      description: "By counting the source's jobs in its shared read model, as `backupJobs` pages them: no upstream call while the read model is fresh.",
    },
  },
});

const BackupJobSummaryKey = builder.objectRef<SummaryValues>('BackupJobSummaryKey').implement({
  description:
    "The values one group's jobs share, one field per dimension of `groupBy`. A field of a dimension the summary is not grouped by is null, as is one whose jobs have no such value (a field only AWS jobs have, for SailPoint jobs).",
  fields: (t) => ({
    phase: t.field({ type: BackupJobPhase, description: 'The phase, when grouped by PHASE.', resolve: (key) => (key.PHASE as Phase | null | undefined) ?? null }),
    sourceKind: t.field({
      type: BackupSourceKind,
      description: 'The kind of source, when grouped by SOURCE.',
      resolve: (key) => (key.SOURCE as SourceKind | null | undefined) ?? null,
    }),
    sourceName: t.string({ description: 'The configured source, when grouped by SOURCE_NAME.', resolve: (key) => key.SOURCE_NAME ?? null }),
    day: t.string({ description: 'The UTC day of creation as `YYYY-MM-DD`, when grouped by DAY.', resolve: (key) => key.DAY ?? null }),
    ...Object.fromEntries(
      Object.entries(kindKeyFields).map(([name, { dimension, description }]) => [name, t.string({ description, resolve: (key) => key[dimension] ?? null })]),
    ),
  }),
});

const BackupJobSummaryGroup = builder.objectRef<SummaryGroup>('BackupJobSummaryGroup').implement({
  description: 'How many of the selected jobs share one combination of the grouped values.',
  fields: (t) => ({
    key: t.field({ type: BackupJobSummaryKey, nullable: false, description: 'The values these jobs share.', resolve: (group) => group.values }),
    count: t.exposeInt('count', { nullable: false, description: 'How many jobs of the counted sources have those values; never 0.' }),
  }),
});

const BackupJobSummarySource = builder.objectRef<SummarySource>('BackupJobSummarySource').implement({
  description: 'How one selected source took part in a summary: whether its jobs are in the counts, how they were counted, and how old they are.',
  fields: (t) => ({
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The configured source.' }),
    counted: t.exposeBoolean('counted', {
      nullable: false,
      description:
        "Whether the groups hold this source's jobs. False when the source could not be read (see `errorCode`), or while its first read fills in jobs older than `completeAfter` and the filter reaches back past it: the gateway leaves such a source out rather than count part of it.",
    }),
    method: t.field({ type: BackupJobCountMethod, description: 'How its jobs were counted; null when they were not.', resolve: (source) => source.method }),
    completeAfter: t.expose('completeAfter', {
      type: 'DateTime',
      description: "While a large source's first read fills in its older jobs: every job created after this time is in. Null once every job is.",
    }),
    stale: t.exposeBoolean('stale', {
      nullable: false,
      description: "Whether the counted jobs are older than the source's `maxStalenessMs` (a refresh failed or was refused).",
    }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      description: 'When the gateway fetched what it counted (the jobs, or the upstream counts) from the upstream; null when it has nothing.',
    }),
    errorCode: t.exposeString('errorCode', {
      description:
        'Why the source is missing or stale: the code an error of that source carries in `extensions.code`. `UPSTREAM_UNAVAILABLE` while it fills in older jobs. Null when it was counted without trouble.',
    }),
  }),
});

const BackupJobSummary = builder.objectRef<Summary>('BackupJobSummary').implement({
  description: 'Counts of the jobs a filter selects, grouped, across every selected source.',
  fields: (t) => ({
    groups: t.field({
      type: [BackupJobSummaryGroup],
      nullable: false,
      description: 'One entry per combination of grouped values that some job has, sorted by those values in `groupBy` order (nulls last within each). Jobs of a source that was not counted are in none.',
      resolve: (summary) => summary.groups,
    }),
    total: t.int({
      description: 'The jobs the filter selects, all groups together. Null when a selected source was not counted: a total without it would be too low.',
      resolve: (summary) => summary.total,
    }),
    sources: t.field({
      type: [BackupJobSummarySource],
      nullable: false,
      description: 'Each source the filter selected, and how it took part.',
      resolve: (summary) => summary.sources,
    }),
  }),
});

builder.queryField('backupJobSummary', (t) =>
  t.field({
    type: BackupJobSummary,
    nullable: false,
    description: [
      'Counts of the jobs `filter` selects, grouped by `groupBy`: the numbers of a health overview (failed jobs per account and day, per source, per phase) in one request, without paging through the jobs.',
      "What it costs, source by source: an AWS source answers from AWS Backup's own daily counts (ListBackupJobSummaries: two queries, a few calls each, whatever its size, cached for the source's `refreshAfterMs`) when the filter's `createdAfter` is a UTC midnight within the last 14 days AWS counts, `createdBefore` is unset or a UTC midnight, and the filter names no `backupVaultName`; any grouping works there.",
      "Otherwise, and for SailPoint sources, the gateway counts the jobs of the source's shared read model, as `backupJobs` would page them (its 30-day list for AWS): no upstream call while the read model is fresh, one refresh otherwise, and a count over a source's jobs is kept for that read of the source, so that the same summary asked again costs no recount.",
      '`sources` says which way each source was counted. A source that could not be read, or that is still filling in jobs older than the filter reaches, is left out of the counts (`total` is then null) and named in `errors`.',
    ].join(' '),
    args: {
      filter: t.arg({ type: BackupJobFilter, description: 'Which jobs to count: the conditions of `backupJobs`; `createdAfter` and `createdBefore` set the time range.' }),
      groupBy: t.arg({
        type: [BackupJobSummaryDimension],
        required: true,
        description: `What to group by: one or more distinct dimensions, in the order the groups are sorted by. A grouping that makes more than ${MAX_SUMMARY_GROUPS} groups is refused.`,
      }),
    },
    resolve: (_root, args, context, info) => {
      const { reportPartialError, warn } = fieldReporters(context, info);
      return summarizeBackupJobs(context, args, kindConditions, reportPartialError, warn);
    },
  }),
);
