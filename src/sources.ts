// The configured upstream sources of one gateway, looked up by name.
import { AwsBackupSource } from './aws/source.js';
import type { GatewayConfig } from './config/index.js';

export type Source = AwsBackupSource;

export class SourceRegistry {
  readonly all: readonly Source[];
  private readonly byName: Map<string, Source>;

  constructor(sources: readonly Source[]) {
    this.all = sources;
    this.byName = new Map(sources.map((source) => [source.name, source]));
  }

  static fromConfig(config: GatewayConfig): SourceRegistry {
    return new SourceRegistry(config.sources.map((source) => new AwsBackupSource(source)));
  }

  get(name: string): Source | undefined {
    return this.byName.get(name);
  }

  get aws(): readonly AwsBackupSource[] {
    return this.all.filter((source): source is AwsBackupSource => source.kind === 'aws');
  }

  destroy(): void {
    for (const source of this.all) source.destroy();
  }
}
