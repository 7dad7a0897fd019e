// The configured upstream sources of one gateway, looked up by name.
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
