// SailPoint Identity Security Cloud as a kind of source: what the registry (src/sources.ts) lists of it.
import type { SourceKindModule } from '../source-kind.js';
import { sailPointEnvironment, sailPointSourceSchema, type SailPointSourceConfig } from './config.js';
import { SailPointSource } from './source.js';

export const sailPoint: SourceKindModule<'SAILPOINT', typeof sailPointSourceSchema, SailPointSourceConfig, SailPointSource> = {
  kind: 'SAILPOINT',
  description: 'SailPoint Identity Security Cloud: Configuration Hub backups and uploaded configurations of a tenant.',
  configKind: sailPointSourceSchema.shape.kind.value,
  config: sailPointSourceSchema,
  environment: sailPointEnvironment,
  create: (config, state) => new SailPointSource(config, state),
};
