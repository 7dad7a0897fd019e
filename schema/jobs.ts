// Root fields that span every source: jobs by global id, the merged, filtered job list, and the
// configured sources.
import { GraphQLError, isObjectType, responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../resolvers/context.js';
import type { Warning } from '../src/model/job.js';
import { DEFAULT_PAGE_SIZE, listBackupJobs, type PageSource } from '../resolvers/backup-jobs.js';
import { jobLoader } from '../resolvers/loaders.js';
import { badUserInput } from '../src/model/errors.js';
import { BackupJob, loadByGlobalId } from './backup-job.js';
import { builder } from './builder.js';
import { BackupJobFilter, kindConditions } from './filter.js';
import { BackupSource } from './sources.js';

const BackupJobPageSource = builder.objectRef<PageSource>('BackupJobPageSource').implement({
  description:
    'How one selected source took part in a page of `backupJobs`: whether its jobs are in it, and how old they are. A client paging through every job reads this to know what a page lacks.',
  fields: (t) => ({
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The configured source.' }),
    complete: t.exposeBoolean('complete', {
      nullable: false,
      description:
        "Whether the page holds this source's jobs. When false the source could not be read (see `errorCode`), or the page reaches further back than the source has been read yet (see `completeAfter`); `endCursor` then stays behind the source's unread jobs, so following it still delivers each of them exactly once, on a later page. To keep the pages in strict newest-first order instead, ask for the same page again later.",
    }),
    completeAfter: t.expose('completeAfter', {
      type: 'DateTime',
      description:
        "Null once the gateway holds every job of the source. While a large source's first read fills in its older jobs, newest first, in the background: every job created after this time is in, and older ones follow on later pages as they are read (`totalCount` is null until then).",
    }),
    stale: t.exposeBoolean('stale', {
      nullable: false,
      description:
        "Whether the source's jobs are older than its `maxStalenessMs`: a refresh failed or was refused, and the gateway served the last good answer (at most `staleIfErrorMs` old) rather than none.",
    }),
    fetchedAt: t.expose('fetchedAt', {
      type: 'DateTime',
      description: "When the gateway fetched this source's jobs from the upstream; null when the page has none. New and settled jobs are as of this time; the progress of a job still running may be older where the source reads its running jobs a page per refresh (see `AwsBackupJob.percentDone`).",
    }),
    errorCode: t.exposeString('errorCode', {
      description:
        'Why the part is missing or stale: the code an error of that source would carry in `extensions.code` (such as `UPSTREAM_TIMEOUT` or `RATE_LIMITED`). Null when the source was read without trouble.',
    }),
    skippedRecords: t.exposeInt('skippedRecords', {
      nullable: false,
      description:
        "Records of this source's list the gateway left out because a member had the wrong type (the rest of the list is served, and each left-out record is logged once with its id). 0 when none was, or when the part is missing. It counts this gateway process's last read of the source.",
    }),
  }),
});

const BackupJobConnection = builder.connectionObject(
  {
    type: BackupJob,
    name: 'BackupJobConnection',
    description: 'A page of backup jobs from every selected source, newest first.',
    fields: (t) => ({
      totalCount: t.int({
        description:
          'How many jobs match the filter in all, over every page, counted in the same read of each source as the page. Null when a selected source could not be read (a count without it would be too low).',
        resolve: (connection) => connection.totalCount,
      }),
      sources: t.field({
        type: [BackupJobPageSource],
        nullable: false,
        description: 'Each source the filter selected, and how it took part in this page.',
        resolve: (connection) => connection.sources,
      }),
    }),
  },
  { name: 'BackupJobEdge', description: 'One backup job in a page, with its cursor.' },
);

builder.queryType({
  description: 'Backup jobs from AWS Backup and SailPoint Configuration Hub, read through one graph.',
});

builder.queryFields((t) => ({
  backupJob: t.field({
    type: BackupJob,
    description: 'One backup job by its global id, from whichever source issued it. Null when the job no longer exists.',
    args: {
      id: t.arg.globalID({ required: true, description: 'The global `id` of a backup job.' }),
    },
    // The job's own type must be the one its id names: an id of one type never finds a job of another.
    resolve: async (_root, { id }, context, info) => {
      const job = await jobLoader(context).load(id.id);
      const type = info.schema.getType(id.typename);
      return job && isObjectType(type) && type.isTypeOf?.(job, context, info) === true ? job : null;
    },
  }),
  nodes: t.field({
    type: [builder.nodeInterfaceRef()],
    nullable: { list: false, items: true },
    description:
      'Fetches several objects by global id in one call, batched per source. Each slot stands alone: null for an object that no longer exists, and null with its own error (its index in `path`) for an id that is malformed or whose lookup failed. At most as many ids as one page of `backupJobs` holds.',
    args: { ids: t.arg.idList({ required: true, description: 'Global ids issued by this gateway.' }) },
    resolve: (_root, { ids }, context) => {
      if (ids.length > context.limits.maxPageSize) {
        throw badUserInput(`"ids" may hold at most ${context.limits.maxPageSize} ids, got ${ids.length}`);
      }
      // One promise per slot: a rejected one nulls that slot alone, with its error.
      return ids.map((id) => loadByGlobalId(String(id), context));
    },
  }),
  backupJobs: t.field({
    type: BackupJobConnection,
    nullable: false,
    description:
      "Backup jobs of every configured source, newest first, read from each source's shared read model (no upstream call while it is fresh). Following `endCursor` from the first page until `hasNextPage` is false delivers every job that existed when the traversal started exactly once, even when some pages lack a source: `sources` says which, and `errors` names each missing source (`extensions.code`, `extensions.sourceName`).",
    args: {
      first: t.arg.int({
        defaultValue: DEFAULT_PAGE_SIZE,
        description: 'How many jobs to return: 1 to the configured maximum page size (100 unless configured otherwise).',
      }),
      after: t.arg.string({ description: 'Continue behind this cursor (a previous page `endCursor`).' }),
      filter: t.arg({ type: BackupJobFilter, description: 'Conditions every returned job meets.' }),
    },
    resolve: (_root, args, context, info) => {
      const { reportPartialError, warn } = fieldReporters(context, info);
      return listBackupJobs(context, args, kindConditions, reportPartialError, warn);
    },
  }),
}));

/**
 * How a root field over many sources reports, at its own path: a source's error beside the data
 * that did arrive (the response's `errors`), and a note on its input (`extensions.warnings`).
 */
export function fieldReporters(context: GatewayContext, info: GraphQLResolveInfo): { reportPartialError: (error: Error) => void; warn: (warning: Warning) => void } {
  const path = responsePathAsArray(info.path);
  return {
    reportPartialError: (error) => {
      context.partialErrors.push(new GraphQLError(error.message, { path, extensions: error instanceof GraphQLError ? error.extensions : {} }));
    },
    warn: (warning) => context.warnings.push({ ...warning, path }),
  };
}

builder.queryField('backupSources', (t) =>
  t.field({
    type: [BackupSource],
    nullable: false,
    description: 'Every configured source, in configuration order.',
    resolve: (_root, _args, context) => context.sources.all,
  }),
);
