// The configured upstream sources of one gateway, each with its shared read model, looked up by name.
import type { Caller } from './auth.js';
import type { GatewayConfig } from './config/index.js';
import type { BackupJobModel } from './model/job.js';
import { SourceReadModel } from './read-model/source-read-model.js';
import type { SharedState } from './shared-state/index.js';
import { MemoryState } from './shared-state/memory.js';
import { createSource, type Source, type SourceKind } from './sources.js';

export class SourceRegistry {
  readonly all: readonly Source[];
  private readonly byName: Map<string, Source>;

  private constructor(
    sources: readonly Source[],
    readonly state: SharedState,
    private readonly models: ReadonlyMap<string, SourceReadModel<BackupJobModel>>,
    /** Every source is one of the embedded sandbox's servers (GatewayConfig.sandbox). */
    readonly onSandbox: boolean,
  ) {
    this.all = sources;
    this.byName = new Map(sources.map((source) => [source.name, source]));
  }

  static fromConfig(config: GatewayConfig, state: SharedState = new MemoryState()): SourceRegistry {
    const sources = config.sources.map((source) => createSource(source, state));
    return SourceRegistry.of(sources, state, config.sandbox === true);
  }

  /** A registry over sources built elsewhere (the benchmark's in-memory ceiling builds its own). */
  static of(sources: readonly Source[], state: SharedState, onSandbox = false): SourceRegistry {
    const models = new Map(sources.map((source) => [source.name, new SourceReadModel<BackupJobModel>(source, state)]));
    return new SourceRegistry(sources, state, models, onSandbox);
  }

  /**
   * The sources one caller may see. Everything a request does goes through this view, so for that
   * caller a hidden source is never listed, probed or called, and naming it gets the same answer
   * as naming a source that does not exist: a caller cannot even learn that it is there.
   */
  visibleTo(caller: Caller): SourceRegistry {
    // Asked once per request: a caller who may see every source gets this registry, with nothing made for it.
    if (this.all.every((source) => caller.maySee(source.name))) return this;
    return new SourceRegistry(
      this.all.filter((source) => caller.maySee(source.name)),
      this.state,
      this.models,
      this.onSandbox,
    );
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  /** The shared read model of a source this view holds. */
  readModel(name: string): SourceReadModel<BackupJobModel> | undefined {
    return this.byName.has(name) ? this.models.get(name) : undefined;
  }

  /** The sources of one kind this view holds. */
  ofKind<Kind extends SourceKind>(kind: Kind): Extract<Source, { kind: Kind }>[] {
    return this.all.filter((source): source is Extract<Source, { kind: Kind }> => source.kind === kind);
  }

  destroy(): void {
    for (const model of this.models.values()) model.stop();
    for (const source of this.all) source.destroy();
  }
}
