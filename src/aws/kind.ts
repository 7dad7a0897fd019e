// AWS Backup as a kind of source: what the registry (src/sources.ts) lists of it.
import type { SourceKindModule } from '../source-kind.js';
import { awsSourceSchema, expandAwsEntry, type AwsSourceConfig } from './config.js';
import { AwsBackupSource } from './source.js';

export const awsBackup: SourceKindModule<'AWS_BACKUP', typeof awsSourceSchema, AwsSourceConfig, AwsBackupSource> = {
  kind: 'AWS_BACKUP',
  description: 'AWS Backup: jobs that back up AWS resources (EBS, RDS, EFS, DynamoDB, S3, ...) into backup vaults.',
  configKind: awsSourceSchema.shape.kind.value,
  config: awsSourceSchema,
  expand: expandAwsEntry,
  create: (config, state) => new AwsBackupSource(config, state),
};
