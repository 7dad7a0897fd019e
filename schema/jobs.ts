// Root fields that span every source: one job by global id, and the merged, filtered job list.
import { GraphQLError, responsePathAsArray } from 'graphql';
import { DEFAULT_PAGE_SIZE, listBackupJobs } from '../resolvers/backup-jobs.js';
import type { AwsBackupJobModel } from '../resolvers/mappers/aws.js';
import type { SailPointBackupJobModel } from '../resolvers/mappers/sailpoint.js';
import { AwsBackupJob, primeAwsJobs } from './aws.js';
import { primeSailPointJobs, SailPointBackupJob } from './sailpoint.js';
import { BackupJob, BackupJobPhase, BackupSource } from './backup-job.js';
import { builder } from './builder.js';

const BackupJobConnection = builder.connectionObject(
  {
    type: BackupJob,
    name: 'BackupJobConnection',
    description: 'A page of backup jobs from every selected source, newest first.',
    fields: (t) => ({
      totalCount: t.int({
        description:
          'How many jobs match the filter in all, over every page. Null when an AWS Backup source is selected: AWS has no filtered count short of listing every job. SailPoint-only selections are counted.',
        resolve: (connection) => connection.totalCount,
      }),
    }),
  },
  { name: 'BackupJobEdge', description: 'One backup job in a page, with its cursor.' },
);

const BackupJobFilter = builder.inputType('BackupJobFilter', {
  description:
    'Narrows `backupJobs`. Every condition must hold. Conditions an upstream understands are sent to it; the gateway applies the rest, which can make a page shorter than `first`.',
  fields: (t) => ({
    sources: t.field({
      type: [BackupSource],
      required: false,
      description: 'Only jobs from these kinds of source.',
    }),
    sourceNames: t.stringList({
      required: false,
      description: 'Only jobs from these configured sources (see `backupSources`). An unknown name is an error.',
    }),
    phases: t.field({
      type: [BackupJobPhase],
      required: false,
      description: 'Only jobs in one of these phases. A set that maps to one AWS state is sent to AWS as its state filter.',
    }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Only jobs created after this instant.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Only jobs created before this instant.' }),
    resourceType: t.string({
      required: false,
      description: 'AWS only: only jobs for this resource type, such as `EBS` or `DynamoDB`.',
    }),
    backupVaultName: t.string({ required: false, description: 'AWS only: only jobs storing into this vault.' }),
    accountId: t.string({ required: false, description: 'AWS only: only jobs of this 12-digit account.' }),
  }),
});

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
    resolve: (_root, { id }, context) =>
      id.typename === 'AwsBackupJob'
        ? AwsBackupJob.getDataloader(context).load(id.id)
        : SailPointBackupJob.getDataloader(context).load(id.id),
  }),
  backupJobs: t.field({
    type: BackupJobConnection,
    nullable: false,
    description:
      'Backup jobs of every configured source, newest first. Each page costs at most one list call per source, fetched in parallel. When a source fails, its jobs are missing from the page and `errors` names it (`extensions.code`, `extensions.sourceName`).',
    args: {
      first: t.arg.int({
        defaultValue: DEFAULT_PAGE_SIZE,
        description: 'How many jobs to return: 1 to the configured maximum page size (100 unless configured otherwise).',
      }),
      after: t.arg.string({ description: 'Continue behind this cursor (a previous page `endCursor`).' }),
      filter: t.arg({ type: BackupJobFilter, description: 'Conditions every returned job meets.' }),
    },
    resolve: async (_root, args, context, info) => {
      const connection = await listBackupJobs(context, args, (error) => {
        context.partialErrors.push(
          new GraphQLError(error.message, {
            path: responsePathAsArray(info.path),
            extensions: error instanceof GraphQLError ? error.extensions : {},
          }),
        );
      });
      const nodes = connection.edges.map((edge) => edge.node);
      primeAwsJobs(context, nodes.filter((job): job is AwsBackupJobModel => job.source === 'AWS_BACKUP'));
      primeSailPointJobs(context, nodes.filter((job): job is SailPointBackupJobModel => job.source === 'SAILPOINT'));
      return connection;
    },
  }),
}));
