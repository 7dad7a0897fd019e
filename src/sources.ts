// The configured upstream sources of one gateway, looked up by name.
import type { Caller } from './auth.js';
import { AwsBackupSource } from './aws/source.js';
import type { GatewayConfig } from './config/index.js';
import { SailPointSource } from './sailpoint/source.js';

export type Source = AwsBackupSource | SailPointSource;

export class SourceRegistry {
  readonly all: readonly Source[];
  private readonly byName: Map<string, Source>;

  constructor(sources: readonly Source[]) {
    this.all = sources;
    this.byName = new Map(sources.map((source) => [source.name, source]));
  }

  static fromConfig(config: GatewayConfig): SourceRegistry {
    return new SourceRegistry(
      config.sources.map((source) => (source.kind === 'aws' ? new AwsBackupSource(source) : new SailPointSource(source))),
    );
  }

  /**
   * The sources one caller may see. Everything a request does goes through this view, so for that
   * caller a hidden source is never listed, probed or called, and naming it gets the same answer
   * as naming a source that does not exist: a caller cannot even learn that it is there.
   */
  visibleTo(caller: Caller): SourceRegistry {
    const visible = this.all.filter((source) => caller.maySee(source.name));
    return visible.length === this.all.length ? this : new SourceRegistry(visible);
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
