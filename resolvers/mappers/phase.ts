// The source-neutral lifecycle of a backup job, and how each upstream's states map onto it.

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

export const AWS_BACKUP_JOB_STATES = [
  'CREATED',
  'PENDING',
  'RUNNING',
  'ABORTING',
  'ABORTED',
  'COMPLETED',
  'FAILED',
  'EXPIRED',
  'PARTIAL',
] as const;

export type AwsBackupJobState = (typeof AWS_BACKUP_JOB_STATES)[number];

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

export function isAwsBackupJobState(value: unknown): value is AwsBackupJobState {
  return typeof value === 'string' && Object.hasOwn(AWS_STATE_PHASE, value);
}

/**
 * The phase of an AWS job. A COMPLETED job whose message category is anything but SUCCESS is
 * COMPLETED_WITH_ISSUES; a missing category counts as SUCCESS. Null for a state this gateway
 * does not know yet.
 */
export function awsPhase(state: string | undefined, messageCategory: string | undefined): BackupJobPhase | null {
  if (!isAwsBackupJobState(state)) return null;
  if (state === 'COMPLETED' && messageCategory !== undefined && messageCategory !== 'SUCCESS') {
    return 'COMPLETED_WITH_ISSUES';
  }
  return AWS_STATE_PHASE[state];
}

/** The AWS states that can produce any of these phases. */
export function awsStatesFor(phases: readonly BackupJobPhase[]): AwsBackupJobState[] {
  return AWS_BACKUP_JOB_STATES.filter((state) => {
    const phase = AWS_STATE_PHASE[state];
    return phases.includes(phase) || (state === 'COMPLETED' && phases.includes('COMPLETED_WITH_ISSUES'));
  });
}
