// What changed in a job between two versions of its source's list, in the names subscribers hear:
// the fields every job has, and those each kind watches on its own jobs.
import { isDeepStrictEqual } from 'node:util';
import type { BackupJobModel } from './job.js';

/** A field of a job whose change subscribers hear of, by the name `BackupJobChange` gives it. */
export interface WatchedField {
  /** The value of `BackupJobChange`: upper case, unique across kinds. */
  readonly change: string;
  /** The member of the kind's job model it compares. */
  readonly field: string;
  /** What the change means, for the enum value's description. */
  readonly description: string;
}

/** A job listed for the first time since the gateway read its source. */
export const APPEARED = 'APPEARED';
export const APPEARED_DESCRIPTION = 'The job is new: the gateway had not listed it before.';

/** What every kind's jobs are watched for. */
export const COMMON_WATCHED: readonly WatchedField[] = [
  { change: 'PHASE', field: 'phase', description: 'The job moved to another `phase`.' },
  { change: 'COMPLETED', field: 'completedAt', description: 'The job finished: `completedAt` was set.' },
];

/** A job as a new version of its source's list holds it, and what changed since the version before. */
export interface JobUpdate<Job extends BackupJobModel = BackupJobModel> {
  readonly job: Job;
  /** Values of `BackupJobChange`, in the order the fields are watched, APPEARED alone for a new job. */
  readonly changes: readonly string[];
}

/**
 * The updates one new version of a list makes: each added job against the old version of the same
 * key among the dropped ones. Jobs that only left, and changes to fields nobody watches, make none.
 */
export function jobUpdates<Job extends BackupJobModel>(
  added: readonly Job[],
  dropped: readonly Job[],
  watched: readonly WatchedField[],
): JobUpdate<Job>[] {
  const before = new Map(dropped.map((job) => [job.key, job]));
  const updates: JobUpdate<Job>[] = [];
  for (const job of added) {
    const old = before.get(job.key);
    const changes = old ? changedFields(old, job, watched) : [APPEARED];
    if (changes.length > 0) updates.push({ job, changes });
  }
  return updates;
}

function changedFields(before: BackupJobModel, after: BackupJobModel, watched: readonly WatchedField[]): string[] {
  const fieldsOf = (job: BackupJobModel) => job as unknown as Readonly<Record<string, unknown>>;
  return watched.filter(({ field }) => !isDeepStrictEqual(fieldsOf(before)[field], fieldsOf(after)[field])).map(({ change }) => change);
}
