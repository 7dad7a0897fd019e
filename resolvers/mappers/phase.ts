// The source-neutral lifecycle of a backup job, and how each upstream's states map onto it.
import { BackupJobState } from '@aws-sdk/client-backup';
import type { SailPointBackupStatus } from '../../src/sailpoint/index.js';

export const BACKUP_JOB_PHASES = [
  'QUEUED',
  'RUNNING',
  'CANCELLING',
  'CANCELLED',
  'COMPLETED',
  'COMPLETED_WITH_ISSUES',
  'PARTIAL',
  'FAILED',
  'EXPIRED',
] as const;

export type BackupJobPhase = (typeof BACKUP_JOB_PHASES)[number];

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
 * The phase of a job in a state this gateway does not know yet (upstream enums grow): a finished
 * job is flagged for a look, an unfinished one counts as still running. Never an error, so one
 * new upstream value cannot blank a page.
 */
function unknownStatePhase(finished: boolean): BackupJobPhase {
  return finished ? 'COMPLETED_WITH_ISSUES' : 'RUNNING';
}

/**
 * The phase of an AWS job. A COMPLETED job whose message category is anything but SUCCESS is
 * COMPLETED_WITH_ISSUES; a missing category counts as SUCCESS.
 */
export function awsPhase(state: string | undefined, messageCategory: string | undefined, finished: boolean): BackupJobPhase {
  if (!isAwsBackupJobState(state)) return unknownStatePhase(finished);
  if (state === 'COMPLETED' && messageCategory !== undefined && messageCategory !== 'SUCCESS') {
    return 'COMPLETED_WITH_ISSUES';
  }
  return AWS_STATE_PHASE[state];
}

const SAILPOINT_STATUS_PHASE: Record<SailPointBackupStatus, BackupJobPhase> = {
  NOT_STARTED: 'QUEUED',
  IN_PROGRESS: 'RUNNING',
  COMPLETE: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
};

function isSailPointStatus(value: unknown): value is SailPointBackupStatus {
  return typeof value === 'string' && Object.hasOwn(SAILPOINT_STATUS_PHASE, value);
}

/**
 * The phase of a SailPoint backup: how the job went. A COMPLETE backup whose copy to the customer's
 * cloud storage failed is COMPLETED_WITH_ISSUES: it finished, but not as asked. `fileExists` plays
 * no part: SailPoint ties it to no outcome, and a file removed after a good run would otherwise
 * turn that run into an issue.
 */
export function sailPointPhase(status: string | undefined, cloudStorageStatus: string | undefined, finished: boolean): BackupJobPhase {
  if (!isSailPointStatus(status)) return unknownStatePhase(finished);
  if (status === 'COMPLETE' && cloudStorageStatus === 'SYNC_FAILED') return 'COMPLETED_WITH_ISSUES';
  return SAILPOINT_STATUS_PHASE[status];
}
