// The shared read model of one source: every job it lists, mapped once and sorted in the merged
// order, shared by every request and (through the shared state) every replica. Readers get it
// fresh, or stale within bounds the source's configuration sets; refreshes run one at a time per
// source across all replicas, and every upstream call they make is counted against budgets. For a
// source refreshed by what changed, "fresh" holds exactly for the jobs created or settled since the
// last refresh; the progress of a job still under way is read a page of such jobs per refresh
// (see TimeSlicedListing.listChanged), so with more jobs under way than one page holds it may be
// as old as the refreshes one walk over them takes.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isDeepStrictEqual } from 'node:util';
import { ErrorCode, SourceError, type UpstreamErrorCode } from '../model/errors.js';
import { byPosition, firstAfter, floorPosition, type ReadableJob } from '../model/order.js';
import type { SummaryCount, SummaryRequest } from '../model/summary.js';
import { log } from '../observability/log.js';
import { recordLookup, recordRead, recordRecordRead, type ReadResult } from '../observability/metrics.js';
import { inSpan } from '../observability/tracing.js';
import type { SharedState, Slice, Sliced, Stored } from '../shared-state/index.js';
import { requestDeadline, untilRequestDeadline } from '../source-guard.js';
import { editJobs, mergeSorted, placeOf, type ListEdit } from './job-set.js';

export interface Freshness {
  refreshAfterMs: number;
  maxStalenessMs: number;
  staleIfErrorMs: number;
  /**
   * How often a source read by time slices is listed again in full, in the background, to catch
   * what its changes miss (default RECONCILE_AFTER_MS).
   */
  reconcileAfterMs?: number;
}

/**
 * What a source whose upstream lists jobs by creation time offers, so that a refresh reads what
 * can have changed rather than every job, and a first read waits for the newest jobs only.
 */
export interface TimeSlicedListing<Job extends ReadableJob = ReadableJob> {
  /** How far back the upstream lists jobs; older ones leave the read model. */
  readonly windowMs: number;
  /**
   * How far back before its newest job a source too large to read in full is kept in memory; the
   * older jobs of the window are read on demand, a slice at a time (see olderJobs).
   */
  readonly retainMs: number;
  /**
   * Every job created after `after` and before `before` (epoch ms; null: no bound), in any order,
   * in at most `maxPages` upstream calls; `complete` says whether that was all of them.
   */
  listCreated(after: number | null, before: number | null, maxPages?: number): Promise<{ jobs: Job[]; complete: boolean; pages: number }>;
  /**
   * Every job that may have changed since the given times (epoch ms), in a bounded number of
   * calls: all those created after `createdAfter` and all those completed after `completedAfter`,
   * and one page of those still making progress, from `progressFrom` (where the page of the
   * refresh before ended, as `progressNext` said; null: the first page). `progressNext` is null
   * once the last page is read, so that successive refreshes walk the jobs in progress round and
   * round, a page each, whatever their number. What this misses (an upstream change it cannot ask
   * for, a job the walk passed over as the upstream's order moved) the reconciliation finds.
   */
  listChanged(since: { createdAfter: number; completedAfter: number }, progressFrom: string | null): Promise<{ jobs: Job[]; progressNext: string | null }>;
}

/**
 * One question a job summary asks of an upstream that counts its own jobs: the upstream query that
 * answers it, and how its answer gives the summary's counts.
 */
export interface SummaryPlan<Answer = unknown> {
  /** Names the upstream query: answers are cached under it, and serve every request that asks it. */
  readonly key: string;
  /** Asks the upstream (each call guarded and budgeted as a list call is); the answer is cached as JSON. */
  fetch(): Promise<Answer>;
  /**
   * The counts the answer gives for the request, grouped by its dimensions but SOURCE and
   * SOURCE_NAME (the read layer's to add), or null when the upstream did not count that far
   * (the request then counts the source's jobs instead).
   */
  count(answer: Answer): SummaryCount[] | null;
}

/** What a source whose upstream counts its own jobs offers to job summaries. */
export interface UpstreamSummaries {
  /** The plan that answers `request` from the upstream's own counts, or null when they cannot. */
  plan(request: SummaryRequest): SummaryPlan | null;
}

/**
 * What the read layer needs of one upstream source. Each kind of upstream implements it once; the
 * read model, the merged list and paging never ask which kind a source is.
 */
export interface SourceAdapter<Job extends ReadableJob = ReadableJob> {
  readonly name: string;
  readonly freshness: Freshness;
  /** Deadline of one upstream call; a refresh of the whole list may make several. */
  readonly timeoutMs: number;
  /** Every job the upstream lists for this source, mapped, in any order. */
  listJobs(): Promise<Job[]>;
  /** Present where the upstream lists by creation time: refreshes then read changes and slices. */
  readonly byTime?: TimeSlicedListing<Job>;
  /**
   * What a job's neighbours in the list tell of it (a composite job's counts of its children):
   * the list with those jobs replaced, given the jobs that changed, or null after a full listing.
   */
  relate?(jobs: Job[], changed: readonly Job[] | null): Job[];
  /**
   * A job the list does not hold, looked up directly where the upstream allows it (null when it
   * does not exist). Without it, the list is all this source can ever return.
   */
  lookupJob?(key: string): Promise<Job | null>;
  /**
   * A job the list cannot answer for (older than the retained window, or not read yet), looked up
   * directly where the upstream may know it but its silence proves nothing (AWS's
   * DescribeBackupJob, sent from a management account for a member account's job). Only for a
   * source without lookupJob; see BeyondList for what it answers, and BeyondListTurn for what it
   * must ask and tell the read model while it holds its turn to call.
   */
  lookupBeyondList?(key: string, turn: BeyondListTurn): Promise<BeyondList<Job>>;
  /** Whether a job can no longer change upstream; looked-up jobs that cannot are cached for long, listed ones are not read again. */
  isSettled(job: Job): boolean;
  /** Present where the upstream counts its own jobs: job summaries then ask it instead of counting the list. */
  readonly summaries?: UpstreamSummaries;
}

/**
 * What an upstream said of a job looked up beyond a source's list: the job; null when it answered
 * with a job this source does not hold (another account's, for a source pinned to one); 'unknown'
 * when it did not know the id, which may still be a job it will not tell this identity of; or
 * 'refused' when it refused the identity such lookups, which the source then stops making for a while.
 */
export type BeyondList<Job> = Job | null | 'unknown' | 'refused';

/**
 * What a lookup beyond the list asks and tells the read model once its upstream call's turn has
 * come (past any queue of the adapter's own), so that lookups waiting behind a refused one learn
 * of the refusal before they call.
 */
export interface BeyondListTurn {
  /** False once the source has learnt that the upstream refuses such lookups: the lookup then answers 'refused' without a call. */
  stillAsk(): Promise<boolean>;
  /** The upstream refused this lookup: told before the turn ends. */
  refused(): Promise<void>;
}

/** One source's jobs as fetched at one time, sorted in the merged order and indexed by key. */
export interface Snapshot<Job extends ReadableJob = ReadableJob> {
  readonly jobs: readonly Job[];
  readonly byKey: ReadonlyMap<string, Job>;
  /**
   * When the upstream was asked for this version. Of a source refreshed by what changed, the
   * progress of a job under way may be older: it is read a page of such jobs per refresh.
   */
  readonly fetchedAt: number;
  /**
   * Null when the snapshot holds every job the source lists. Otherwise, while the first read of a
   * large source fills in its older jobs, the time (epoch ms) after which every created job is in.
   */
  readonly completeAfter: number | null;
  /**
   * Null when the snapshot keeps the source's whole window. Otherwise the time (epoch ms) at or
   * before which it keeps no job: those are read on demand by olderJobs.
   */
  readonly retainedAfter: number | null;
  /** Answers derived from this snapshot (counts per filter), kept while the snapshot lives. */
  readonly memo: Map<string, unknown>;
  /**
   * When this replica made this version from the one it held before: that version's answers and
   * the jobs in between, so that a count is updated by the change rather than made anew.
   */
  readonly since?: SnapshotChange<Job>;
}

/** What changed from one version of a source's list to the next. */
export interface SnapshotChange<Job extends ReadableJob = ReadableJob> {
  readonly memo: ReadonlyMap<string, unknown>;
  /** New jobs, and the new versions of changed ones. */
  readonly added: readonly Job[];
  /** Jobs that left, and the old versions of changed ones. */
  readonly dropped: readonly Job[];
}

/**
 * What one new version of a source's list changed, told to listeners on the replica that made it
 * (others learn of it through whatever the listener shares, such as a pub/sub channel).
 */
export interface SourceChange<Job extends ReadableJob = ReadableJob> {
  readonly sourceName: string;
  /** New jobs, and the new versions of changed ones. */
  readonly added: readonly Job[];
  /** Jobs that left, and the old versions of changed ones. */
  readonly dropped: readonly Job[];
  /**
   * The older jobs a first read of a large source fills in behind its newest: listed for the first
   * time, not changed upstream.
   */
  readonly backfill: boolean;
  /** When the upstream was asked for the version this change made (epoch ms). */
  readonly fetchedAt: number;
}

export type SourceChangeListener<Job extends ReadableJob = ReadableJob> = (change: SourceChange<Job>) => void;

/** What one reader gets of a source. */
export interface SourcePart<Job extends ReadableJob = ReadableJob> {
  sourceName: string;
  /** Null when the source could not be read and nothing recent enough is cached. */
  snapshot: Snapshot<Job> | null;
  /** Served past maxStalenessMs, because a refresh failed or was refused. */
  stale: boolean;
  /** Why the part is missing or stale. */
  error: unknown;
}

/** Why a read model goes upstream: a refresh of the source's list, a lookup of one job by id, or the upstream's own counts. */
export type UpstreamRead = 'refresh' | 'lookup' | 'summary';

/** Who asks: the request's deadline, and the gate every upstream read on its behalf passes. */
export interface Reader {
  signal: AbortSignal;
  /**
   * What this reader has read of each source: one request sees one state of a source however many
   * of its fields read it, and costs at most one refresh of it.
   */
  readonly parts: Map<string, SourcePart | Promise<SourcePart>>;
  /** The parts this reader was served so far, each as it arrived: what an answer built for it stands on. */
  readonly served: SourcePart[];
  /** Whether a lookup answered this reader beyond a part's snapshot: a job its list lacks, looked up by id. */
  beyondSnapshot: boolean;
  /**
   * Called before the read model goes upstream for this reader, to refresh the source's list or to
   * look up one job; throws to refuse (a caller over its budget).
   */
  charge(sourceName: string, read: UpstreamRead): Promise<void>;
  /**
   * Gives back a charge: the read it paid for failed upstream, or ended without calling it, so a
   * caller's share is spent on answers, not on an upstream's outage nor on calls never made.
   */
  refund(sourceName: string, read: UpstreamRead): Promise<void>;
  /** Runs a wait for an upstream; the reader need not hold anything up meanwhile (its caller's turn). */
  away<T>(wait: () => Promise<T>): Promise<T>;
}

/** Looked-up jobs that can no longer change stay cached this long (they leave when the cache is full). */
const SETTLED_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * How long a source keeps what it learnt of looking up jobs beyond its list (that the upstream
 * refuses, or answers): a change of the identity's permissions is seen within this long.
 */
const BEYOND_LIST_VERDICT_MS = 60 * 60 * 1000;
/** How often a replica waiting for another replica's refresh looks for its answer. */
const PEER_POLL_MS = 25;
/** A refresh may list several pages, each with its own deadline. */
const REFRESH_CALLS_BOUND = 4;
/** A source whose list takes at most this many upstream pages is read in full at first. */
const FULL_READ_PAGES = 5;
/** The first read of a large source waits for the jobs created in this long before its newest, */
const FIRST_SLICE_MS = 60 * 60 * 1000;
/** or in a longer time back, until it holds this many: a few of the graph's largest pages. */
const FIRST_READ_JOBS = 300;
/** Pages of jobs newer than the newest seen a first read asks for at most, to find the newest. */
const MAX_SEEKS = 8;
/** Bounds of one background slice, and the jobs it aims to hold (a few upstream pages). */
const MIN_SLICE_MS = 60 * 1000;
const MAX_SLICE_MS = 7 * 24 * 60 * 60 * 1000;
const SLICE_TARGET_JOBS = 4_000;
/**
 * A sweep merges its slices into the list once they hold this share of the list's jobs (or at most
 * MAX_BATCH_JOBS, or the last slice came): the list is copied a few dozen times over a fill of
 * hundreds of thousands of jobs rather than once per slice, and a reader waits for the older jobs
 * a few seconds longer at most.
 */
const MERGE_SHARE = 1 / 4;
const MAX_BATCH_JOBS = 32_000;
/** A pause between background slices, so that readers' refreshes find calls left in the budget. */
const SLICE_PAUSE_MS = 50;
/** Changes are asked for from this long before the newest times seen: jobs listed late, clocks that differ. */
const CHANGE_OVERLAP_MS = 2 * 60 * 1000;
/** A reconciliation's newest slice reaches this far past the newest job seen. */
const SLICE_OVERLAP_MS = 60 * 1000;
const RECONCILE_AFTER_MS = 15 * 60 * 1000;
/**
 * Slices older jobs are read and kept by: a power of two of hours (so that every reader and replica
 * cuts the same slices), chosen to hold about this many jobs at the rate the retained window shows.
 */
const OLDER_SLICE_JOBS = 1_000;
const HOUR_MS = 60 * 60 * 1000;
const MAX_OLDER_SLICE_MS = 64 * HOUR_MS;

/** Whether the upstream refuses this source's lookups beyond its list, or has answered one. */
type BeyondListVerdict = 'refused' | 'answers';

interface Failure {
  code: UpstreamErrorCode;
  upstreamName: string;
  retryAfterMs?: number;
}

export class SourceReadModel<Job extends ReadableJob = ReadableJob> {
  private inflight: Promise<Snapshot<Job>> | undefined;
  /** The snapshots this replica's own refreshes fetched from the upstream: the others came from another replica. */
  private readonly fetchedHere = new WeakSet<Snapshot<Job>>();
  /** A reader's charge for a refresh, while it is being decided. */
  private charging: Promise<void> | undefined;
  private decoded: Snapshot<Job> | undefined;
  /** The stored value `decoded` was built from. */
  private decodedFrom: StoredJobs<Job> | undefined;
  /** How this replica made a stored value from the one before, while that value lives. */
  private readonly changes = new WeakMap<StoredJobs<Job>, VersionChange<Job>>();
  /** The slices of each list of jobs this replica read or wrote: a version that keeps the same jobs keeps its slices. */
  private readonly cuts = new WeakMap<readonly Job[], Cut<Job>>();
  /** The list each sliced value this replica read or wrote stands for. */
  private readonly assembled = new WeakMap<Sliced<JobsHead, Job>, StoredJobs<Job>>();
  private readonly listeners = new Set<SourceChangeListener<Job>>();
  /** The background listing of older slices or a reconciliation, while this replica runs one. */
  private sweeping: Promise<void> | undefined;
  private stopped = false;
  /** Reads under way by cache key (jobs, records, summaries, older slices): a second reader waits for the first. */
  private readonly reads = new Map<string, Promise<Stored<unknown>>>();
  private readonly snapshotKey: string;
  /** Where the walk over the jobs in progress stands (see changesSince). */
  private readonly progressKey: string;
  private readonly spanAttributes: { 'backup_graph.source': string };

  constructor(
    readonly adapter: SourceAdapter<Job>,
    private readonly state: SharedState,
    private readonly now: () => number = Date.now,
  ) {
    this.snapshotKey = `snapshot:${adapter.name}`;
    this.progressKey = `progress:${adapter.name}`;
    this.spanAttributes = { 'backup_graph.source': adapter.name };
  }

  get name(): string {
    return this.adapter.name;
  }

  /** How long a stored list lives: as long as it may be served at all, and stale-if-error is the longest of the bounds. */
  private get keptForMs(): number {
    return Math.max(1, this.adapter.freshness.staleIfErrorMs);
  }

  /**
   * How long where the walk over jobs in progress stands is kept: as long as a refresh may build on
   * a list, which this replica keeps for a reconciliation's span even when the shared copy is gone
   * sooner (a short staleIfErrorMs), so that the walk goes on past its first page whatever the bounds.
   */
  private get walkKeptForMs(): number {
    return Math.max(this.keptForMs, this.reconcileAfterMs);
  }

  private get reconcileAfterMs(): number {
    return this.adapter.freshness.reconcileAfterMs ?? RECONCILE_AFTER_MS;
  }

  /**
   * Calls `listener` with what each new version of the list changed, for the versions this replica
   * makes (refreshes, and the slices of a fill or a reconciliation); returns the way to stop.
   */
  onChange(listener: SourceChangeListener<Job>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** When the cached snapshot was fetched, without reading upstream; null when none is cached. */
  async fetchedAt(): Promise<number | null> {
    return (await this.cached())?.fetchedAt ?? null;
  }

  /** The snapshot a read would be served now (the same object while its version lives), without reading upstream. */
  current(): Promise<Snapshot<Job> | undefined> {
    return this.cached();
  }

  /**
   * The source's jobs for one reader, fresh or within the staleness bounds of its configuration:
   * at once, without a promise, when the shared state holds a snapshot here that needs no refresh
   * waited for (most reads, and a page reads every source).
   */
  read(reader: Reader): SourcePart<Job> | Promise<SourcePart<Job>> {
    let part = reader.parts.get(this.name) as SourcePart<Job> | Promise<SourcePart<Job>> | undefined;
    if (!part) {
      const held = this.state.peekSliced?.<JobsHead, Job>(this.snapshotKey);
      part = held ? this.readFrom(reader, this.snapshotOf(this.assembledFrom(held))) : this.cached().then((cached) => this.readFrom(reader, cached));
      reader.parts.set(this.name, part);
    }
    return part;
  }

  private readFrom(reader: Reader, cached: Snapshot<Job> | undefined): SourcePart<Job> | Promise<SourcePart<Job>> {
    const { refreshAfterMs, maxStalenessMs } = this.adapter.freshness;
    const age = cached ? this.now() - cached.fetchedAt : Number.POSITIVE_INFINITY;
    if (cached && age <= refreshAfterMs) return this.served(reader, 'hit', cached);
    if (cached && age <= maxStalenessMs) {
      // Nobody waits for it; its failure is the next reader's concern.
      this.refreshFor(reader, cached.fetchedAt).catch(() => undefined);
      return this.served(reader, 'hit', cached);
    }
    return this.readUpstream(reader, cached);
  }

  private async readUpstream(reader: Reader, cached: Snapshot<Job> | undefined): Promise<SourcePart<Job>> {
    try {
      // Only a read that waits for the upstream is a span: hits are most reads, and tracing them costs more than it tells.
      const fresh = await inSpan('read-model read', { attributes: this.spanAttributes }, () =>
        reader.away(() => untilRequestDeadline(() => this.refreshFor(reader, cached?.fetchedAt ?? null), reader.signal, this.name, 'refresh')),
      );
      return this.served(reader, 'miss', fresh);
    } catch (error) {
      // Its age now, not when the reader asked: the failed refresh may have taken seconds.
      if (cached && this.now() - cached.fetchedAt <= this.adapter.freshness.staleIfErrorMs) return this.served(reader, 'stale', cached, error);
      return this.served(reader, 'unavailable', null, error);
    }
  }

  private served(reader: Reader, result: ReadResult, snapshot: Snapshot<Job> | null, error: unknown = null): SourcePart<Job> {
    recordRead(this.name, result);
    const part = { sourceName: this.name, snapshot, stale: result === 'stale', error };
    reader.served.push(part);
    return part;
  }

  /**
   * The jobs of a source kept for a retained window only that were created at or before `before`
   * (epoch ms), older than that window: one slice of the upstream's list (see olderSliceMs), cut
   * the same way by every reader and replica and shared by them for as long as a reconciliation
   * would take to come back. `after` is where the slice begins (jobs created after it and at or before `before`
   * are all in), null when it reaches back to where the upstream's window ends.
   */
  async olderJobs(before: number, reader: Reader): Promise<{ jobs: readonly Job[]; after: number | null }> {
    const { byTime } = this.adapter;
    const part = await this.read(reader);
    const seen = part.snapshot ? this.decodedFrom?.seen.createdAt : undefined;
    if (!byTime || seen === undefined) throw asError(part.error ?? new SourceError(ErrorCode.UPSTREAM_UNAVAILABLE, this.name, 'refresh', 'NoList', undefined, true));
    const sliceMs = olderSliceMs(part.snapshot!, seen);
    const slice = Math.ceil(before / sliceMs) - 1;
    const windowStart = seen - byTime.windowMs;
    const start = slice * sliceMs;
    const after = start <= windowStart ? null : start;
    const key = `older:${this.name}:${sliceMs}:${after === null ? 'edge' : slice}`;
    const { value: jobs } = await this.readThrough(
      key,
      // The slice's own jobs are its composite jobs' children: its counts are its own to relate.
      async () => this.related((await byTime.listCreated(after, start + sliceMs)).jobs.sort(byPosition), null),
      reader,
      { kind: 'refresh', span: 'older slice', ttlMs: () => this.reconcileAfterMs },
    );
    return { jobs: jobs.filter((job) => (job.createdAt ?? 0) <= before), after };
  }

  /**
   * Jobs by key: from the snapshot, else (where the upstream can) looked up one by one and cached,
   * settled jobs for long and missing ones (null) as long as a snapshot stays fresh. Where the list
   * cannot tell (a retained window, a fill under way) and the upstream's silence proves nothing,
   * a job is looked up as well, and stays unknown unless the upstream gives it.
   */
  async lookup(keys: readonly string[], reader: Reader): Promise<(Job | null | Error)[]> {
    const part = await this.read(reader);
    const { lookupJob, lookupBeyondList } = this.adapter;
    let unlisted: Error | null | undefined;
    const beyond: number[] = [];
    // Jobs the snapshot holds are answered as they are; only the others wait, each for its own lookup.
    const found: (Job | null | Error | Promise<Job | null | Error>)[] = keys.map((key, index) => {
      const listed = part.snapshot?.byKey.get(key);
      if (listed) {
        recordLookup(this.name, 'hit');
        return listed;
      }
      if (lookupJob) {
        reader.beyondSnapshot = true;
        return this.lookupOne(key, () => lookupJob.call(this.adapter, key), reader).catch((error: unknown) => asError(error));
      }
      unlisted ??= this.unlisted(part);
      if (unlisted !== null && lookupBeyondList) beyond.push(index);
      return unlisted;
    });
    if (beyond.length > 0) {
      reader.beyondSnapshot = true;
      const looked = await this.lookUpBeyondList(
        beyond.map((index) => keys[index]!),
        unlisted!,
        lookupBeyondList!.bind(this.adapter),
        reader,
      );
      beyond.forEach((index, position) => (found[index] = looked[position]!));
    }
    return found.some((job) => job instanceof Promise) ? Promise.all(found) : (found as (Job | null | Error)[]);
  }

  /** What a lookup of a job the list lacks answers from the list alone: null (absent) where the list holds every job of the upstream's window, else why it cannot tell. */
  private unlisted(part: SourcePart<Job>): Error | null {
    if (!part.snapshot) return asError(part.error);
    // While older slices fill in, a job the list lacks may be one not read yet: unknown, not absent.
    if (part.snapshot.completeAfter !== null) return new SourceError(ErrorCode.UPSTREAM_UNAVAILABLE, this.name, 'lookup', 'StillFilling', undefined, true);
    // Older than what is kept in memory: the job may exist, and the list cannot tell.
    return part.snapshot.retainedAfter === null ? null : new SourceError(ErrorCode.UPSTREAM_UNAVAILABLE, this.name, 'lookup', 'OutsideRetainedWindow', undefined, false);
  }

  /**
   * Jobs the list cannot tell of, looked up upstream (see SourceAdapter.lookupBeyondList): each
   * the job the upstream gave, null for one it showed is not this source's, else `unknown`. Once
   * the upstream refuses such a lookup, every replica stops asking for BEYOND_LIST_VERDICT_MS;
   * until it has answered one, a batch sends one lookup first and the others after it, so that
   * fifty lookups from an identity it refuses cost one refused call, not fifty.
   */
  private async lookUpBeyondList(
    keys: readonly string[],
    unknown: Error,
    lookupBeyondList: (key: string, turn: BeyondListTurn) => Promise<BeyondList<Job>>,
    reader: Reader,
  ): Promise<(Job | null | Error)[]> {
    const verdictKey = `beyond-list:${this.name}`;
    const verdict = async () => (await this.state.read<BeyondListVerdict>(verdictKey))?.value;
    const learn = (value: BeyondListVerdict) => this.state.write<BeyondListVerdict>(verdictKey, { value, fetchedAt: this.now() }, BEYOND_LIST_VERDICT_MS);
    const one = async (key: string): Promise<Job | null | Error> => {
      try {
        const found = await this.lookupOne<BeyondList<Job>>(
          key,
          async (giveBack) => {
            let stopped = false;
            const turn: BeyondListTurn = {
              stillAsk: async () => {
                stopped = (await verdict()) === 'refused';
                return !stopped;
              },
              refused: () => learn('refused'),
            };
            const answer = await lookupBeyondList(key, turn);
            // A refusal learnt while this lookup waited for its turn stopped it before it called: it cost nothing upstream.
            if (stopped) await giveBack();
            if (answer !== 'unknown' && answer !== 'refused' && (await verdict()) === undefined) await learn('answers');
            return answer;
          },
          reader,
        );
        return found === 'unknown' || found === 'refused' ? unknown : found;
      } catch (error) {
        return asError(error);
      }
    };
    // Once AWS refuses, no call is made: what it answered before, cached, still stands.
    const cachedOnly = async (key: string): Promise<Job | null | Error> => {
      const cached = (await this.state.read<BeyondList<Job>>(`job:${key}`))?.value;
      return cached === undefined || cached === 'unknown' || cached === 'refused' ? unknown : cached;
    };
    const known = await verdict();
    if (known === 'refused') return Promise.all(keys.map(cachedOnly));
    if (known === 'answers') return Promise.all(keys.map(one));
    const [first, ...rest] = keys;
    const head = await one(first!);
    if (rest.length === 0) return [head];
    if ((await verdict()) === 'refused') return [head, ...(await Promise.all(rest.map(cachedOnly)))];
    return [head, ...(await Promise.all(rest.map(one)))];
  }

  /**
   * The upstream's answer to a summary plan, cached in the shared state for the source's
   * refreshAfterMs (counts no staler than its list), asked once at a time per plan in this replica,
   * and charged to the reader as a refresh is: one call of its share, given back when it fails.
   */
  summary<Answer>(plan: SummaryPlan<Answer>, reader: Reader): Promise<Stored<Answer>> {
    return this.readThrough(`summary:${this.name}:${plan.key}`, () => plan.fetch(), reader, {
      kind: 'summary',
      span: 'summary',
      ttlMs: () => this.adapter.freshness.refreshAfterMs,
    });
  }

  /**
   * One job looked up upstream, cached in the shared state: a settled job for long, any other
   * answer for maxStalenessMs, and a refusal not at all (the source's verdict stands for it).
   * `lookUp` gives the reader's charge back where it answers without calling upstream.
   */
  private lookupOne<Found extends BeyondList<Job>>(key: string, lookUp: (giveBack: () => Promise<void>) => Promise<Found>, reader: Reader): Promise<Found> {
    const { maxStalenessMs } = this.adapter.freshness;
    const ttlMs = (found: Found) => {
      if (found === 'refused') return 0;
      return found !== null && found !== 'unknown' && this.adapter.isSettled(found as Job) ? SETTLED_TTL_MS : maxStalenessMs;
    };
    const read = this.readThrough<Found>(`job:${key}`, lookUp, reader, { kind: 'lookup', span: 'lookup', ttlMs, counted: recordLookup });
    return read.then(({ value }) => value);
  }

  /**
   * A record a job points at (a vault, say), read by the source's adapter as the adapter alone
   * knows how: cached in the shared state under `key` for as long as `ttlMs` says of it, one read
   * at a time per key, and charged to the reader like a lookup of a job.
   */
  async record<T>(key: string, read: () => Promise<T | null>, reader: Reader, ttlMs: (value: T | null) => number): Promise<T | null> {
    return (await this.readThrough(`record:${key}`, read, reader, { kind: 'lookup', span: 'lookup', ttlMs, counted: recordRecordRead })).value;
  }

  /**
   * One upstream read kept in the shared state under `cacheKey` (every replica shares it) until
   * `ttlMs` of its value has passed since it was asked, one read at a time per key here, charged
   * to the reader as `kind` and given back when it fails, when the request's deadline passed before
   * it started, or when `read` gives it back (it answered without calling upstream).
   */
  private async readThrough<T>(
    cacheKey: string,
    read: (giveBack: () => Promise<void>) => Promise<T>,
    reader: Reader,
    options: { kind: UpstreamRead; span: string; ttlMs: (value: T) => number; counted?: (source: string, result: 'hit' | 'miss') => void },
  ): Promise<Stored<T>> {
    const { kind } = options;
    const cached = await this.state.read<T>(cacheKey);
    options.counted?.(this.name, cached ? 'hit' : 'miss');
    if (cached) return cached;
    let pending = this.reads.get(cacheKey) as Promise<Stored<T>> | undefined;
    if (!pending) {
      await reader.charge(this.name, kind);
      const giveBack = () => reader.refund(this.name, kind);
      // A request past its deadline (the list it waited for may have taken all of it) starts nothing.
      if (reader.signal.aborted) {
        await giveBack();
        throw requestDeadline(this.name, kind);
      }
      pending = inSpan(`read-model ${options.span}`, { attributes: this.spanAttributes }, async () => {
        // The value is as old as the moment the upstream was asked.
        const askedAt = this.now();
        const value = await read(giveBack).catch(async (error: unknown) => {
          await giveBack();
          throw error;
        });
        const stored = { value, fetchedAt: askedAt };
        const ttl = options.ttlMs(value) - (this.now() - askedAt);
        if (ttl > 0) await this.state.write(cacheKey, stored, ttl);
        return stored;
      }).finally(() => this.reads.delete(cacheKey));
      this.reads.set(cacheKey, pending);
    }
    const shared = pending;
    return reader.away(() => untilRequestDeadline(() => shared, reader.signal, this.name, kind));
  }

  /**
   * The refresh under way, or a new one charged to this reader. Readers that find a refresh due
   * while another reader's charge is being decided wait for that decision instead of paying too:
   * one refresh costs one caller one read, however many readers it serves.
   */
  private async refreshFor(reader: Reader, seen: number | null): Promise<Snapshot<Job>> {
    while (!this.inflight) {
      if (this.charging) {
        await this.charging.catch(() => undefined);
        continue;
      }
      const charging = reader.charge(this.name, 'refresh');
      this.charging = charging;
      try {
        await charging;
      } finally {
        if (this.charging === charging) this.charging = undefined;
      }
      return this.refresh(seen).then(
        async (snapshot) => {
          // Another replica's refresh answered this one, which asked nothing upstream.
          if (!this.fetchedHere.has(snapshot)) await reader.refund(this.name, 'refresh');
          return snapshot;
        },
        async (error: unknown) => {
          await reader.refund(this.name, 'refresh');
          throw error;
        },
      );
    }
    return this.inflight;
  }

  /** A snapshot newer than `seen` (the fetch time of the one the reader found, null for none). */
  private refresh(seen: number | null): Promise<Snapshot<Job>> {
    this.inflight ??= inSpan('read-model refresh', { attributes: this.spanAttributes }, () => this.refreshShared(seen)).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** One refresh across every replica: the one holding the lease calls upstream, the others wait for its answer. */
  private async refreshShared(seen: number | null): Promise<Snapshot<Job>> {
    const startedAt = this.now();
    // A lease lasts one call's deadline: a replica that dies holding it blocks the others no longer than that.
    const leaseMs = this.adapter.timeoutMs;
    const newer = (snapshot: Snapshot<Job> | undefined): snapshot is Snapshot<Job> => snapshot !== undefined && (seen === null || snapshot.fetchedAt > seen);
    const boundMs = this.adapter.timeoutMs * REFRESH_CALLS_BOUND;
    const leaseKey = `refresh:${this.name}`;
    const failureKey = `failure:${this.name}`;
    for (;;) {
      if (await this.state.lease(leaseKey, leaseMs)) {
        try {
          // Another replica may have stored a newer snapshot since this one looked.
          const stored = await this.readStored();
          const latest = stored ? this.snapshotOf(stored) : undefined;
          if (newer(latest)) return latest;
          return await this.fetchAndStore(await this.latestStored(stored));
        } catch (error) {
          if (error instanceof SourceError) {
            const failure: Failure = { code: error.code as UpstreamErrorCode, upstreamName: error.upstreamName, ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }) };
            await this.state.write<Failure>(failureKey, { value: failure, fetchedAt: this.now() }, boundMs);
          }
          throw error;
        } finally {
          await this.state.release(leaseKey);
        }
      }
      await sleep(PEER_POLL_MS);
      const latest = await this.cached();
      if (newer(latest)) return latest;
      const failure = await this.state.read<Failure>(failureKey);
      if (failure && failure.fetchedAt >= startedAt) {
        throw new SourceError(failure.value.code, this.name, 'refresh', failure.value.upstreamName, undefined, false, failure.value.retryAfterMs);
      }
      if (this.now() - startedAt > boundMs) {
        throw new SourceError(ErrorCode.UPSTREAM_TIMEOUT, this.name, 'refresh', 'PeerRefresh', undefined, true);
      }
    }
  }

  /**
   * Reads the upstream and stores what it said: every job for a source read in full; for one read
   * by time, what changed since `latest`, or first the newest slice while the rest fills in behind.
   */
  private async fetchAndStore(latest: Stored<StoredJobs<Job>> | undefined): Promise<Snapshot<Job>> {
    // The data is as old as the moment the upstream was asked, not the moment its answer arrived.
    const askedAt = this.now();
    const { byTime } = this.adapter;
    let value: StoredJobs<Job>;
    let walkedTo: string | null | undefined;
    if (!byTime) value = this.relisted(latest?.value, this.listedInFull(await this.adapter.listJobs()));
    else if (!latest || latest.value.small) value = this.relisted(latest?.value, await this.firstOrSmall(byTime));
    else {
      const changes = await this.changesSince(byTime, latest.value.seen);
      value = this.withChanges(latest.value, changes.jobs);
      walkedTo = changes.progressNext;
    }
    const snapshot = await this.store({ value, fetchedAt: askedAt });
    this.fetchedHere.add(snapshot);
    // Moved on only once the page's jobs are stored: a refresh that fails to store them reads the page again.
    if (walkedTo !== undefined) await this.state.write<string | null>(this.progressKey, { value: walkedTo, fetchedAt: askedAt }, this.walkKeptForMs);
    this.sweepIfDue();
    return snapshot;
  }

  /**
   * The jobs that may have changed since the newest times seen, with the next page of the walk over
   * the jobs in progress. Where the walk stands is kept in the shared state apart from the list
   * (see fetchAndStore and walkKeptForMs), so that every replica's refresh takes it on from there,
   * and a refresh that changed no job leaves the list's version as it was. A job the page does not
   * hold keeps the version the list has of it: the jobs under way are never dropped for not being on the page.
   */
  private async changesSince(byTime: TimeSlicedListing<Job>, seen: Horizon): Promise<{ jobs: Job[]; progressNext: string | null }> {
    const from = (await this.state.read<string | null>(this.progressKey))?.value ?? null;
    return byTime.listChanged(sinceOf(seen), from);
  }

  /**
   * Shares a version of the list, makes it this replica's latest (which the next refresh builds on
   * should the shared copy expire first), and tells the listeners what it changed.
   */
  private async store(stored: Stored<StoredJobs<Job>>): Promise<Snapshot<Job>> {
    await this.state.writeSliced(this.snapshotKey, { value: this.sliced(stored.value), fetchedAt: stored.fetchedAt }, this.keptForMs);
    const known = this.decodedFrom;
    const snapshot = this.snapshotOf(stored);
    const change = this.changes.get(stored.value);
    if (change && stored.value !== known && this.listeners.size > 0) {
      const told: SourceChange<Job> = { sourceName: this.name, added: change.added, dropped: change.dropped, backfill: change.backfill, fetchedAt: stored.fetchedAt };
      for (const listener of this.listeners) {
        try {
          listener(told);
        } catch (error) {
          log('warn', 'read-model', `[read-model] ${this.name}: a change listener failed (${error instanceof Error ? error.name : 'error'})`, { source: this.name });
        }
      }
    }
    return snapshot;
  }

  /**
   * Makes an action's effect part of the stored list at once, as a new version, without a
   * refresh: `job` in (a job the action started, or its new version) or the job of `removedKey`
   * out. Under the refresh lease, so that no refresh stores over it. Nothing is stored when no
   * list is: the next read lists the source, effect included. It never fails the action, which
   * the upstream has done: should the lease or the shared state fail it, the next refresh shows
   * the effect instead.
   */
  async applyAction(change: { job?: Job; removedKey?: string }): Promise<void> {
    try {
      await this.underLease(async () => {
        const current = await this.latestStored();
        if (!current) return;
        const removedKeys = new Set(change.removedKey === undefined ? [] : [change.removedKey]);
        const next = this.withChanges(current.value, change.job ? [change.job] : [], { action: { removedKeys } });
        if (next !== current.value) await this.store({ value: next, fetchedAt: current.fetchedAt });
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'error';
      log('warn', 'read-model', `[read-model] ${this.name}: an action's effect waits for the next refresh (${name})`, { source: this.name, error: name });
    }
  }

  /** Ends the background listing: the source is going away. */
  stop(): void {
    this.stopped = true;
  }

  /** A source's whole list, as one listing returned it (each job once). */
  private listedInFull(jobs: Job[], small = false): StoredJobs<Job> {
    jobs.sort(byPosition);
    const related = this.related(jobs, null);
    return { jobs: related, completeAfter: null, retainedAfter: null, sweep: null, seen: horizonOf(related), listedInFullAt: this.now(), small };
  }

  /**
   * A list read in full, as a change of the version before it: the jobs listed as they were stay
   * the very objects they were (so nothing that holds them sees a change), and the change is what
   * differs. Costs one comparison per job, once per refresh.
   */
  private relisted(before: StoredJobs<Job> | undefined, after: StoredJobs<Job>): StoredJobs<Job> {
    if (!before) return after;
    const edited = this.withChanges(before, after.jobs, { sweptRange: { after: null, before: Number.POSITIVE_INFINITY } });
    const changed = edited !== before;
    if (!changed && before.completeAfter === after.completeAfter && before.retainedAfter === after.retainedAfter && before.small === after.small) return before;
    const next = { ...after, jobs: edited.jobs, seen: horizonOf(edited.jobs) };
    if (changed) this.changes.set(next, this.changes.get(edited)!);
    return next;
  }

  /** The list with what its jobs' neighbours tell of them (see SourceAdapter.relate). */
  private related(jobs: Job[], changed: readonly Job[] | null): Job[] {
    return this.adapter.relate ? this.adapter.relate(jobs, changed) : jobs;
  }

  /**
   * A source that fits in a few pages is read in full; one that fits in one page is read so at
   * every refresh, which costs that one call and sees deletions. A larger one is read newest first:
   * the jobs created in the last slice before the newest job those pages showed, after which the
   * older slices fill in, in the background.
   */
  private async firstOrSmall(byTime: TimeSlicedListing<Job>): Promise<StoredJobs<Job>> {
    const probe = await byTime.listCreated(null, null, FULL_READ_PAGES);
    if (probe.complete) return this.listedInFull(probe.jobs, probe.pages === 1);
    const listed = [...probe.jobs];
    // The newest job: neither the list's order nor the gateway's clock (the upstream's may differ)
    // tells it, so the jobs created after the newest seen so far are asked for, a page at a time,
    // until none is newer.
    let newest = horizonOf(probe.jobs).createdAt;
    for (let seek = 0; seek < MAX_SEEKS; seek++) {
      const newer = await byTime.listCreated(newest, null, 1);
      listed.push(...newer.jobs);
      newest = Math.max(newest, horizonOf(newer.jobs).createdAt);
      if (newer.complete) break;
    }
    const retainedAfter = retainedFloor(byTime, newest);
    const windowStart = retainedAfter ?? newest - byTime.windowMs;
    // The newest slice, widened back until it holds a few pages of the graph or the whole window.
    let before: number | null = null;
    let after = newest - FIRST_SLICE_MS;
    let inSlices = 0;
    for (;;) {
      // The oldest slice of the whole window has no lower bound: where it ends is the upstream's to say.
      const slice = await byTime.listCreated(after > windowStart ? after : retainedAfter, before);
      listed.push(...slice.jobs);
      inSlices += slice.jobs.length;
      if (inSlices >= FIRST_READ_JOBS || after <= windowStart) break;
      before = after;
      after -= 3 * (newest - after);
    }
    // The pages and slices overlap: each job once; the first pages may reach past the retained window.
    const jobs = editJobs([], { listed }).jobs;
    const kept = retainedAfter === null ? jobs : jobs.slice(0, firstAfter(jobs, floorPosition(retainedAfter)));
    return { ...this.listedInFull(kept), completeAfter: after <= windowStart ? null : after, retainedAfter };
  }

  /**
   * A stored list with the changes the upstream just listed: new and changed jobs in, aged ones
   * out. An action's change (`action`) takes out the keys it removed and leaves the times the
   * upstream has shown as they were: a job an action started is no sign that the jobs before it
   * were all listed. Jobs a sweep listed come with what the list held of them when they were
   * asked for (`heldWhenAsked`, see preferred).
   */
  private withChanges(
    value: StoredJobs<Job>,
    listed: readonly Job[],
    how: { sweptRange?: ListEdit<Job>['sweptRange']; action?: { removedKeys: ReadonlySet<string> }; heldWhenAsked?: HeldWhenAsked<Job> } = {},
  ): StoredJobs<Job> {
    const { sweptRange, action, heldWhenAsked } = how;
    const edit: ListEdit<Job> = {
      listed,
      prefer: (kept, fresh) => this.preferred(kept, fresh, heldWhenAsked),
      ...(sweptRange ? { sweptRange } : {}),
      ...(action ? { removedKeys: action.removedKeys } : {}),
    };
    const { jobs, changed, dropped, removed } = editJobs(value.jobs, edit);
    const seen = action ? value.seen : later(value.seen, horizonOf(changed));
    // The retained window follows the newest job: what falls out of it leaves memory.
    const retainedAfter = value.retainedAfter === null || !this.adapter.byTime ? value.retainedAfter : Math.max(value.retainedAfter, retainedFloor(this.adapter.byTime, seen.createdAt)!);
    const keep = retainedAfter === null ? jobs.length : firstAfter(jobs, floorPosition(retainedAfter));
    if (changed.length === 0 && removed === 0 && keep === jobs.length) return value;
    let kept = jobs;
    let added = changed;
    if (keep < jobs.length) {
      kept = jobs.slice(0, keep);
      const listedNow = new Set(changed);
      // Jobs of the list before that fell out of the window left it; jobs listed now below it never came in.
      for (let index = keep; index < jobs.length; index++) if (!listedNow.has(jobs[index]!)) dropped.push(jobs[index]!);
      added = changed.filter((job) => (job.createdAt ?? 0) > retainedAfter!);
    }
    const related = this.related(kept, added);
    const next = { ...value, jobs: related, seen, retainedAfter };
    this.changes.set(next, { from: value, added, dropped, touched: [...added, ...dropped, ...replaced(kept, related)], backfill: false });
    return next;
  }

  /**
   * Which of two versions of a job the list keeps: the one it holds, or the one just listed. Never
   * the older of the two, told apart by what every source can tell without knowing its kind:
   * - A settled version is never replaced by an unsettled one (a job cannot leave a final state,
   *   so the settled one is the newer whichever listing came last), and a settled one listed
   *   replaces an unsettled one (a sweep that saw the job settle before the refreshes did).
   * - A job listed as it was changes nothing: the list, its index and what depends on it stay.
   * - A refresh lists a newer version than the list holds: it holds the refresh lease from before
   *   it asks until it stores, so nothing is stored in between. An action's answer is the
   *   upstream's word on the job it just started or changed.
   * - A sweep's slice is listed outside that lease and merged seconds or minutes later, while
   *   refreshes go on storing the progress of the jobs under way: an unsettled version from it
   *   replaces only the version the list held when the slice was asked (`heldWhenAsked`, null for
   *   none). A version stored since came from a listing answered after the slice was asked, which
   *   may have seen the job further on; the slice's copy, as of before, would put it back. Where
   *   that listing was asked a moment before the slice, the job keeps a version a moment older
   *   than the slice's, which the next refresh of it updates: a version is never replaced by an
   *   older one, at the cost of sometimes not by a slightly newer one.
   */
  private preferred(kept: Job, fresh: Job, heldWhenAsked?: HeldWhenAsked<Job>): Job {
    const settled = this.adapter.isSettled(fresh);
    if ((this.adapter.isSettled(kept) && !settled) || isDeepStrictEqual(kept, fresh)) return kept;
    if (settled || !heldWhenAsked) return fresh;
    const held = heldWhenAsked.get(fresh.key);
    return held === undefined || held === kept || (held !== null && isDeepStrictEqual(held, kept)) ? fresh : kept;
  }

  /**
   * Starts the background work a source read by time needs, if any is due and none runs here: the
   * older slices of a first read, or a reconciliation (every slice listed again) every
   * reconcileAfterMs. It never runs in a reader's path, and one replica at a time does it.
   */
  private sweepIfDue(): void {
    const { byTime } = this.adapter;
    if (!byTime || this.sweeping || this.stopped) return;
    const value = this.decodedFrom;
    if (!value || value.small) return;
    const due = value.completeAfter !== null || value.sweep !== null || this.now() - value.listedInFullAt >= this.reconcileAfterMs;
    if (!due) return;
    this.sweeping = this.sweep(byTime)
      .catch((error: unknown) => {
        if (this.stopped) return;
        log('warn', 'read-model', `[read-model] ${this.name}: background listing stopped (${error instanceof Error ? error.name : 'error'}); the next refresh resumes it`, {
          source: this.name,
          error: error instanceof Error ? error.name : 'error',
        });
      })
      .finally(() => {
        this.sweeping = undefined;
      });
  }

  /**
   * Lists slice after slice, newest first, until the window is done, and merges them into the latest
   * stored list a batch at a time (see MERGE_SHARE): each merge copies the list, so a merge per
   * slice would copy a list of hundreds of thousands of jobs once for each of its slices.
   */
  private async sweep(byTime: TimeSlicedListing<Job>): Promise<void> {
    // One replica sweeps at a time, and takes its lease again before each slice, so that another
    // takes the sweep on, from where the shared list says it stands, within a slice's time should it stop.
    const leaseKey = `sweep:${this.name}`;
    const leaseMs = this.adapter.timeoutMs * REFRESH_CALLS_BOUND + SLICE_PAUSE_MS;
    let held = false;
    try {
      await this.sweepHolding(byTime, async () => {
        if (held) await this.state.release(leaseKey);
        held = await this.state.lease(leaseKey, leaseMs);
        return held;
      });
    } finally {
      if (held) await this.state.release(leaseKey);
    }
  }

  private async sweepHolding(byTime: TimeSlicedListing<Job>, holdLease: () => Promise<boolean>): Promise<void> {
    let sliceMs = FIRST_SLICE_MS;
    let batch = null as SweepBatch<Job> | null;
    for (;;) {
      // A pause before each slice: the answer that started the sweep goes out first, and readers'
      // refreshes find calls left in the budget.
      await sleep(SLICE_PAUSE_MS);
      if (this.stopped || !(await holdLease())) return;
      const latest = await this.latestStored();
      if (!latest || latest.value.small) return;
      const value = latest.value;
      const windowStart = value.retainedAfter ?? value.seen.createdAt - byTime.windowMs;
      const filling = value.completeAfter !== null;
      // A batch of a fill that another replica finished, or of a reconciliation that a first read replaced, is of no use.
      if (batch?.filling !== filling) batch = null;
      let before: number | undefined = batch ? batch.after : filling ? value.completeAfter! : value.sweep?.before;
      if (before === undefined) {
        if (this.now() - value.listedInFullAt < this.reconcileAfterMs) return;
        before = value.seen.createdAt + SLICE_OVERLAP_MS;
      }
      const after = Math.max(windowStart, before - sliceMs);
      const done = after <= windowStart;
      // The oldest slice of the whole window has no lower bound: where the window ends is the
      // upstream's to say, and a reconciliation's oldest slice takes out what the upstream no longer lists there.
      const lowest = done && value.retainedAfter === null ? null : after;
      batch ??= { filling, before, startedAt: value.sweep?.startedAt ?? this.now(), jobs: [], heldWhenAsked: new Map(), after, lowest };
      const slice = await byTime.listCreated(lowest, before);
      for (const job of slice.jobs) {
        batch.jobs.push(job);
        // `value` was read before the slice was asked: what the merge may replace (see preferred).
        if (this.adapter.isSettled(job)) continue;
        const at = placeOf(value.jobs, job);
        batch.heldWhenAsked.set(job.key, at < 0 ? null : value.jobs[at]!);
      }
      batch.after = after;
      batch.lowest = lowest;
      // Slices of about a few pages each, whatever the source's rate of jobs.
      sliceMs = Math.min(MAX_SLICE_MS, Math.max(MIN_SLICE_MS, slice.jobs.length === 0 ? sliceMs * 4 : (sliceMs * SLICE_TARGET_JOBS) / slice.jobs.length));
      if (done || batch.jobs.length >= Math.min(MAX_BATCH_JOBS, value.jobs.length * MERGE_SHARE)) {
        await this.mergeBatch(batch, done);
        batch = null;
      }
    }
  }

  /** Merges the slices of a sweep listed since its last merge into the latest stored list, with how far the sweep has come. */
  private async mergeBatch(batch: SweepBatch<Job>, done: boolean): Promise<void> {
    const { filling, before, after, lowest, startedAt } = batch;
    await this.underLease(async () => {
      const current = await this.latestStored();
      if (!current) return;
      // A job created in the slices that they lack is gone upstream, except one listed since they were asked.
      const swept = filling ? undefined : { after: lowest, before: Math.min(before, current.value.seen.createdAt - SLICE_OVERLAP_MS) };
      const edited = this.withChanges(current.value, batch.jobs, { ...(swept ? { sweptRange: swept } : {}), heldWhenAsked: batch.heldWhenAsked });
      // How far the sweep has come only ever moves back in time: a replica that swept further, or finished, stays ahead.
      const { completeAfter, sweep } = current.value;
      const next: StoredJobs<Job> = filling
        ? { ...edited, completeAfter: done || completeAfter === null ? null : Math.min(after, completeAfter) }
        : sweep === null && current.value.listedInFullAt >= startedAt
          ? edited
          : { ...edited, sweep: done ? null : { before: Math.min(after, sweep?.before ?? after), startedAt }, ...(done ? { listedInFullAt: startedAt } : {}) };
      const change = edited === current.value ? undefined : this.changes.get(edited);
      if (change) this.changes.set(next, { ...change, backfill: filling });
      await this.store({ value: next, fetchedAt: current.fetchedAt });
    });
  }

  /** Runs `edit` holding the source's refresh lease, so that no refresh of any replica stores over it. */
  private async underLease(edit: () => Promise<void>): Promise<void> {
    const leaseKey = `refresh:${this.name}`;
    const deadline = this.now() + this.adapter.timeoutMs * REFRESH_CALLS_BOUND;
    while (!(await this.state.lease(leaseKey, this.adapter.timeoutMs))) {
      if (this.now() > deadline) throw new SourceError(ErrorCode.UPSTREAM_TIMEOUT, this.name, 'refresh', 'PeerRefresh', undefined, true);
      await sleep(PEER_POLL_MS);
    }
    try {
      await edit();
    } finally {
      await this.state.release(leaseKey);
    }
  }

  private async cached(): Promise<Snapshot<Job> | undefined> {
    const stored = await this.readStored();
    return stored ? this.snapshotOf(stored) : undefined;
  }

  /**
   * The indexed snapshot of a stored list, built once per stored version and replica. A version
   * stored again by a refresh that found nothing new is the same jobs, index and answers, fetched later.
   */
  private snapshotOf(stored: Stored<StoredJobs<Job>>): Snapshot<Job> {
    const decoded = this.decoded;
    if (decoded && this.decodedFrom === stored.value) {
      if (decoded.fetchedAt !== stored.fetchedAt) this.decoded = refetched(decoded, stored.fetchedAt);
      return this.decoded!;
    }
    const change = this.changes.get(stored.value);
    const since = change && decoded && change.from === this.decodedFrom ? { memo: decoded.memo, added: change.added, dropped: change.dropped } : undefined;
    // The version before has served its change: without this, each version's change would hold the
    // one before it, and every version this replica ever made would stay in memory.
    if (this.decodedFrom) this.changes.delete(this.decodedFrom);
    this.decodedFrom = stored.value;
    const { jobs } = stored.value;
    let byKey: Map<string, Job> | undefined;
    this.decoded = {
      jobs,
      // Built on the first lookup by key: most versions of a large list are only paged.
      get byKey() {
        return (byKey ??= new Map(jobs.map((job) => [job.key, job])));
      },
      fetchedAt: stored.fetchedAt,
      completeAfter: stored.value.completeAfter,
      retainedAfter: stored.value.retainedAfter,
      memo: new Map(),
      ...(since ? { since } : {}),
    };
    return this.decoded;
  }

  /** The stored list, assembled from its slices once per version the shared state hands this replica. */
  private async readStored(): Promise<Stored<StoredJobs<Job>> | undefined> {
    const stored = await this.state.readSliced<JobsHead, Job>(this.snapshotKey);
    return stored ? this.assembledFrom(stored) : undefined;
  }

  private assembledFrom(stored: Stored<Sliced<JobsHead, Job>>): Stored<StoredJobs<Job>> {
    let value = this.assembled.get(stored.value);
    if (!value) {
      const { sliceMs, ...head } = stored.value.head;
      const { slices } = stored.value;
      const { jobs, inFlight } = assemble(slices, sliceMs);
      value = { ...head, jobs };
      this.assembled.set(stored.value, value);
      this.cuts.set(value.jobs, { sliceMs, slices, inFlight });
    }
    return { value, fetchedAt: stored.fetchedAt };
  }

  /** A list as the shared state keeps it: its head, and its jobs cut into creation-time slices (see cut). */
  private sliced(value: StoredJobs<Job>): Sliced<JobsHead, Job> {
    // Cut only when a shared state asks for the head or the slices, to encode or send them: one that
    // keeps the object as it is (in this process's memory) never does, and pays nothing for slices.
    const { jobs: _, ...rest } = value;
    let cut: Cut<Job> | undefined;
    let head: JobsHead | undefined;
    const cutOnce = () => (cut ??= this.cut(value));
    const sliced: Sliced<JobsHead, Job> = {
      get head() {
        return (head ??= { ...rest, sliceMs: cutOnce().sliceMs });
      },
      get slices() {
        return cutOnce().slices;
      },
    };
    this.assembled.set(sliced, value);
    return sliced;
  }

  /**
   * A list's jobs in their slices: the settled jobs by creation time, and those not settled in one
   * in-flight slice of their own, which a refresh rewrites as their progress changes (it holds only
   * the jobs under way) while a creation-time slice is rewritten only when one of its settled jobs
   * comes, goes or changes. The slices of the version the list was made from are reused (same
   * version, same jobs) where they hold the same jobs. Costs a binary search per slice and a pass
   * over the spans a change touched, not over the list; without a change from a version this
   * replica holds, every slice is new.
   */
  private cut(value: StoredJobs<Job>): Cut<Job> {
    const { jobs } = value;
    const known = this.cuts.get(jobs);
    if (known) return known;
    const change = this.changes.get(value);
    const before = change ? this.cuts.get(change.from.jobs) : undefined;
    const ideal = sliceMsFor(jobs);
    // A width kept while the rate of jobs stays within four times what it was cut for: a new width rewrites every slice.
    const sliceMs = before && before.sliceMs * 4 > ideal && before.sliceMs < ideal * 4 ? before.sliceMs : ideal;
    const sameWidth = before?.sliceMs === sliceMs;
    const reusable = new Map(sameWidth ? before.slices.map((slice) => [slice.id, slice]) : []);
    const touched = new Set(change?.touched.map((job) => String(sliceOf(job, sliceMs))));
    const slices: Slice<Job>[] = [];
    const inFlight = new Map<string, readonly Job[]>();
    for (let start = 0; start < jobs.length; ) {
      const number = sliceOf(jobs[start]!, sliceMs);
      const end = firstAfter(jobs, floorPosition(number * sliceMs));
      const id = String(number);
      const kept = reusable.get(id);
      const keptInFlight = (sameWidth && before.inFlight.get(id)) || [];
      let settled: readonly Job[] | undefined;
      let running: readonly Job[] = keptInFlight;
      // A span no change touched holds the jobs it held: its bounds are the cheap proof that nothing was missed.
      const untouched =
        !touched.has(id) &&
        (kept?.items.length ?? 0) + keptInFlight.length === end - start &&
        (jobs[start] === kept?.items[0] || jobs[start] === keptInFlight[0]) &&
        (jobs[end - 1] === kept?.items.at(-1) || jobs[end - 1] === keptInFlight.at(-1));
      if (untouched) settled = kept?.items;
      else {
        const span = jobs.slice(start, end);
        settled = span.filter((job) => this.adapter.isSettled(job));
        running = span.filter((job) => !this.adapter.isSettled(job));
      }
      if (settled?.length) slices.push(kept && sameJobs(kept.items, settled) ? kept : { id, version: randomUUID(), items: settled });
      if (running.length > 0) inFlight.set(id, running);
      start = end;
    }
    const underWay = [...inFlight.values()].flat();
    const keptUnderWay = before?.slices.find((slice) => slice.id === IN_FLIGHT_SLICE);
    if (underWay.length > 0) slices.push(keptUnderWay && sameJobs(keptUnderWay.items, underWay) ? keptUnderWay : { id: IN_FLIGHT_SLICE, version: randomUUID(), items: underWay });
    const cut = { sliceMs, slices, inFlight };
    this.cuts.set(jobs, cut);
    return cut;
  }

  /**
   * The latest stored list, or once the shared state no longer serves it (its staleness bounds may
   * be short), this replica's latest, while a reconciliation would not yet be due: what a refresh
   * or a slice of a source read by time builds on.
   */
  private async latestStored(known?: Stored<StoredJobs<Job>>): Promise<Stored<StoredJobs<Job>> | undefined> {
    const stored = known ?? (await this.readStored());
    if (stored) return stored;
    const value = this.decodedFrom;
    if (!value || !this.decoded || this.now() - this.decoded.fetchedAt >= this.reconcileAfterMs) return undefined;
    return { value, fetchedAt: this.decoded.fetchedAt };
  }

}

/** How this replica made a stored version from the one before. */
interface VersionChange<Job extends ReadableJob> {
  readonly from: StoredJobs<Job>;
  readonly added: readonly Job[];
  readonly dropped: readonly Job[];
  /** Every job whose slice the change rewrote: those added and dropped, and those their neighbours changed (see SourceAdapter.relate). */
  readonly touched: readonly Job[];
  readonly backfill: boolean;
}

/** The slices a sweep listed since it last merged, and the span of creation times they cover. */
interface SweepBatch<Job extends ReadableJob> {
  /** Slices of a first read's fill, or of a reconciliation. */
  readonly filling: boolean;
  /** Where the newest slice ends (epoch ms): jobs created at or before it. */
  readonly before: number;
  /** When the reconciliation these slices are of began. */
  readonly startedAt: number;
  readonly jobs: Job[];
  /** See HeldWhenAsked: filled in as each slice comes. */
  readonly heldWhenAsked: Map<string, Job | null>;
  /** Where the oldest slice begins; `lowest` is the same, or null when it reaches back to the upstream's window's end. */
  after: number;
  lowest: number | null;
}

/** Of each job a sweep listed that may still change, the version the list held when its slice was asked (null: none). */
type HeldWhenAsked<Job> = ReadonlyMap<string, Job | null>;

/** The same snapshot, fetched again at `fetchedAt`: its index and answers carry over. */
function refetched<Job extends ReadableJob>(snapshot: Snapshot<Job>, fetchedAt: number): Snapshot<Job> {
  return {
    jobs: snapshot.jobs,
    get byKey() {
      return snapshot.byKey;
    },
    fetchedAt,
    completeAfter: snapshot.completeAfter,
    retainedAfter: snapshot.retainedAfter,
    memo: snapshot.memo,
  };
}

/** The length of the slices a source's jobs older than its retained window are read by (see OLDER_SLICE_JOBS). */
function olderSliceMs(snapshot: Snapshot, newest: number): number {
  const perHour = snapshot.jobs.length / Math.max(1, (newest - snapshot.retainedAfter!) / HOUR_MS);
  let sliceMs = HOUR_MS;
  while (sliceMs < MAX_OLDER_SLICE_MS && (perHour * 2 * sliceMs) / HOUR_MS <= OLDER_SLICE_JOBS) sliceMs *= 2;
  return sliceMs;
}

/** Where the retained window of a source whose newest job was created at `newest` begins; null: it keeps the whole window. */
function retainedFloor(byTime: TimeSlicedListing, newest: number): number | null {
  return byTime.retainMs < byTime.windowMs ? newest - byTime.retainMs : null;
}

/** The newest creation and completion times a list holds (epoch ms). */
interface Horizon {
  createdAt: number;
  completedAt: number;
}

/** A stored list's slices hold this many jobs, about: see sliceMsFor. */
const SLICE_JOBS = 1_000;
const MAX_STORED_SLICE_MS = 1_024 * HOUR_MS;

/**
 * How long a slice of the shared list lasts: a power of two of hours (one to 1,024), so that a
 * slice holds about SLICE_JOBS at the rate the list shows. A slice is what a write rewrites when
 * one of its settled jobs changes, and what compresses as one: a refresh at steady state rewrites
 * the in-flight slice, those into which jobs settled and the oldest, so a slice should be a small
 * part of the list, but large enough to compress well and to keep the keys few.
 */
function sliceMsFor(jobs: readonly ReadableJob[]): number {
  const spanMs = (jobs[0]?.createdAt ?? 0) - (jobs.at(-1)?.createdAt ?? 0);
  const perHour = jobs.length / Math.max(1, spanMs / HOUR_MS);
  const hours = 2 ** Math.round(Math.log2(Math.max(1, SLICE_JOBS / Math.max(perHour, 1e-9))));
  return Math.min(MAX_STORED_SLICE_MS, hours * HOUR_MS);
}

/** The number of the slice that holds a job: slice n holds the jobs created after n × sliceMs and at or before (n + 1) × sliceMs. */
function sliceOf(job: ReadableJob, sliceMs: number): number {
  return Math.ceil((job.createdAt ?? 0) / sliceMs) - 1;
}

/** The jobs of `after` that are not those of `before` at the same place (both lists the same length). */
function replaced<Job>(before: readonly Job[], after: readonly Job[]): Job[] {
  if (before === after) return [];
  return after.filter((job, index) => job !== before[index]);
}

/** The id of the slice that holds a stored list's jobs not settled, apart from the creation-time slices. */
const IN_FLIGHT_SLICE = 'in-flight';

/** A list's jobs cut into slices: its settled jobs by `sliceMs` of creation time, newest first, then its in-flight slice. */
interface Cut<Job> {
  readonly sliceMs: number;
  readonly slices: readonly Slice<Job>[];
  /** The jobs of the in-flight slice, by the id of the creation-time span each belongs to. */
  readonly inFlight: ReadonlyMap<string, readonly Job[]>;
}

/** Whether two lists hold the very same jobs in the same order. */
function sameJobs<Job>(a: readonly Job[], b: readonly Job[]): boolean {
  return a === b || (a.length === b.length && a.every((job, index) => job === b[index]));
}

/**
 * A stored list from its slices: each in-flight job merged back at its place among the settled
 * jobs of its creation-time span, so that each job of the version is there once.
 */
function assemble<Job extends ReadableJob>(slices: readonly Slice<Job>[], sliceMs: number): { jobs: Job[]; inFlight: Map<string, readonly Job[]> } {
  const inFlight = new Map<string, Job[]>();
  for (const job of slices.find((slice) => slice.id === IN_FLIGHT_SLICE)?.items ?? []) {
    const id = String(sliceOf(job, sliceMs));
    const span = inFlight.get(id);
    if (span) span.push(job);
    else inFlight.set(id, [job]);
  }
  const spans = new Map<string, readonly Job[]>(slices.filter((slice) => slice.id !== IN_FLIGHT_SLICE).map((slice) => [slice.id, slice.items]));
  for (const id of inFlight.keys()) if (!spans.has(id)) spans.set(id, []);
  const jobs: Job[] = [];
  for (const id of [...spans.keys()].sort((a, b) => Number(b) - Number(a))) {
    const running = inFlight.get(id);
    for (const job of running ? mergeSorted(spans.get(id)!, running) : spans.get(id)!) jobs.push(job);
  }
  return { jobs, inFlight };
}

/** A stored list's head as the shared state keeps it: all but its jobs, and the width of its slices. */
type JobsHead = Omit<StoredJobs<ReadableJob>, 'jobs'> & { sliceMs: number };

/** A source's jobs as the shared state keeps them, with where its background listing stands. */
interface StoredJobs<Job extends ReadableJob> {
  jobs: Job[];
  /** See Snapshot.completeAfter. */
  completeAfter: number | null;
  /** See Snapshot.retainedAfter. */
  retainedAfter: number | null;
  /** A reconciliation under way: the slices created at or before `before` remain to be listed again. */
  sweep: { before: number; startedAt: number } | null;
  /** The newest times the upstream has shown; changes are asked for from there, less an overlap. */
  seen: Horizon;
  /** When the latest full listing of the window (a first fill or a reconciliation) began. */
  listedInFullAt: number;
  /** The whole list fits in one upstream page: each refresh reads it in full, which costs no more. */
  small: boolean;
}

function horizonOf(jobs: readonly ReadableJob[]): Horizon {
  let createdAt = 0;
  let completedAt = 0;
  for (const job of jobs) {
    createdAt = Math.max(createdAt, job.createdAt ?? 0);
    completedAt = Math.max(completedAt, job.completedAt ?? 0);
  }
  return { createdAt, completedAt };
}

function later(a: Horizon, b: Horizon): Horizon {
  return { createdAt: Math.max(a.createdAt, b.createdAt), completedAt: Math.max(a.completedAt, b.completedAt) };
}

/** Where changes are asked for from: the newest times seen, less an overlap for late listing and clock skew. */
function sinceOf(seen: Horizon): { createdAfter: number; completedAfter: number } {
  return { createdAfter: seen.createdAt - CHANGE_OVERLAP_MS, completedAfter: seen.completedAt - CHANGE_OVERLAP_MS };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
