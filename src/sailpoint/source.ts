// One configured SailPoint tenant as the read layer sees it: its client, which collections it
// lists, every call run through the source's guard (deadline, concurrency, circuit breaker) and
// its upstream budget.
import { upstreamBudget } from '../budget.js';
import { ActionRefused } from '../model/actions.js';
import { quoted, SourceError } from '../model/errors.js';
import { log } from '../observability/log.js';
import { recordSkippedRecords } from '../observability/metrics.js';
import type { SourceAdapter } from '../read-model/source-read-model.js';
import type { SharedState } from '../shared-state/index.js';
import { SourceGuard, type CircuitName, type SourceHealth } from '../source-guard.js';
import type { SailPointSourceConfig } from './config.js';
import { SailPointClient, SailPointError, type SailPointBackupList, type SailPointBackupStatus, type SkippedRecord } from './index.js';
import { mapSailPointBackupJob, type SailPointBackupJobModel, type SailPointCollection } from './mapper.js';

/** Skipped records logged so far are remembered up to this many, then forgotten (and logged again if still there). */
const MAX_REMEMBERED_SKIPS = 1_000;

/** Statuses after which SailPoint never changes a backup again. */
const SETTLED_STATUSES: ReadonlySet<string> = new Set(['COMPLETE', 'CANCELLED', 'FAILED']);

export class SailPointSource implements SourceAdapter<SailPointBackupJobModel> {
  readonly kind = 'SAILPOINT' as const;
  readonly name: string;
  readonly collections: readonly SailPointCollection[];
  readonly freshness: SailPointSourceConfig['freshness'];
  readonly timeoutMs: number;
  skippedRecords = 0;
  private readonly client: SailPointClient;
  private readonly guard: SourceGuard;
  /** The skipped records already logged, so that a bad record is logged once, not at every refresh. */
  private readonly logged = new Set<string>();

  constructor(config: SailPointSourceConfig, state: SharedState) {
    this.name = config.name;
    this.collections = config.includeUploads ? ['backup', 'upload'] : ['backup'];
    this.freshness = config.freshness;
    this.timeoutMs = config.timeoutMs;
    this.guard = new SourceGuard(config.name, config);
    this.client = new SailPointClient(
      { name: config.name, baseUrl: config.baseUrl, clientId: config.clientId, clientSecret: config.clientSecret, timeoutMs: config.timeoutMs },
      { budget: upstreamBudget(state, config), state },
    );
  }

  /** Every backup and uploaded configuration of the tenant: SailPoint lists each collection whole, without pages. */
  async listJobs(): Promise<SailPointBackupJobModel[]> {
    const lists = await Promise.all(
      this.collections.map(async (collection) => {
        const { records, skipped } = await this.list(collection);
        this.reportSkipped(collection, skipped);
        return { jobs: records.map((record) => mapSailPointBackupJob(record, this.name, collection)), skipped: skipped.length };
      }),
    );
    this.skippedRecords = lists.reduce((total, list) => total + list.skipped, 0);
    return lists.flatMap((list) => list.jobs);
  }

  isSettled(job: SailPointBackupJobModel): boolean {
    return job.status !== null && SETTLED_STATUSES.has(job.status);
  }

  /** Whether the tenant answers right now, past the read model: SailPoint has no cheaper call than a filtered list. */
  async ping(requestSignal?: AbortSignal): Promise<void> {
    await this.list('backup', 'IN_PROGRESS', requestSignal);
  }

  get health(): SourceHealth | undefined {
    return this.guard.health;
  }

  get circuit(): CircuitName {
    return this.guard.circuit;
  }

  onHealthChange(listener: () => void): () => void {
    return this.guard.onHealthChange(listener);
  }

  destroy(): void {}

  /**
   * Deletes a backup or an uploaded configuration of the tenant, straight upstream through the
   * guard: a record the tenant does not have is refused as JOB_NOT_FOUND, one it will not delete
   * (its 400) as INVALID_INPUT.
   */
  async deleteJob(collection: SailPointCollection, jobId: string): Promise<void> {
    const operation = collection === 'backup' ? 'deleteBackup' : 'deleteUpload';
    const outcome = await this.guarded(operation, undefined, (signal) => this.client.delete(operation, jobId, signal));
    if (outcome === 'not-found') throw new ActionRefused({ kind: 'JOB_NOT_FOUND' });
    if (outcome === 'refused') throw new ActionRefused({ kind: 'INVALID_INPUT', upstreamName: 'HTTP 400' });
  }

  /** Counts the records a list left out, and logs each the first time it is seen, with its id and the members at fault. */
  private reportSkipped(collection: SailPointCollection, skipped: readonly SkippedRecord[]): void {
    if (skipped.length === 0) return;
    const operation = operationOf(collection);
    recordSkippedRecords(this.name, operation, skipped.length);
    for (const { jobId, members } of skipped) {
      const seen = `${operation} ${jobId ?? members.join(',')}`;
      if (this.logged.has(seen)) continue;
      if (this.logged.size >= MAX_REMEMBERED_SKIPS) this.logged.clear();
      this.logged.add(seen);
      const id = jobId === null ? 'none' : quoted(jobId);
      log('warn', 'upstream', `[upstream] source=${this.name} operation=${operation} skipped a record whose members have the wrong type: jobId=${id} members=${members.join(',')}`, {
        source: this.name,
        operation,
        ...(jobId === null ? {} : { jobId }),
        members: members.join(','),
      });
    }
  }

  private list(collection: SailPointCollection, status?: SailPointBackupStatus, requestSignal?: AbortSignal): Promise<SailPointBackupList> {
    const filter = status ? { status } : {};
    const operation = operationOf(collection);
    return this.guarded(operation, requestSignal, (signal) => this.client.read(operation, filter, signal));
  }

  /** One call through the guard, its SailPointError classified as the source's. */
  private guarded<T>(operation: string, requestSignal: AbortSignal | undefined, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.guard.run(
      operation,
      async (signal) => {
        try {
          return await call(signal);
        } catch (error) {
          if (!(error instanceof SailPointError)) throw error;
          const upstreamName = error.local ? 'Budget' : error.status === undefined ? error.code : `HTTP ${error.status}`;
          throw new SourceError(error.code, this.name, operation, upstreamName, error.status, error.local, error.retryAfterMs);
        }
      },
      requestSignal,
    );
  }
}

function operationOf(collection: SailPointCollection): 'listBackups' | 'listUploads' {
  return collection === 'backup' ? 'listBackups' : 'listUploads';
}
