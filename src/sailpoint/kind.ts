// SailPoint Identity Security Cloud as a kind of source: what the registry (src/sources.ts) lists of it.
import type { WatchedField } from '../model/changes.js';
import type { SourceKindModule } from '../source-kind.js';
import { sailPointEnvironment, sailPointSourceSchema, type SailPointSourceConfig } from './config.js';
import type { SailPointBackupJobModel } from './mapper.js';
import { SailPointSource } from './source.js';

/** What a SailPoint backup reports as it goes. */
const watched: readonly (WatchedField & { field: keyof SailPointBackupJobModel })[] = [
  { change: 'STATUS', field: 'status', description: 'A SailPoint job reported another `status`.' },
  { change: 'OBJECT_COUNT', field: 'totalObjectCount', description: 'A SailPoint backup reported another `totalObjectCount`.' },
  { change: 'HYDRATION_STATUS', field: 'hydrationStatus', description: 'A SailPoint backup reported another `hydrationStatus`.' },
];

export const sailPoint: SourceKindModule<'SAILPOINT', typeof sailPointSourceSchema, SailPointSourceConfig, SailPointSource> = {
  kind: 'SAILPOINT',
  description: 'SailPoint Identity Security Cloud: Configuration Hub backups and uploaded configurations of a tenant.',
  configKind: sailPointSourceSchema.shape.kind.value,
  config: sailPointSourceSchema,
  environment: sailPointEnvironment,
  watched,
  create: (config, state) => new SailPointSource(config, state),
};
