// What a job summary asks and answers whatever its sources: the dimensions jobs are counted by,
// one group's values, and the UTC day a job counts on.
import type { BackupJobFilter } from './job.js';

/** What jobs can be grouped by: the graph's `BackupJobSummaryDimension`. */
export const SUMMARY_DIMENSIONS = ['PHASE', 'SOURCE', 'SOURCE_NAME', 'ACCOUNT_ID', 'REGION', 'RESOURCE_TYPE', 'DAY'] as const;
export type SummaryDimension = (typeof SUMMARY_DIMENSIONS)[number];

/** The dimensions only some kinds' jobs have values of; a kind's adapter says what its jobs hold (null: none). */
export type KindDimension = Extract<SummaryDimension, 'ACCOUNT_ID' | 'REGION' | 'RESOURCE_TYPE'>;

/** One group's value of each dimension it is grouped by; null where its jobs have none. */
export type SummaryValues = Partial<Record<SummaryDimension, string | null>>;

export interface SummaryRequest {
  /** Already validated: conditions of one kind come only to sources of that kind. */
  readonly filter: BackupJobFilter;
  /** Distinct dimensions, at least one. */
  readonly groupBy: readonly SummaryDimension[];
}

/** How many jobs share one group's values. */
export interface SummaryCount {
  readonly values: SummaryValues;
  readonly count: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The UTC day of an instant, as the DAY dimension names it: "2026-11-01". */
export function utcDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Whether an instant is the first millisecond of a UTC day. */
export function isUtcMidnight(at: number): boolean {
  return at % DAY_MS === 0;
}
