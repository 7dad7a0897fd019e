// Pure mapping from an AWS Backup job record (as the SDK returns it) to the graph's AwsBackupJob,
// and how AWS states map onto the source-neutral phases.
import { BackupJobState, type BackupJob, type DescribeBackupJobOutput, type Lifecycle, type RecoveryPointCreator } from '@aws-sdk/client-backup';
import { shared, sharedRecord } from '../model/intern.js';
import { jobKey, localIdOf, type BackupJobModel } from '../model/job.js';
import type { BackupJobPhase } from '../model/phase.js';

export type AwsBackupJobState = BackupJobState;

/** AWS states by phase; COMPLETED splits on the message category, as the AWS console does. */
const AWS_STATE_PHASE: Record<AwsBackupJobState, BackupJobPhase> = {
  CREATED: 'QUEUED',
  PENDING: 'QUEUED',
  RUNNING: 'RUNNING',
  ABORTING: 'CANCELLING',
  ABORTED: 'CANCELLED',
  COMPLETED: 'COMPLETED',
  FAILED: 'FAILED',
  EXPIRED: 'EXPIRED',
  PARTIAL: 'PARTIAL',
};

/** The nine AWS states, in the SDK's order of its own enum. */
export const AWS_BACKUP_JOB_STATES = Object.values(BackupJobState);

export function isAwsBackupJobState(value: unknown): value is AwsBackupJobState {
  return typeof value === 'string' && Object.hasOwn(AWS_STATE_PHASE, value);
}

/**
 * The phase of an AWS job. A COMPLETED job whose message category is anything but SUCCESS is
 * COMPLETED_WITH_ISSUES; a missing category counts as SUCCESS. A state this gateway does not know
 * yet (AWS adds states) is UNKNOWN, never an error, so one new value cannot blank a page.
 */
export function awsPhase(state: string | undefined, messageCategory: string | undefined): BackupJobPhase {
  if (!isAwsBackupJobState(state)) return 'UNKNOWN';
  if (state === 'COMPLETED' && messageCategory !== undefined && messageCategory !== 'SUCCESS') {
    return 'COMPLETED_WITH_ISSUES';
  }
  return AWS_STATE_PHASE[state];
}

export interface KeyValuePair {
  key: string;
  value: string;
}

export interface ChildJobStateCount {
  state: AwsBackupJobState;
  count: number;
}

export interface AwsRecoveryPointCreator {
  backupPlanId: string | null;
  backupPlanArn: string | null;
  backupPlanName: string | null;
  backupPlanVersion: string | null;
  backupRuleId: string | null;
  backupRuleName: string | null;
  backupRuleCron: string | null;
  backupRuleTimezone: string | null;
}

export interface AwsRecoveryPointLifecycle {
  moveToColdStorageAfterDays: number | null;
  deleteAfterDays: number | null;
  optInToArchiveForSupportedResources: boolean | null;
  deleteAfterEvent: string | null;
}

/** The conditions schema/aws.ts adds to the job filter (a type, not an interface: it fits the filter's open record of conditions). */
export type AwsJobConditions = {
  resourceType?: string | null;
  backupVaultName?: string | null;
  accountId?: string | null;
};

export interface AwsBackupJobModel extends BackupJobModel {
  sourceKind: 'AWS_BACKUP';
  sourceName: string;
  region: string;
  /** The loader key and the local part of the global id: `<sourceName>:<backupJobId>`. */
  key: string;
  phase: BackupJobPhase;
  displayName: string;
  /** AWS's CreationDate (epoch ms, as every time here), which the graph also names `creationDate`. */
  createdAt: number | null;
  /** AWS's CompletionDate, which the graph also names `completionDate`. */
  completedAt: number | null;
  accountId: string | null;
  backupJobId: string;
  backupVaultName: string | null;
  backupVaultArn: string | null;
  vaultType: string | null;
  vaultLockState: string | null;
  recoveryPointArn: string | null;
  recoveryPointLifecycle: AwsRecoveryPointLifecycle | null;
  encryptionKeyArn: string | null;
  isEncrypted: boolean | null;
  resourceArn: string | null;
  resourceName: string | null;
  resourceType: string | null;
  expectedCompletionDate: number | null;
  startBy: number | null;
  initiationDate: number | null;
  state: AwsBackupJobState | null;
  /** The state as AWS sent it, also one this gateway does not know yet. */
  stateRaw: string | null;
  statusMessage: string | null;
  messageCategory: string | null;
  percentDone: string | null;
  backupSizeInBytes: number | null;
  bytesTransferred: number | null;
  iamRoleArn: string | null;
  createdBy: AwsRecoveryPointCreator | null;
  backupOptions: readonly KeyValuePair[] | null;
  backupType: string | null;
  parentJobId: string | null;
  isParent: boolean | null;
  numberOfChildJobs: number | null;
  childJobsInState: ChildJobStateCount[] | null;
  /** Keys of the child jobs listed with a composite job, newest first; null when only DescribeBackupJob was read. */
  childJobKeys: readonly string[] | null;
}

/** The child keys of every listed job that is not composite: one array, not one per job. */
const NO_CHILDREN: readonly string[] = Object.freeze([]);

export interface AwsSourceRef {
  name: string;
  region: string;
}

export function awsJobKey(sourceName: string, backupJobId: string): string {
  return jobKey(sourceName, backupJobId);
}

/**
 * Maps a ListBackupJobs element or a DescribeBackupJob answer. Only the latter carries the
 * child-job members, so `described` says which one this is.
 */
export function mapAwsBackupJob(
  record: BackupJob | DescribeBackupJobOutput,
  source: AwsSourceRef,
  described: boolean,
): AwsBackupJobModel {
  const detail = record as DescribeBackupJobOutput;
  const key = awsJobKey(source.name, record.BackupJobId ?? '');
  const backupJobId = localIdOf(key, source.name);
  return {
    sourceKind: 'AWS_BACKUP',
    sourceName: source.name,
    region: source.region,
    key,
    phase: awsPhase(record.State, record.MessageCategory),
    displayName: shared(record.ResourceName ?? lastArnSegment(record.ResourceArn)) ?? backupJobId,
    createdAt: epochMs(record.CreationDate),
    completedAt: epochMs(record.CompletionDate),
    accountId: shared(record.AccountId),
    backupJobId,
    backupVaultName: shared(record.BackupVaultName),
    backupVaultArn: shared(record.BackupVaultArn),
    vaultType: (shared(record.VaultType) as AwsBackupJobModel['vaultType']) ?? null,
    vaultLockState: shared(record.VaultLockState),
    recoveryPointArn: record.RecoveryPointArn ?? null,
    recoveryPointLifecycle: mapLifecycle(record.RecoveryPointLifecycle),
    encryptionKeyArn: shared(record.EncryptionKeyArn),
    isEncrypted: record.IsEncrypted ?? null,
    resourceArn: shared(record.ResourceArn),
    resourceName: shared(record.ResourceName),
    resourceType: shared(record.ResourceType),
    expectedCompletionDate: epochMs(record.ExpectedCompletionDate),
    startBy: epochMs(record.StartBy),
    initiationDate: epochMs(record.InitiationDate),
    state: isAwsBackupJobState(record.State) ? record.State : null,
    stateRaw: shared(record.State),
    statusMessage: shared(record.StatusMessage),
    messageCategory: shared(record.MessageCategory),
    percentDone: shared(record.PercentDone),
    backupSizeInBytes: record.BackupSizeInBytes ?? null,
    bytesTransferred: record.BytesTransferred ?? null,
    iamRoleArn: shared(record.IamRoleArn),
    createdBy: mapCreator(record.CreatedBy),
    backupOptions: keyValuePairs(record.BackupOptions),
    backupType: shared(record.BackupType),
    parentJobId: record.ParentJobId ?? null,
    isParent: record.IsParent ?? null,
    numberOfChildJobs: described ? (detail.NumberOfChildJobs ?? null) : null,
    childJobsInState:
      described && detail.ChildJobsInState
        ? Object.entries(detail.ChildJobsInState).flatMap(([state, count]) =>
            isAwsBackupJobState(state) && typeof count === 'number' ? [{ state, count }] : [],
          )
        : null,
    // A listed job that is not composite has no children; a composite one gets them from withChildCounts.
    childJobKeys: described ? null : NO_CHILDREN,
  };
}

/** A lifecycle as jobs and recovery points carry it. */
export function mapLifecycle(lifecycle: Lifecycle | undefined): AwsRecoveryPointLifecycle | null {
  if (!lifecycle) return null;
  return sharedRecord({
    moveToColdStorageAfterDays: lifecycle.MoveToColdStorageAfterDays ?? null,
    deleteAfterDays: lifecycle.DeleteAfterDays ?? null,
    optInToArchiveForSupportedResources: lifecycle.OptInToArchiveForSupportedResources ?? null,
    deleteAfterEvent: lifecycle.DeleteAfterEvent ?? null,
  });
}

/** The plan and rule that made a job or a recovery point. */
export function mapCreator(creator: RecoveryPointCreator | undefined): AwsRecoveryPointCreator | null {
  if (!creator) return null;
  return sharedRecord({
    backupPlanId: creator.BackupPlanId ?? null,
    backupPlanArn: creator.BackupPlanArn ?? null,
    backupPlanName: creator.BackupPlanName ?? null,
    backupPlanVersion: creator.BackupPlanVersion ?? null,
    backupRuleId: creator.BackupRuleId ?? null,
    backupRuleName: creator.BackupRuleName ?? null,
    backupRuleCron: creator.BackupRuleCron ?? null,
    backupRuleTimezone: creator.BackupRuleTimezone ?? null,
  });
}

/** A string map AWS sends (options, tags) as name/value pairs. */
export function keyValuePairs(map: Record<string, string> | undefined): readonly KeyValuePair[] | null {
  return map ? sharedRecord(Object.entries(map).map(([key, value]) => ({ key, value }))) : null;
}

/**
 * Completes listed jobs with what only DescribeBackupJob sends: the child-job statistics of each
 * composite job, counted from the children listed with it (children carry their parent's id and
 * live in its account). Other listed jobs have no statistics and no children. After a refresh that
 * changed some jobs, only the composite jobs of their families are counted again.
 */
export function withChildCounts(jobs: AwsBackupJobModel[], changed: readonly AwsBackupJobModel[] | null = null): AwsBackupJobModel[] {
  const familyOf = (accountId: string | null, jobId: string) => `${accountId ?? ''}/${jobId}`;
  let families: Set<string> | null = null;
  if (changed) {
    families = new Set();
    for (const job of changed) {
      if (job.parentJobId) families.add(familyOf(job.accountId, job.parentJobId));
      if (job.isParent) families.add(familyOf(job.accountId, job.backupJobId));
    }
    if (families.size === 0) return jobs;
  }
  // One pass over the list, which may hold a week of a large organization: each family's children,
  // and where the composite jobs to count stand.
  const children = new Map<string, AwsBackupJobModel[]>();
  const parents: number[] = [];
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index]!;
    if (job.isParent && (!families || families.has(familyOf(job.accountId, job.backupJobId)))) parents.push(index);
    if (!job.parentJobId) continue;
    const family = familyOf(job.accountId, job.parentJobId);
    if (families && !families.has(family)) continue;
    const members = children.get(family);
    if (members) members.push(job);
    else children.set(family, [job]);
  }
  if (parents.length === 0) return jobs;
  const counted = jobs.slice();
  for (const index of parents) {
    const job = jobs[index]!;
    // The list is sorted, so each family's children are already in the merged order.
    const family = children.get(familyOf(job.accountId, job.backupJobId)) ?? [];
    const counts = new Map<AwsBackupJobState, number>();
    for (const child of family) if (child.state) counts.set(child.state, (counts.get(child.state) ?? 0) + 1);
    counted[index] = {
      ...job,
      numberOfChildJobs: family.length,
      childJobsInState: AWS_BACKUP_JOB_STATES.filter((state) => counts.has(state)).map((state) => ({ state, count: counts.get(state)! })),
      childJobKeys: family.map((child) => child.key),
    };
  }
  return counted;
}

function epochMs(date: Date | undefined): number | null {
  return date ? date.getTime() : null;
}

/** `arn:aws:ec2:us-east-1:111122223333:volume/vol-0abc` -> `vol-0abc`. */
function lastArnSegment(arn: string | undefined): string | undefined {
  if (!arn) return undefined;
  const resource = arn.split(':').slice(5).join(':');
  return resource.split(/[/:]/).pop() || undefined;
}
