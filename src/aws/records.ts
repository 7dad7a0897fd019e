// The records an AWS Backup job points at (its recovery point, backup plan and vault): their keys,
// pure mappers from the SDK's answers, and how long each may be cached.
import type { DescribeBackupVaultOutput, DescribeRecoveryPointOutput, GetBackupPlanOutput } from '@aws-sdk/client-backup';
import { keyValuePairs, mapCreator, mapLifecycle, type AwsRecoveryPointCreator, type AwsRecoveryPointLifecycle, type KeyValuePair } from './mapper.js';

/** Which record a key names, and the source (and for vaults and recovery points the account) that reads it. */
export type AwsRecordRef =
  | { record: 'recoveryPoint'; sourceName: string; accountId: string | null; backupVaultName: string; recoveryPointArn: string }
  | { record: 'plan'; sourceName: string; backupPlanId: string; versionId: string | null }
  | { record: 'vault'; sourceName: string; accountId: string | null; backupVaultName: string };

/** The loader key of a record: its reference as JSON, members in a fixed order so that equal references share a key. */
export function awsRecordKey(ref: AwsRecordRef): string {
  switch (ref.record) {
    case 'recoveryPoint':
      return JSON.stringify([ref.record, ref.sourceName, ref.accountId, ref.backupVaultName, ref.recoveryPointArn]);
    case 'plan':
      return JSON.stringify([ref.record, ref.sourceName, ref.backupPlanId, ref.versionId]);
    case 'vault':
      return JSON.stringify([ref.record, ref.sourceName, ref.accountId, ref.backupVaultName]);
  }
}

/** The reference a key of awsRecordKey's holds. */
export function awsRecordRef(key: string): AwsRecordRef {
  const [record, sourceName, ...rest] = JSON.parse(key) as [AwsRecordRef['record'], string, ...(string | null)[]];
  switch (record) {
    case 'recoveryPoint':
      return { record, sourceName, accountId: rest[0] ?? null, backupVaultName: rest[1]!, recoveryPointArn: rest[2]! };
    case 'plan':
      return { record, sourceName, backupPlanId: rest[0]!, versionId: rest[1] ?? null };
    case 'vault':
      return { record, sourceName, accountId: rest[0] ?? null, backupVaultName: rest[1]! };
  }
}

/** What every record carries besides its own members: the source that read it. */
interface AwsRecordOrigin {
  sourceName: string;
  region: string;
}

export interface AwsCalculatedLifecycle {
  moveToColdStorageAt: Date | null;
  deleteAt: Date | null;
}

export interface AwsRecoveryPointModel extends AwsRecordOrigin {
  record: 'recoveryPoint';
  /** The account of the vault that holds it, as the job that made it names it. */
  accountId: string | null;
  recoveryPointArn: string;
  backupVaultName: string;
  backupVaultArn: string | null;
  sourceBackupVaultArn: string | null;
  resourceArn: string | null;
  resourceType: string | null;
  resourceName: string | null;
  createdBy: AwsRecoveryPointCreator | null;
  iamRoleArn: string | null;
  status: string | null;
  statusMessage: string | null;
  creationDate: Date | null;
  initiationDate: Date | null;
  completionDate: Date | null;
  backupSizeInBytes: number | null;
  calculatedLifecycle: AwsCalculatedLifecycle | null;
  lifecycle: AwsRecoveryPointLifecycle | null;
  encryptionKeyArn: string | null;
  encryptionKeyType: string | null;
  isEncrypted: boolean | null;
  storageClass: string | null;
  lastRestoreTime: Date | null;
  parentRecoveryPointArn: string | null;
  compositeMemberIdentifier: string | null;
  isParent: boolean | null;
  vaultType: string | null;
  indexStatus: string | null;
  indexStatusMessage: string | null;
}

export interface AwsCopyActionModel {
  destinationBackupVaultArn: string | null;
  lifecycle: AwsRecoveryPointLifecycle | null;
}

export interface AwsBackupRuleModel {
  ruleName: string | null;
  ruleId: string | null;
  targetBackupVaultName: string | null;
  targetLogicallyAirGappedBackupVaultArn: string | null;
  scheduleExpression: string | null;
  scheduleExpressionTimezone: string | null;
  startWindowMinutes: number | null;
  completionWindowMinutes: number | null;
  lifecycle: AwsRecoveryPointLifecycle | null;
  recoveryPointTags: readonly KeyValuePair[] | null;
  copyActions: AwsCopyActionModel[];
  enableContinuousBackup: boolean | null;
}

export interface AwsAdvancedBackupSettingModel {
  resourceType: string | null;
  backupOptions: readonly KeyValuePair[] | null;
}

export interface AwsBackupPlanModel extends AwsRecordOrigin {
  record: 'plan';
  backupPlanId: string;
  backupPlanArn: string | null;
  versionId: string | null;
  backupPlanName: string | null;
  rules: AwsBackupRuleModel[];
  advancedBackupSettings: AwsAdvancedBackupSettingModel[];
  creatorRequestId: string | null;
  creationDate: Date | null;
  deletionDate: Date | null;
  lastExecutionDate: Date | null;
}

export interface AwsBackupVaultModel extends AwsRecordOrigin {
  record: 'vault';
  accountId: string | null;
  backupVaultName: string;
  backupVaultArn: string | null;
  vaultType: string | null;
  vaultState: string | null;
  encryptionKeyArn: string | null;
  encryptionKeyType: string | null;
  creationDate: Date | null;
  creatorRequestId: string | null;
  numberOfRecoveryPoints: number | null;
  locked: boolean | null;
  minRetentionDays: number | null;
  maxRetentionDays: number | null;
  lockDate: Date | null;
  sourceBackupVaultArn: string | null;
  mpaApprovalTeamArn: string | null;
  mpaSessionArn: string | null;
}

export type AwsRecordModel = AwsRecoveryPointModel | AwsBackupPlanModel | AwsBackupVaultModel;

export function mapRecoveryPoint(
  output: DescribeRecoveryPointOutput,
  origin: AwsRecordOrigin,
  ref: Extract<AwsRecordRef, { record: 'recoveryPoint' }>,
): AwsRecoveryPointModel {
  const calculated = output.CalculatedLifecycle;
  return {
    record: 'recoveryPoint',
    ...origin,
    accountId: ref.accountId,
    recoveryPointArn: output.RecoveryPointArn ?? ref.recoveryPointArn,
    backupVaultName: output.BackupVaultName ?? ref.backupVaultName,
    backupVaultArn: output.BackupVaultArn ?? null,
    sourceBackupVaultArn: output.SourceBackupVaultArn ?? null,
    resourceArn: output.ResourceArn ?? null,
    resourceType: output.ResourceType ?? null,
    resourceName: output.ResourceName ?? null,
    createdBy: mapCreator(output.CreatedBy),
    iamRoleArn: output.IamRoleArn ?? null,
    status: output.Status ?? null,
    statusMessage: output.StatusMessage ?? null,
    creationDate: output.CreationDate ?? null,
    initiationDate: output.InitiationDate ?? null,
    completionDate: output.CompletionDate ?? null,
    backupSizeInBytes: output.BackupSizeInBytes ?? null,
    calculatedLifecycle: calculated ? { moveToColdStorageAt: calculated.MoveToColdStorageAt ?? null, deleteAt: calculated.DeleteAt ?? null } : null,
    lifecycle: mapLifecycle(output.Lifecycle),
    encryptionKeyArn: output.EncryptionKeyArn ?? null,
    encryptionKeyType: output.EncryptionKeyType ?? null,
    isEncrypted: output.IsEncrypted ?? null,
    storageClass: output.StorageClass ?? null,
    lastRestoreTime: output.LastRestoreTime ?? null,
    parentRecoveryPointArn: output.ParentRecoveryPointArn ?? null,
    compositeMemberIdentifier: output.CompositeMemberIdentifier ?? null,
    isParent: output.IsParent ?? null,
    vaultType: output.VaultType ?? null,
    indexStatus: output.IndexStatus ?? null,
    indexStatusMessage: output.IndexStatusMessage ?? null,
  };
}

export function mapBackupPlan(output: GetBackupPlanOutput, origin: AwsRecordOrigin, ref: Extract<AwsRecordRef, { record: 'plan' }>): AwsBackupPlanModel {
  const settings = (output.AdvancedBackupSettings ?? output.BackupPlan?.AdvancedBackupSettings ?? []).map((setting) => ({
    resourceType: setting.ResourceType ?? null,
    backupOptions: keyValuePairs(setting.BackupOptions),
  }));
  return {
    record: 'plan',
    ...origin,
    backupPlanId: output.BackupPlanId ?? ref.backupPlanId,
    backupPlanArn: output.BackupPlanArn ?? null,
    versionId: output.VersionId ?? ref.versionId,
    backupPlanName: output.BackupPlan?.BackupPlanName ?? null,
    rules: (output.BackupPlan?.Rules ?? []).map((rule) => ({
      ruleName: rule.RuleName ?? null,
      ruleId: rule.RuleId ?? null,
      targetBackupVaultName: rule.TargetBackupVaultName ?? null,
      targetLogicallyAirGappedBackupVaultArn: rule.TargetLogicallyAirGappedBackupVaultArn ?? null,
      scheduleExpression: rule.ScheduleExpression ?? null,
      scheduleExpressionTimezone: rule.ScheduleExpressionTimezone ?? null,
      startWindowMinutes: rule.StartWindowMinutes ?? null,
      completionWindowMinutes: rule.CompletionWindowMinutes ?? null,
      lifecycle: mapLifecycle(rule.Lifecycle),
      recoveryPointTags: keyValuePairs(rule.RecoveryPointTags),
      copyActions: (rule.CopyActions ?? []).map((copy) => ({ destinationBackupVaultArn: copy.DestinationBackupVaultArn ?? null, lifecycle: mapLifecycle(copy.Lifecycle) })),
      enableContinuousBackup: rule.EnableContinuousBackup ?? null,
    })),
    advancedBackupSettings: settings,
    creatorRequestId: output.CreatorRequestId ?? null,
    creationDate: output.CreationDate ?? null,
    deletionDate: output.DeletionDate ?? null,
    lastExecutionDate: output.LastExecutionDate ?? null,
  };
}

export function mapBackupVault(
  output: DescribeBackupVaultOutput,
  origin: AwsRecordOrigin,
  ref: Extract<AwsRecordRef, { record: 'vault' }>,
): AwsBackupVaultModel {
  return {
    record: 'vault',
    ...origin,
    accountId: ref.accountId,
    backupVaultName: output.BackupVaultName ?? ref.backupVaultName,
    backupVaultArn: output.BackupVaultArn ?? null,
    vaultType: output.VaultType ?? null,
    vaultState: output.VaultState ?? null,
    encryptionKeyArn: output.EncryptionKeyArn ?? null,
    encryptionKeyType: output.EncryptionKeyType ?? null,
    creationDate: output.CreationDate ?? null,
    creatorRequestId: output.CreatorRequestId ?? null,
    numberOfRecoveryPoints: output.NumberOfRecoveryPoints ?? null,
    locked: output.Locked ?? null,
    minRetentionDays: output.MinRetentionDays ?? null,
    maxRetentionDays: output.MaxRetentionDays ?? null,
    lockDate: output.LockDate ?? null,
    sourceBackupVaultArn: output.SourceBackupVaultArn ?? null,
    mpaApprovalTeamArn: output.MpaApprovalTeamArn ?? null,
    mpaSessionArn: output.MpaSessionArn ?? null,
  };
}

/** Recovery points in these states change only by their lifecycle's dates (and by a restore, which no field here waits for). */
const SETTLED_RECOVERY_POINT: ReadonlySet<string> = new Set(['COMPLETED', 'PARTIAL', 'AVAILABLE', 'EXPIRED', 'STOPPED']);
/** How long a settled recovery point is cached at most, when no lifecycle date comes sooner. */
export const SETTLED_RECORD_TTL_MS = 60 * 60 * 1000;

/**
 * How long a record read at `now` may be served again. Vaults (whose count of recovery points
 * moves), plans (whose last execution moves), records not found and recovery points still being
 * made: one freshness window. A settled recovery point: until its next lifecycle date (it moves to
 * cold storage, or is deleted), at most SETTLED_RECORD_TTL_MS.
 */
export function awsRecordTtlMs(record: AwsRecordModel | null, freshWindowMs: number, now: number): number {
  if (record?.record !== 'recoveryPoint' || record.status === null || !SETTLED_RECOVERY_POINT.has(record.status)) return freshWindowMs;
  const upcoming = [record.calculatedLifecycle?.moveToColdStorageAt, record.calculatedLifecycle?.deleteAt]
    .map((date) => (date ? date.getTime() - now : Number.POSITIVE_INFINITY))
    .filter((untilThen) => untilThen > 0);
  return Math.max(freshWindowMs, Math.min(SETTLED_RECORD_TTL_MS, ...upcoming));
}
