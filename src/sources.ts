// The configured upstream sources of one gateway, looked up by name.
import type { Caller } from './auth.js';
import { AwsBackupSource } from './aws/source.js';
import type { GatewayConfig } from './config/index.js';
import { forbiddenSource } from './errors.js';
import { SailPointSource } from './sailpoint/source.js';

export type Source = AwsBackupSource | SailPointSource;

export class SourceRegistry {
  readonly all: readonly Source[];
  private readonly byName: Map<string, Source>;

  constructor(
    sources: readonly Source[],
    /** Configured sources left out of this view because its caller may not see them. */
    private readonly hidden: ReadonlySet<string> = new Set(),
  ) {
    this.all = sources;
    this.byName = new Map(sources.map((source) => [source.name, source]));
  }

  static fromConfig(config: GatewayConfig): SourceRegistry {
    return new SourceRegistry(
      config.sources.map((source) => (source.kind === 'aws' ? new AwsBackupSource(source) : new SailPointSource(source))),
    );
  }

  /**
   * The sources one caller may see. Everything a request does goes through this view, so a hidden
   * source is never listed, probed or called for that caller.
   */
  visibleTo(caller: Caller): SourceRegistry {
    const hidden = this.all.filter((source) => !caller.maySee(source.name));
    if (hidden.length === 0) return this;
    return new SourceRegistry(
      this.all.filter((source) => caller.maySee(source.name)),
      new Set([...this.hidden, ...hidden.map((source) => source.name)]),
    );
  }

  /** Refuses, with FORBIDDEN, a name this view's caller may not see; unknown names are left to the caller. */
  assertVisible(name: string): void {
    if (this.hidden.has(name)) throw forbiddenSource(name);
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  awsSource(name: string): AwsBackupSource | undefined {
    const source = this.byName.get(name);
    return source?.kind === 'aws' ? source : undefined;
  }

  sailPointSource(name: string): SailPointSource | undefined {
    const source = this.byName.get(name);
    return source?.kind === 'sailpoint' ? source : undefined;
  }

  get aws(): readonly AwsBackupSource[] {
    return this.all.filter((source): source is AwsBackupSource => source.kind === 'aws');
  }

  get sailPoint(): readonly SailPointSource[] {
    return this.all.filter((source): source is SailPointSource => source.kind === 'sailpoint');
  }

  destroy(): void {
    for (const source of this.all) source.destroy();
  }
}
