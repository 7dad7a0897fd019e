// Jobs whose records follow the sandbox clock: each job StartBackupJob creates runs and completes
// within seconds, and each job StopBackupJob stops aborts.
import { Rng } from './rng.js';
import { ABORTED_MESSAGE, ABORTING_MESSAGE, percent, SUCCESS } from './seed.js';
import { wireRecord, type SandboxJob, type WireBackupJob } from './store.js';
import { COMPLETED, CREATED, stateAt, type Timeline } from './timeline.js';

/** A started job is CREATED this long after its creation, then RUNNING until it completes. */
export const STARTED_CREATED_FOR_MS = 10_000;
export const STARTED_COMPLETES_AFTER_MS = 30_000;
/** A stopped job is ABORTING this long, then ABORTED. */
export const STOPPED_ABORTS_AFTER_MS = 5_000;

const GIB = 2 ** 30;

/**
 * A job StartBackupJob created, as its record reads at the clock's now: CREATED, RUNNING with its
 * PercentDone, BytesTransferred and BackupSizeInBytes growing, then COMPLETED with its
 * CompletionDate and recovery point. Its size is drawn from its id, so it is the same on every run.
 */
export function startedJob(region: string, initial: WireBackupJob, clock: () => number): SandboxJob {
  const created = Math.round(initial.CreationDate * 1000);
  const started = created + STARTED_CREATED_FOR_MS;
  const timeline: Timeline = { created, started, settles: created + STARTED_COMPLETES_AFTER_MS, fate: COMPLETED, createdFor: STARTED_CREATED_FOR_MS };
  const rng = new Rng(`started/${initial.BackupJobId}`);
  const sizeBytes = rng.int(1, 200) * GIB + rng.int(0, GIB - 1);
  const completed = wireRecord({
    ...initial,
    RecoveryPointArn: initial.RecoveryPointArn ?? `arn:aws:backup:${region}:${initial.AccountId}:recovery-point:${rng.uuid().toUpperCase()}`,
    CompletionDate: timeline.settles / 1000,
    State: 'COMPLETED',
    PercentDone: '100.0',
    BackupSizeInBytes: sizeBytes,
    BytesTransferred: sizeBytes,
    MessageCategory: SUCCESS,
  });
  return {
    region,
    get record(): WireBackupJob {
      const now = clock();
      const state = stateAt(now, timeline);
      if (state === COMPLETED) return completed;
      if (state === CREATED) return initial;
      const done = (now - started) / (timeline.settles - started);
      const bytes = Math.round(sizeBytes * done);
      return wireRecord({ ...initial, State: 'RUNNING', PercentDone: percent(done), BackupSizeInBytes: bytes, BytesTransferred: bytes });
    },
  };
}

/** A job stopped at `at`: ABORTING with its progress as it was, then ABORTED at its CompletionDate. */
export function stoppedJob(job: SandboxJob, at: number, clock: () => number): SandboxJob {
  const before = job.record;
  const abortedAt = at + STOPPED_ABORTS_AFTER_MS;
  const aborting = wireRecord({ ...before, State: 'ABORTING', StatusMessage: ABORTING_MESSAGE });
  const aborted = wireRecord({ ...before, State: 'ABORTED', StatusMessage: ABORTED_MESSAGE, CompletionDate: abortedAt / 1000 });
  return {
    region: job.region,
    get record(): WireBackupJob {
      return clock() < abortedAt ? aborting : aborted;
    },
  };
}
