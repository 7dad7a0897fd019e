// One configured SailPoint tenant as a gateway source: its client, which collections it lists,
// every call run through the source's guard (deadline, concurrency, circuit breaker).
import type { SailPointSourceConfig } from '../config/index.js';
import { SourceError } from '../errors.js';
import { ListCache } from '../list-cache.js';
import { SourceGuard, untilRequestDeadline, type CircuitName, type SourceHealth } from '../source-guard.js';
import { SailPointClient, SailPointError, type SailPointBackupRecord, type SailPointBackupStatus } from './index.js';

/** Which Configuration Hub list a record comes from: backups and uploads are separate endpoints upstream. */
export type SailPointCollection = 'backup' | 'upload';

export class SailPointSource {
  readonly kind = 'sailpoint' as const;
  readonly name: string;
  readonly collections: readonly SailPointCollection[];
  private readonly client: SailPointClient;
  private readonly guard: SourceGuard;
  private readonly listCache: ListCache<SailPointBackupRecord[]>;

  constructor(config: SailPointSourceConfig) {
    this.name = config.name;
    this.collections = config.includeUploads ? ['backup', 'upload'] : ['backup'];
    this.guard = new SourceGuard(config.name, config);
    this.listCache = new ListCache(config.listCacheTtlMs);
    this.client = new SailPointClient({
      name: config.name,
      baseUrl: config.baseUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs: config.timeoutMs,
    });
  }

  /**
   * Every record of one collection, newest first; `status` is sent upstream as a filter. Requests
   * asking for the same list while a call for it is under way share that call, and within
   * `listCacheTtlMs` its answer, which keeps a busy gateway under the tenant's rate limit.
   */
  list(collection: SailPointCollection, status?: SailPointBackupStatus, requestSignal?: AbortSignal): Promise<SailPointBackupRecord[]> {
    // A shared call carries no one request's deadline; each caller stops waiting at its own.
    const shared = () => this.listCache.get(`${collection} ${status ?? ''}`, () => this.listNow(collection, status));
    const operation = collection === 'backup' ? 'listBackups' : 'listUploads';
    return untilRequestDeadline(shared, requestSignal, this.name, operation);
  }

  private listNow(
    collection: SailPointCollection,
    status: SailPointBackupStatus | undefined,
    requestSignal?: AbortSignal,
  ): Promise<SailPointBackupRecord[]> {
    const filter = status ? { status } : {};
    const operation = collection === 'backup' ? 'listBackups' : 'listUploads';
    return this.guard.run(
      operation,
      async (signal) => {
        try {
          return collection === 'backup' ? await this.client.listBackups(filter, signal) : await this.client.listUploads(filter, signal);
        } catch (error) {
          if (!(error instanceof SailPointError)) throw error;
          const upstreamName = error.local ? 'ClientPacing' : error.status === undefined ? error.code : `HTTP ${error.status}`;
          throw new SourceError(error.code, this.name, operation, upstreamName, error.status, error.local);
        }
      },
      requestSignal,
    );
  }

  /** Whether the tenant answers right now (never from the list cache): SailPoint has no cheaper call than a filtered list. */
  async ping(requestSignal?: AbortSignal): Promise<void> {
    await this.listNow('backup', 'IN_PROGRESS', requestSignal);
  }

  get health(): SourceHealth | undefined {
    return this.guard.health;
  }

  get circuit(): CircuitName {
    return this.guard.circuit;
  }

  destroy(): void {}
}
