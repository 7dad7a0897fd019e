// Pure edits of a source's sorted job list: what an incremental refresh or one time slice of a
// reconciliation changes in it, without re-sorting or copying the jobs it leaves alone.
import { byPosition, firstAfter, positionOf, type ReadableJob } from '../model/order.js';

export interface ListEdit<Job extends ReadableJob> {
  /** Jobs as the upstream just listed them; each replaces the list's job of the same key, if `prefer` lets it. */
  readonly listed: readonly Job[];
  /** Which of two versions of a job to keep; absent: always the one just listed. */
  readonly prefer?: (kept: Job, listed: Job) => Job;
  /**
   * A time range the upstream was just asked for in full (created after `after`, null: ever, and
   * at or before `before`): a job of the list in it that the answer lacks is no longer listed
   * upstream (gone, or past the upstream's window).
   */
  readonly sweptRange?: { readonly after: number | null; readonly before: number };
  /** Jobs known to be gone upstream (an action deleted them), by key. */
  readonly removedKeys?: ReadonlySet<string>;
}

/** What an edit did: the new list, the jobs it added (new, or new versions), and those it took out (gone, or old versions). */
export interface EditResult<Job extends ReadableJob> {
  readonly jobs: Job[];
  readonly changed: Job[];
  readonly dropped: Job[];
  readonly removed: number;
}

const createdAtOf = (job: ReadableJob): number => job.createdAt ?? 0;

/**
 * Applies an edit to a list sorted in the merged order. An edit of jobs the list already holds (a
 * refresh of the jobs in flight, the most frequent) costs a search per job listed and a copy of
 * the array; any other, one pass over the list and a sort of the listed jobs: a list of a million
 * jobs edited by a hundred costs a copy of the array, not a sort.
 */
export function editJobs<Job extends ReadableJob>(sorted: readonly Job[], edit: ListEdit<Job>): EditResult<Job> {
  return (edit.sweptRange === undefined && edit.removedKeys === undefined && replacedInPlace(sorted, edit)) || editByPass(sorted, edit);
}

/**
 * The edit when every job listed is in the list already, at its place: each found by a binary
 * search, so that the pass, which touches every job of the list, is left out. Null when one is
 * not found there: only the pass can tell a new job from one the list holds elsewhere.
 */
function replacedInPlace<Job extends ReadableJob>(sorted: readonly Job[], { listed, prefer }: ListEdit<Job>): EditResult<Job> | null {
  const latest = new Map<string, Job>();
  for (const job of listed) latest.set(job.key, job);
  const replaced: { at: number; chosen: Job }[] = [];
  for (const fresh of latest.values()) {
    const at = placeOf(sorted, fresh);
    if (at < 0) return null;
    const stored = sorted[at]!;
    const chosen = prefer ? prefer(stored, fresh) : fresh;
    if (chosen !== stored) replaced.push({ at, chosen });
  }
  // In the list's order, as the pass reports them.
  replaced.sort((a, b) => a.at - b.at);
  const jobs = sorted.slice();
  for (const { at, chosen } of replaced) jobs[at] = chosen;
  return { jobs, changed: replaced.map(({ chosen }) => chosen), dropped: replaced.map(({ at }) => sorted[at]!), removed: 0 };
}

/** Where a list sorted in the merged order holds the job of `job`'s key, looked for at `job`'s place; -1 when it is not there. */
export function placeOf(sorted: readonly ReadableJob[], job: ReadableJob): number {
  const at = firstAfter(sorted, positionOf(job)) - 1;
  return sorted[at]?.key === job.key ? at : -1;
}

function editByPass<Job extends ReadableJob>(sorted: readonly Job[], edit: ListEdit<Job>): EditResult<Job> {
  const listed = new Map<string, Job>();
  for (const job of edit.listed) listed.set(job.key, job);
  const { prefer, sweptRange, removedKeys } = edit;
  const incoming: Job[] = [];
  const changed: Job[] = [];
  const dropped: Job[] = [];
  const kept: Job[] = [];
  let removed = 0;
  for (const job of sorted) {
    const createdAt = createdAtOf(job);
    const fresh = listed.get(job.key);
    if (fresh) {
      listed.delete(job.key);
      const chosen = prefer ? prefer(job, fresh) : fresh;
      if (chosen === job) kept.push(job);
      else {
        incoming.push(chosen);
        changed.push(chosen);
        dropped.push(job);
      }
      continue;
    }
    const gone =
      removedKeys?.has(job.key) === true ||
      (sweptRange !== undefined && (sweptRange.after === null || createdAt > sweptRange.after) && createdAt <= sweptRange.before);
    if (gone) {
      removed++;
      dropped.push(job);
    } else kept.push(job);
  }
  for (const job of listed.values()) {
    incoming.push(job);
    changed.push(job);
  }
  if (incoming.length === 0) return { jobs: kept, changed, dropped, removed };
  incoming.sort(byPosition);
  return { jobs: mergeSorted(kept, incoming), changed, dropped, removed };
}

/** Two lists sorted in the merged order, as one. */
export function mergeSorted<Job extends ReadableJob>(left: readonly Job[], right: readonly Job[]): Job[] {
  const merged = new Array<Job>(left.length + right.length);
  let l = 0;
  let r = 0;
  let out = 0;
  while (l < left.length && r < right.length) merged[out++] = byPosition(left[l]!, right[r]!) <= 0 ? left[l++]! : right[r++]!;
  while (l < left.length) merged[out++] = left[l++]!;
  while (r < right.length) merged[out++] = right[r++]!;
  return merged;
}
