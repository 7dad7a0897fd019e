// One configured SailPoint tenant as a gateway source: its client, which collections it lists,
// and what the gateway last saw of it.
import type { SailPointSourceConfig } from '../config/index.js';
import type { SourceHealth } from '../aws/source.js';
import { SailPointClient, SailPointError, type SailPointBackupRecord, type SailPointBackupStatus } from './index.js';

/** Which Configuration Hub list a record comes from: backups and uploads are separate endpoints upstream. */
export type SailPointCollection = 'backup' | 'upload';

export class SailPointSource {
  readonly kind = 'sailpoint' as const;
  readonly name: string;
  readonly collections: readonly SailPointCollection[];
  private readonly client: SailPointClient;
  private lastHealth: SourceHealth | undefined;

  constructor(config: SailPointSourceConfig) {
    this.name = config.name;
    this.collections = config.includeUploads ? ['backup', 'upload'] : ['backup'];
    this.client = new SailPointClient({
      name: config.name,
      baseUrl: config.baseUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      timeoutMs: config.timeoutMs,
    });
  }

  /** Every record of one collection, newest first; `status` is sent upstream as a filter. */
  async list(collection: SailPointCollection, status?: SailPointBackupStatus): Promise<SailPointBackupRecord[]> {
    const filter = status ? { status } : {};
    try {
      const records = collection === 'backup' ? await this.client.listBackups(filter) : await this.client.listUploads(filter);
      this.lastHealth = { reachable: true, checkedAt: new Date() };
      return records;
    } catch (error) {
      if (error instanceof SailPointError) this.lastHealth = { reachable: false, checkedAt: new Date(), errorCode: error.code };
      throw error;
    }
  }

  /** Whether the tenant answers: SailPoint has no cheaper call than a filtered list. */
  async ping(): Promise<void> {
    await this.list('backup', 'IN_PROGRESS');
  }

  get health(): SourceHealth | undefined {
    return this.lastHealth;
  }

  destroy(): void {}
}
