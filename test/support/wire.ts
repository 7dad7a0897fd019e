// Independent readings of the sandbox's raw wire records, written apart from the gateway's mappers
// so that a mapper bug cannot hide behind the same bug in the expectation.
import { BackupJobState } from '@aws-sdk/client-backup';

/** A wire timestamp (epoch seconds, maybe fractional) as the ISO string the gateway must send. */
export function isoFromEpochSeconds(value: unknown): string | null {
  return typeof value === 'number' ? new Date(Math.round(value * 1000)).toISOString() : null;
}

/** The AwsBackupJob fields the gateway must return for a raw DescribeBackupJob record. */
export function expectedAwsJob(record: Record<string, any>, region: string): Record<string, unknown> {
  const lifecycle = record.RecoveryPointLifecycle;
  const createdBy = record.CreatedBy;
  return {
    region,
    accountId: record.AccountId ?? null,
    backupJobId: record.BackupJobId,
    backupVaultName: record.BackupVaultName ?? null,
    backupVaultArn: record.BackupVaultArn ?? null,
    vaultType: record.VaultType ?? null,
    vaultLockState: record.VaultLockState ?? null,
    recoveryPointArn: record.RecoveryPointArn ?? null,
    recoveryPointLifecycle: lifecycle
      ? {
          moveToColdStorageAfterDays: lifecycle.MoveToColdStorageAfterDays ?? null,
          deleteAfterDays: lifecycle.DeleteAfterDays ?? null,
          optInToArchiveForSupportedResources: lifecycle.OptInToArchiveForSupportedResources ?? null,
          deleteAfterEvent: lifecycle.DeleteAfterEvent ?? null,
        }
      : null,
    encryptionKeyArn: record.EncryptionKeyArn ?? null,
    isEncrypted: record.IsEncrypted ?? null,
    resourceArn: record.ResourceArn ?? null,
    resourceName: record.ResourceName ?? null,
    resourceType: record.ResourceType ?? null,
    creationDate: isoFromEpochSeconds(record.CreationDate),
    completionDate: isoFromEpochSeconds(record.CompletionDate),
    expectedCompletionDate: isoFromEpochSeconds(record.ExpectedCompletionDate),
    startBy: isoFromEpochSeconds(record.StartBy),
    initiationDate: isoFromEpochSeconds(record.InitiationDate),
    state: record.State,
    stateRaw: record.State,
    statusMessage: record.StatusMessage ?? null,
    messageCategory: record.MessageCategory ?? null,
    percentDone: record.PercentDone ?? null,
    backupSizeInBytes: record.BackupSizeInBytes ?? null,
    bytesTransferred: record.BytesTransferred ?? null,
    iamRoleArn: record.IamRoleArn ?? null,
    createdBy: createdBy
      ? {
          backupPlanId: createdBy.BackupPlanId ?? null,
          backupPlanArn: createdBy.BackupPlanArn ?? null,
          backupPlanName: createdBy.BackupPlanName ?? null,
          backupPlanVersion: createdBy.BackupPlanVersion ?? null,
          backupRuleId: createdBy.BackupRuleId ?? null,
          backupRuleName: createdBy.BackupRuleName ?? null,
          backupRuleCron: createdBy.BackupRuleCron ?? null,
          backupRuleTimezone: createdBy.BackupRuleTimezone ?? null,
        }
      : null,
    backupOptions: record.BackupOptions
      ? Object.entries(record.BackupOptions).map(([key, value]) => ({ key, value }))
      : null,
    backupType: record.BackupType ?? null,
    parentJobId: record.ParentJobId ?? null,
    isParent: record.IsParent ?? null,
    numberOfChildJobs: record.NumberOfChildJobs ?? null,
    // AWS sends a map, whose order means nothing; the graph lists the states in the SDK's order.
    childJobsInState: record.ChildJobsInState
      ? Object.values(BackupJobState)
          .filter((state) => record.ChildJobsInState[state] !== undefined)
          .map((state) => ({ state, count: record.ChildJobsInState[state] }))
      : null,
  };
}

/** The phase table of the README, written out again as the test's own reading of it. */
export function expectedPhase(record: Record<string, any>): string {
  switch (record.State) {
    case 'CREATED':
    case 'PENDING':
      return 'QUEUED';
    case 'ABORTING':
      return 'CANCELLING';
    case 'ABORTED':
      return 'CANCELLED';
    case 'COMPLETED':
      return record.MessageCategory === undefined || record.MessageCategory === 'SUCCESS' ? 'COMPLETED' : 'COMPLETED_WITH_ISSUES';
    default:
      return record.State;
  }
}

/** Every AwsBackupJob scalar and nested field, as one selection. */
export const AWS_JOB_FIELDS = `
  id sourceKind sourceName displayName phase createdAt completedAt
  ... on AwsBackupJob {
    region accountId backupJobId backupVaultName backupVaultArn vaultType vaultLockState
    recoveryPointArn
    recoveryPointLifecycle { moveToColdStorageAfterDays deleteAfterDays optInToArchiveForSupportedResources deleteAfterEvent }
    encryptionKeyArn isEncrypted resourceArn resourceName resourceType
    creationDate completionDate expectedCompletionDate startBy initiationDate
    state stateRaw statusMessage messageCategory percentDone backupSizeInBytes bytesTransferred iamRoleArn
    createdBy { backupPlanId backupPlanArn backupPlanName backupPlanVersion backupRuleId backupRuleName backupRuleCron backupRuleTimezone }
    backupOptions { key value }
    backupType parentJobId isParent numberOfChildJobs
    childJobsInState { state count }
  }
`;

/** The SailPoint phase table of the README, written out again as the test's own reading of it. */
export function expectedSailPointPhase(record: Record<string, any>): string {
  switch (record.status) {
    case 'NOT_STARTED':
      return 'QUEUED';
    case 'IN_PROGRESS':
      return 'RUNNING';
    case 'COMPLETE':
      // Whatever fileExists says: it tells whether the file is still there, not how the job went.
      return record.cloudStorageStatus === 'SYNC_FAILED' ? 'COMPLETED_WITH_ISSUES' : 'COMPLETED';
    case 'CANCELLED':
    case 'FAILED':
      return record.status;
    default:
      // A status added upstream later.
      return 'UNKNOWN';
  }
}

export interface RawJob {
  kind: 'aws' | 'sailpoint';
  sourceName: string;
  /** Upstream job id. */
  jobId: string;
  /** Source-unique id, the gateway's tie-breaker: `<sourceName>:<jobId>` or `<sourceName>:<collection>:<jobId>`. */
  key: string;
  createdAt: string;
  phase: string;
  record: Record<string, any>;
}

/** Every job the default sandbox sources see: both AWS regions (all accounts) and both SailPoint collections of each tenant. */
export function rawJobs(sandbox: {
  aws: { store: { jobs(): readonly { region: string; record: Record<string, unknown> }[] } };
  sailPoint: {
    tenants: readonly { name: string }[];
    store: { backups(tenant: string): readonly Record<string, unknown>[]; uploads(tenant: string): readonly Record<string, unknown>[] };
  };
}): RawJob[] {
  const aws = sandbox.aws.store.jobs().map(({ region, record }): RawJob => {
    const sourceName = `aws-${region}`;
    return {
      kind: 'aws',
      sourceName,
      jobId: record.BackupJobId as string,
      key: `${sourceName}:${record.BackupJobId}`,
      createdAt: isoFromEpochSeconds(record.CreationDate)!,
      phase: expectedPhase(record),
      record,
    };
  });
  const sailPoint = sandbox.sailPoint.tenants.flatMap(({ name }) => {
    const sourceName = `sailpoint-${name}`;
    const collections = [
      ['backup', sandbox.sailPoint.store.backups(name)],
      ['upload', sandbox.sailPoint.store.uploads(name)],
    ] as const;
    return collections.flatMap(([collection, records]) =>
      records.map(
        (record): RawJob => ({
          kind: 'sailpoint',
          sourceName,
          jobId: record.jobId as string,
          key: `${sourceName}:${collection}:${record.jobId}`,
          createdAt: new Date(record.created as string).toISOString(),
          phase: expectedSailPointPhase(record),
          record,
        }),
      ),
    );
  });
  return [...aws, ...sailPoint];
}

/** The gateway's merged order: newest first, then source name, then the source-unique key. */
export function newestFirst(a: RawJob, b: RawJob): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  if (a.sourceName !== b.sourceName) return a.sourceName < b.sourceName ? -1 : 1;
  return a.key < b.key ? -1 : 1;
}
