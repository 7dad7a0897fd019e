// The one order of the merged job list: newest first across sources, with a strict tie-break.

/**
 * A job's place in the merged order: newest first by creation time, then by source name and the
 * job's key, so that jobs created in the same millisecond still have a strict order.
 */
export interface Position {
  createdAt: number;
  sourceName: string;
  jobId: string;
}

/** What the read layer needs of any job, whichever upstream it came from. */
export interface ReadableJob {
  /** `<sourceName>:<the source's own id>`: unique across the gateway. */
  key: string;
  sourceName: string;
  /** Epoch milliseconds. */
  createdAt: number | null;
  completedAt?: number | null;
}

export function positionOf(job: ReadableJob): Position {
  return { createdAt: job.createdAt ?? 0, sourceName: job.sourceName, jobId: job.key };
}

/** Negative when `a` comes first in the merged order. */
export function comparePositions(a: Position, b: Position): number {
  return compare(a.createdAt, a.sourceName, a.jobId, b.createdAt, b.sourceName, b.jobId);
}

/** Sorts jobs in the merged order. */
export function byPosition(a: ReadableJob, b: ReadableJob): number {
  return compare(a.createdAt ?? 0, a.sourceName, a.key, b.createdAt ?? 0, b.sourceName, b.key);
}

/** Negative when `job` comes before `position` in the merged order. */
function compareToPosition(job: ReadableJob, position: Position): number {
  return compare(job.createdAt ?? 0, job.sourceName, job.key, position.createdAt, position.sourceName, position.jobId);
}

// Field by field, so that comparing jobs (a sort, a search, a merge of pages) allocates nothing.
function compare(aCreatedAt: number, aSource: string, aId: string, bCreatedAt: number, bSource: string, bId: string): number {
  if (aCreatedAt !== bCreatedAt) return bCreatedAt - aCreatedAt;
  if (aSource !== bSource) return aSource < bSource ? -1 : 1;
  if (aId !== bId) return aId < bId ? -1 : 1;
  return 0;
}

/**
 * The place just before every job created at or before `createdAt`: a source complete only after
 * that time stands there once it has delivered all it holds.
 */
export function floorPosition(createdAt: number): Position {
  return { createdAt, sourceName: '', jobId: '' };
}

/** Index of the first job of `sorted` that comes after `position` (all of them when it is null). */
export function firstAfter(sorted: readonly ReadableJob[], position: Position | null): number {
  if (position === null) return 0;
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareToPosition(sorted[middle]!, position) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
