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
  'UNKNOWN',
] as const;

export type BackupJobPhase = (typeof BACKUP_JOB_PHASES)[number];
