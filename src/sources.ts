// The configured upstream sources of one gateway, each with its shared read model, looked up by name.
// This is the one place that knows which kinds of source exist.
import type { BackupJobFilter, BackupJobModel } from '../resolvers/backup-jobs.js';
import type { Caller } from './auth.js';
import { AwsBackupSource } from './aws/source.js';
import type { GatewayConfig } from './config/index.js';
import { SourceReadModel, type SourceAdapter } from './read-model/source-read-model.js';
import { SailPointSource } from './sailpoint/source.js';
import { MemoryState, type SharedState } from './shared-state/index.js';
import type { CircuitName, SourceHealth } from './source-guard.js';

/** The kinds of upstream, as the graph names them. */
export type SourceKind = 'AWS_BACKUP' | 'SAILPOINT';

/** What the merged list, health and readiness need of any source, whatever its kind. */
export interface GatewaySource extends SourceAdapter<BackupJobModel> {
  readonly kind: SourceKind;
  /** Whether any job of this source can meet the filter (a condition it has no field for excludes it). */
  canMatch(filter: BackupJobFilter): boolean;
  /** The conditions of the filter that only this kind of source understands. */
  matches(job: BackupJobModel, filter: BackupJobFilter): boolean;
  /** Calls the source now with its cheapest call, past the read model. */
  ping(requestSignal?: AbortSignal): Promise<void>;
  readonly health: SourceHealth | undefined;
  readonly circuit: CircuitName;
  destroy(): void;
}

export type Source = AwsBackupSource | SailPointSource;

export class SourceRegistry {
  readonly all: readonly Source[];
  private readonly byName: Map<string, Source>;

  private constructor(
    sources: readonly Source[],
    readonly state: SharedState,
    private readonly models: ReadonlyMap<string, SourceReadModel<BackupJobModel>>,
  ) {
    this.all = sources;
    this.byName = new Map(sources.map((source) => [source.name, source]));
  }

  static fromConfig(config: GatewayConfig, state: SharedState = new MemoryState()): SourceRegistry {
    const sources = config.sources.map((source) =>
      source.kind === 'aws' ? new AwsBackupSource(source, state) : new SailPointSource(source, state),
    );
    return SourceRegistry.of(sources, state);
  }

  /** A registry over sources built elsewhere (the benchmark's in-memory ceiling builds its own). */
  static of(sources: readonly Source[], state: SharedState): SourceRegistry {
    const models = new Map(sources.map((source) => [source.name, new SourceReadModel<BackupJobModel>(source, state)]));
    return new SourceRegistry(sources, state, models);
  }

  /**
   * The sources one caller may see. Everything a request does goes through this view, so for that
   * caller a hidden source is never listed, probed or called, and naming it gets the same answer
   * as naming a source that does not exist: a caller cannot even learn that it is there.
   */
  visibleTo(caller: Caller): SourceRegistry {
    const visible = this.all.filter((source) => caller.maySee(source.name));
    return visible.length === this.all.length ? this : new SourceRegistry(visible, this.state, this.models);
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  /** The shared read model of a source this view holds. */
  readModel(name: string): SourceReadModel<BackupJobModel> | undefined {
    return this.byName.has(name) ? this.models.get(name) : undefined;
  }

  awsSource(name: string): AwsBackupSource | undefined {
    const source = this.byName.get(name);
    return source?.kind === 'AWS_BACKUP' ? source : undefined;
  }

  sailPointSource(name: string): SailPointSource | undefined {
    const source = this.byName.get(name);
    return source?.kind === 'SAILPOINT' ? source : undefined;
  }

  get aws(): readonly AwsBackupSource[] {
    return this.all.filter((source): source is AwsBackupSource => source.kind === 'AWS_BACKUP');
  }

  get sailPoint(): readonly SailPointSource[] {
    return this.all.filter((source): source is SailPointSource => source.kind === 'SAILPOINT');
  }

  destroy(): void {
    for (const source of this.all) source.destroy();
  }
}
