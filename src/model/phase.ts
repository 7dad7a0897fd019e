// The source-neutral lifecycle of a backup job. How each upstream's states map onto it is that
// kind's mapper's business (src/<kind>/mapper.ts).

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

/**
 * The phase of a job in a state this gateway does not know yet (upstream enums grow): a finished
 * job is flagged for a look, an unfinished one counts as still running. Never an error, so one
 * new upstream value cannot blank a page.
 */
export function unknownStatePhase(finished: boolean): BackupJobPhase {
  return finished ? 'COMPLETED_WITH_ISSUES' : 'RUNNING';
}
