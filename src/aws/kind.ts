// AWS Backup as a kind of source: what the registry (src/sources.ts) lists of it.
import type { WatchedField } from '../model/changes.js';
import type { SourceKindModule } from '../source-kind.js';
import { awsSourceSchema, expandAwsEntry, type AwsSourceConfig } from './config.js';
import type { AwsBackupJobModel } from './mapper.js';
import { AwsBackupSource } from './source.js';

/** What a running AWS job reports as it goes. */
const watched: readonly (WatchedField & { field: keyof AwsBackupJobModel })[] = [
  { change: 'PERCENT_DONE', field: 'percentDone', description: 'An AWS job reported another `percentDone`.' },
  { change: 'BYTES_TRANSFERRED', field: 'bytesTransferred', description: 'An AWS job reported another `bytesTransferred`.' },
  { change: 'BACKUP_SIZE', field: 'backupSizeInBytes', description: 'An AWS job reported another `backupSizeInBytes`.' },
  { change: 'STATUS_MESSAGE', field: 'statusMessage', description: 'An AWS job reported another `statusMessage`.' },
];

export const awsBackup: SourceKindModule<'AWS_BACKUP', typeof awsSourceSchema, AwsSourceConfig, AwsBackupSource> = {
  kind: 'AWS_BACKUP',
  description: 'AWS Backup: jobs that back up AWS resources (EBS, RDS, EFS, DynamoDB, S3, ...) into backup vaults.',
  configKind: awsSourceSchema.shape.kind.value,
  config: awsSourceSchema,
  expand: expandAwsEntry,
  watched,
  create: (config, state) => new AwsBackupSource(config, state),
};
