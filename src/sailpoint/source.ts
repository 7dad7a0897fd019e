// One configured SailPoint tenant as the read layer sees it: its client, which collections it
// lists, every call run through the source's guard (deadline, concurrency, circuit breaker) and
// its upstream budget.
import { upstreamBudget } from '../budget.js';
import { SourceError } from '../model/errors.js';
import type { SourceAdapter } from '../read-model/source-read-model.js';
import type { SharedState } from '../shared-state/index.js';
import { SourceGuard, type CircuitName, type SourceHealth } from '../source-guard.js';
import type { SailPointSourceConfig } from './config.js';
import { SailPointClient, SailPointError, type SailPointBackupRecord, type SailPointBackupStatus } from './index.js';
import { mapSailPointBackupJob, type SailPointBackupJobModel, type SailPointCollection } from './mapper.js';

/** Statuses after which SailPoint never changes a backup again. */
const SETTLED_STATUSES: ReadonlySet<string> = new Set(['COMPLETE', 'CANCELLED', 'FAILED']);

export class SailPointSource implements SourceAdapter<SailPointBackupJobModel> {
  readonly kind = 'SAILPOINT' as const;
  readonly name: string;
  readonly collections: readonly SailPointCollection[];
  readonly freshness: SailPointSourceConfig['freshness'];
  readonly timeoutMs: number;
  private readonly client: SailPointClient;
  private readonly guard: SourceGuard;

  constructor(config: SailPointSourceConfig, state: SharedState) {
    this.name = config.name;
    this.collections = config.includeUploads ? ['backup', 'upload'] : ['backup'];
    this.freshness = config.freshness;
    this.timeoutMs = config.timeoutMs;
    this.guard = new SourceGuard(config.name, config);
    this.client = new SailPointClient(
      { name: config.name, baseUrl: config.baseUrl, clientId: config.clientId, clientSecret: config.clientSecret, timeoutMs: config.timeoutMs },
      { budget: upstreamBudget(state, config) },
    );
  }

  /** Every backup and uploaded configuration of the tenant: SailPoint lists each collection whole, without pages. */
  async listJobs(): Promise<SailPointBackupJobModel[]> {
    const lists = await Promise.all(
      this.collections.map(async (collection) =>
        (await this.list(collection)).map((record) => mapSailPointBackupJob(record, this.name, collection)),
      ),
    );
    return lists.flat();
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

  destroy(): void {}

  private list(collection: SailPointCollection, status?: SailPointBackupStatus, requestSignal?: AbortSignal): Promise<SailPointBackupRecord[]> {
    const filter = status ? { status } : {};
    const operation = collection === 'backup' ? 'listBackups' : 'listUploads';
    return this.guard.run(
      operation,
      async (signal) => {
        try {
          return collection === 'backup' ? await this.client.listBackups(filter, signal) : await this.client.listUploads(filter, signal);
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
