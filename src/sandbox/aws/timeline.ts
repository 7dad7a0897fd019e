// When a sandbox job is in which state: the one timeline the large organization's generated jobs and
// the jobs StartBackupJob creates both follow as the sandbox clock moves.
import { BACKUP_JOB_STATES, type BackupJobState } from './store.js';

const MINUTE = 60_000;

const STATE_CODE = new Map<string, number>(BACKUP_JOB_STATES.map((state, code) => [state, code]));

/** A state as a small number, as the large organization's columns hold it. */
export const stateCode = (state: string): number => STATE_CODE.get(state)!;

export const stateOfCode = (code: number): BackupJobState => BACKUP_JOB_STATES[code]!;

export const [CREATED, PENDING, RUNNING, ABORTING, ABORTED] = ['CREATED', 'PENDING', 'RUNNING', 'ABORTING', 'ABORTED'].map(stateCode) as [
  number,
  number,
  number,
  number,
  number,
];

/** How long a generated job stays CREATED before it is PENDING, and ABORTING before it is ABORTED. */
export const CREATED_FOR = MINUTE;
export const ABORTING_FOR = 10 * MINUTE;

export interface Timeline {
  created: number;
  started: number;
  settles: number;
  /** The terminal state's code. */
  fate: number;
  /** A composite job is RUNNING from its creation until its last child settles. */
  composite?: boolean;
  /** Default CREATED_FOR. */
  createdFor?: number;
}

export const COMPLETED = stateCode('COMPLETED');

/** The state's code at `now`; records and the list filters both read it here. */
export function stateAt(now: number, timeline: Timeline): number {
  const { created, started, settles, fate } = timeline;
  if (now >= settles) return fate;
  if (timeline.composite) return RUNNING;
  if (fate === ABORTED && now >= Math.max(started, settles - ABORTING_FOR)) return ABORTING;
  if (now < created + (timeline.createdFor ?? CREATED_FOR)) return CREATED;
  return now < started ? PENDING : RUNNING;
}
