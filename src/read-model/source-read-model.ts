// The shared read model of one source: every job it lists, mapped once and sorted in the merged
// order, shared by every request and (through the shared state) every replica. Readers get it
// fresh, or stale within bounds the source's configuration sets; refreshes run one at a time per
// source across all replicas, and every upstream call they make is counted against budgets.
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SourceError, type UpstreamErrorCode } from '../model/errors.js';
import { comparePositions, positionOf, type ReadableJob } from '../model/order.js';
import { recordLookup, recordRead, type ReadResult } from '../observability/metrics.js';
import { inSpan } from '../observability/tracing.js';
import type { SharedState, Stored } from '../shared-state/index.js';
import { requestDeadline, untilRequestDeadline } from '../source-guard.js';

export interface Freshness {
  refreshAfterMs: number;
  maxStalenessMs: number;
  staleIfErrorMs: number;
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
  /**
   * A job the list does not hold, looked up directly where the upstream allows it (null when it
   * does not exist). Without it, the list is all this source can ever return.
   */
  lookupJob?(key: string): Promise<Job | null>;
  /** Whether a job can no longer change upstream; looked-up jobs that cannot are cached for long. */
  isSettled(job: Job): boolean;
}

/** One source's jobs as fetched at one time, sorted in the merged order and indexed by key. */
export interface Snapshot<Job extends ReadableJob = ReadableJob> {
  readonly jobs: readonly Job[];
  readonly byKey: ReadonlyMap<string, Job>;
  readonly fetchedAt: number;
  /** Answers derived from this snapshot (counts per filter), kept while the snapshot lives. */
  readonly memo: Map<string, unknown>;
}

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

/** Who asks: the request's deadline, and the gate every upstream read on its behalf passes. */
/** Why a read model goes upstream: a refresh of the source's list, or a lookup of one job by id. */
export type UpstreamRead = 'refresh' | 'lookup';

export interface Reader {
  signal: AbortSignal;
  /**
   * What this reader has read of each source: one request sees one state of a source however many
   * of its fields read it, and costs at most one refresh of it.
   */
  readonly parts: Map<string, Promise<SourcePart>>;
  /**
   * Called before the read model goes upstream for this reader, to refresh the source's list or to
   * look up one job; throws to refuse (a caller over its budget).
   */
  charge(sourceName: string, read: UpstreamRead): Promise<void>;
  /** Runs a wait for an upstream; the reader need not hold anything up meanwhile (its caller's turn). */
  away<T>(wait: () => Promise<T>): Promise<T>;
}

/** Looked-up jobs that can no longer change stay cached this long (they leave when the cache is full). */
const SETTLED_TTL_MS = 24 * 60 * 60 * 1000;
/** How often a replica waiting for another replica's refresh looks for its answer. */
const PEER_POLL_MS = 25;
/** A refresh may list several pages, each with its own deadline. */
const REFRESH_CALLS_BOUND = 4;

interface Failure {
  code: UpstreamErrorCode;
  upstreamName: string;
}

export class SourceReadModel<Job extends ReadableJob = ReadableJob> {
  private inflight: Promise<Snapshot<Job>> | undefined;
  /** A reader's charge for a refresh, while it is being decided. */
  private charging: Promise<void> | undefined;
  private decoded: Snapshot<Job> | undefined;
  private readonly lookups = new Map<string, Promise<Job | null>>();
  private readonly snapshotKey: string;
  private readonly spanAttributes: { 'backup_graph.source': string };

  constructor(
    readonly adapter: SourceAdapter<Job>,
    private readonly state: SharedState,
    private readonly now: () => number = Date.now,
  ) {
    this.snapshotKey = `snapshot:${adapter.name}`;
    this.spanAttributes = { 'backup_graph.source': adapter.name };
  }

  get name(): string {
    return this.adapter.name;
  }

  /** When the cached snapshot was fetched, without reading upstream; null when none is cached. */
  async fetchedAt(): Promise<number | null> {
    return (await this.cached())?.fetchedAt ?? null;
  }

  /** The source's jobs for one reader, fresh or within the staleness bounds of its configuration. */
  read(reader: Reader): Promise<SourcePart<Job>> {
    let part = reader.parts.get(this.name) as Promise<SourcePart<Job>> | undefined;
    if (!part) {
      part = this.readNow(reader);
      reader.parts.set(this.name, part);
    }
    return part;
  }

  private async readNow(reader: Reader): Promise<SourcePart<Job>> {
    const { refreshAfterMs, maxStalenessMs, staleIfErrorMs } = this.adapter.freshness;
    const cached = await this.cached();
    const age = cached ? this.now() - cached.fetchedAt : Number.POSITIVE_INFINITY;
    const part = (result: ReadResult, snapshot: Snapshot<Job> | null, error: unknown = null): SourcePart<Job> => {
      recordRead(this.name, result);
      return { sourceName: this.name, snapshot, stale: result === 'stale', error };
    };
    if (cached && age <= refreshAfterMs) return part('hit', cached);
    if (cached && age <= maxStalenessMs) {
      // Nobody waits for it; its failure is the next reader's concern.
      this.refreshFor(reader, cached.fetchedAt).catch(() => undefined);
      return part('hit', cached);
    }
    try {
      // Only a read that waits for the upstream is a span: hits are most reads, and tracing them costs more than it tells.
      const fresh = await inSpan('read-model read', { attributes: this.spanAttributes }, () =>
        reader.away(() => untilRequestDeadline(() => this.refreshFor(reader, cached?.fetchedAt ?? null), reader.signal, this.name, 'refresh')),
      );
      return part('miss', fresh);
    } catch (error) {
      // Its age now, not when the reader asked: the failed refresh may have taken seconds.
      if (cached && this.now() - cached.fetchedAt <= staleIfErrorMs) return part('stale', cached, error);
      return part('unavailable', null, error);
    }
  }

  /**
   * Jobs by key: from the snapshot, else (where the upstream can) looked up one by one and cached,
   * settled jobs for long and missing ones (null) as long as a snapshot stays fresh.
   */
  async lookup(keys: readonly string[], reader: Reader): Promise<(Job | null | Error)[]> {
    const part = await this.read(reader);
    const { lookupJob } = this.adapter;
    return Promise.all(
      keys.map(async (key): Promise<Job | null | Error> => {
        const listed = part.snapshot?.byKey.get(key);
        if (listed) {
          recordLookup(this.name, 'hit');
          return listed;
        }
        if (lookupJob) return this.lookupOne(key, lookupJob.bind(this.adapter), reader).catch((error: unknown) => asError(error));
        return part.snapshot ? null : asError(part.error);
      }),
    );
  }

  private async lookupOne(key: string, lookupJob: (key: string) => Promise<Job | null>, reader: Reader): Promise<Job | null> {
    const cacheKey = `job:${key}`;
    const cached = await this.state.read<Job | null>(cacheKey);
    recordLookup(this.name, cached ? 'hit' : 'miss');
    if (cached) return cached.value;
    let pending = this.lookups.get(key);
    if (!pending) {
      await reader.charge(this.name, 'lookup');
      // A request past its deadline (the list it waited for may have taken all of it) starts nothing.
      if (reader.signal.aborted) throw requestDeadline(this.name, 'lookup');
      pending = inSpan('read-model lookup', { attributes: this.spanAttributes }, async () => {
        const job = await lookupJob(key);
        const ttl = job === null ? this.adapter.freshness.maxStalenessMs : this.adapter.isSettled(job) ? SETTLED_TTL_MS : this.adapter.freshness.maxStalenessMs;
        if (ttl > 0) await this.state.write(cacheKey, { value: job, fetchedAt: this.now() }, ttl);
        return job;
      }).finally(() => this.lookups.delete(key));
      this.lookups.set(key, pending);
    }
    return reader.away(() => untilRequestDeadline(() => pending, reader.signal, this.name, 'lookup'));
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
      return this.refresh(seen);
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
          const latest = await this.cached();
          if (newer(latest)) return latest;
          return await this.fetchAndStore();
        } catch (error) {
          if (error instanceof SourceError) {
            await this.state.write<Failure>(failureKey, { value: { code: error.code as UpstreamErrorCode, upstreamName: error.upstreamName }, fetchedAt: this.now() }, boundMs);
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
        throw new SourceError(failure.value.code, this.name, 'refresh', failure.value.upstreamName);
      }
      if (this.now() - startedAt > boundMs) {
        throw new SourceError(ErrorCode.UPSTREAM_TIMEOUT, this.name, 'refresh', 'PeerRefresh', undefined, true);
      }
    }
  }

  private async fetchAndStore(): Promise<Snapshot<Job>> {
    // The data is as old as the moment the upstream was asked, not the moment its answer arrived.
    const askedAt = this.now();
    const jobs = await this.adapter.listJobs();
    jobs.sort((a, b) => comparePositions(positionOf(a), positionOf(b)));
    const stored: Stored<Job[]> = { value: jobs, fetchedAt: askedAt };
    // Kept for as long as it may be served at all: stale-if-error is the longest of the bounds.
    await this.state.write(this.snapshotKey, stored, Math.max(1, this.adapter.freshness.staleIfErrorMs));
    return this.snapshotOf(stored);
  }

  private async cached(): Promise<Snapshot<Job> | undefined> {
    const stored = await this.state.read<Job[]>(this.snapshotKey);
    return stored ? this.snapshotOf(stored) : undefined;
  }

  /** The indexed snapshot of a stored list, built once per fetch and replica. */
  private snapshotOf(stored: Stored<Job[]>): Snapshot<Job> {
    if (this.decoded?.fetchedAt !== stored.fetchedAt) {
      this.decoded = {
        jobs: stored.value,
        byKey: new Map(stored.value.map((job) => [job.key, job])),
        fetchedAt: stored.fetchedAt,
        memo: new Map(),
      };
    }
    return this.decoded;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
