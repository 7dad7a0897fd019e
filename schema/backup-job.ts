// What every backup job has, whichever upstream it came from: the BackupJob interface and its enums.
import type { AwsBackupJobModel } from '../resolvers/mappers/aws.js';
import { BACKUP_JOB_PHASES, type BackupJobPhase as Phase } from '../resolvers/mappers/phase.js';
import { ErrorCode } from '../src/errors.js';
import { builder } from './builder.js';
import { GraphQLError } from 'graphql';

export type BackupJobModel = AwsBackupJobModel;

export const BackupSource = builder.enumType('BackupSource', {
  description: 'The kind of upstream system a backup job comes from.',
  values: {
    AWS_BACKUP: { description: 'AWS Backup: jobs that back up AWS resources (EBS, RDS, EFS, DynamoDB, S3, ...) into backup vaults.' },
  },
});

const PHASE_DESCRIPTIONS: Record<Phase, string> = {
  QUEUED: 'Accepted but not started yet. AWS: CREATED, PENDING.',
  RUNNING: 'Copying data now. AWS: RUNNING.',
  CANCELLING: 'A stop was requested and the job is winding down. AWS: ABORTING.',
  CANCELLED: 'Stopped before it finished; no usable backup. AWS: ABORTED.',
  COMPLETED: 'Finished and the backup is usable. AWS: COMPLETED with message category SUCCESS (or none).',
  COMPLETED_WITH_ISSUES:
    'Finished, but the upstream reported a problem worth a look; the AWS console shows this as "Completed with issues". AWS: COMPLETED with any other message category.',
  PARTIAL: 'Finished with only part of the data backed up. AWS: PARTIAL.',
  FAILED: 'Ended without a backup. AWS: FAILED.',
  EXPIRED: 'Did not start within its start window, or its backup has since expired. AWS: EXPIRED.',
};

export const BackupJobPhase = builder.enumType('BackupJobPhase', {
  description:
    'Where a backup job is in its life, the same vocabulary for every source. Each value names the upstream states it stands for; the README has the full table.',
  values: Object.fromEntries(BACKUP_JOB_PHASES.map((phase) => [phase, { description: PHASE_DESCRIPTIONS[phase] }])) as Record<
    Phase,
    { description: string }
  >,
});

export const BackupJob = builder.interfaceRef<BackupJobModel>('BackupJob').implement({
  description:
    'One run of a backup, from any configured source. Query the source-specific fields with a fragment on `AwsBackupJob`.',
  interfaces: [builder.nodeInterfaceRef()],
  resolveType: (job) => (job.source === 'AWS_BACKUP' ? 'AwsBackupJob' : null),
  fields: (t) => ({
    source: t.field({
      type: BackupSource,
      nullable: false,
      description: 'The kind of upstream this job comes from.',
      resolve: (job) => job.source,
    }),
    sourceName: t.exposeString('sourceName', {
      nullable: false,
      description: 'The name of the configured source (from the gateway configuration) that reported this job.',
    }),
    displayName: t.exposeString('displayName', {
      description: 'A short human-readable label: for AWS, the resource name, else the last part of its ARN.',
    }),
    phase: t.field({
      type: BackupJobPhase,
      nullable: false,
      description: 'Where the job is in its life, mapped from the upstream state (see `BackupJobPhase`).',
      resolve: (job) => {
        if (job.phase === null) {
          throw new GraphQLError(`Job "${job.displayName}" has an upstream state this gateway does not know yet`, {
            extensions: { code: ErrorCode.UPSTREAM_BAD_RESPONSE, sourceName: job.sourceName },
          });
        }
        return job.phase;
      },
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the upstream created the job.',
    }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      description: 'When the job finished; null while it is still queued or running.',
    }),
  }),
});
