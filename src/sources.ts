// The registry of kinds: the one place that lists the kinds of source, each kind's descriptor one
// entry apiece, and what the rest of the gateway knows of them through it.
import { awsBackup } from './aws/kind.js';
import { COMMON_WATCHED, type WatchedField } from './model/changes.js';
import { sailPoint } from './sailpoint/kind.js';
import type { SharedState } from './shared-state/index.js';
import type { SourceKindModule } from './source-kind.js';

/** Every kind of source the gateway reads, in the order `BackupSourceKind` lists them. */
export const SOURCE_KINDS = [awsBackup, sailPoint] as const;

type RegisteredKind = (typeof SOURCE_KINDS)[number];

/** The kinds of upstream, as the graph names them. */
export type SourceKind = RegisteredKind['kind'];

/** The configuration of one source, of any registered kind. */
export type SourceConfig = RegisteredKind extends SourceKindModule<string, infer _Schema, infer Config> ? Config : never;

/** The adapter of one configured source, of any registered kind. */
export type Source = ReturnType<RegisteredKind['create']>;

/** Each kind by its `kind` value in the configuration file; its factory takes the configuration of its own kind. */
const BY_CONFIG_KIND = new Map<string, SourceKindModule<SourceKind, RegisteredKind['config'], SourceConfig, Source>>(
  SOURCE_KINDS.map((kind) => [kind.configKind, kind]),
);

/** The adapter of one configured source, made by the kind its `kind` names. */
export function createSource(config: SourceConfig, state: SharedState): Source {
  return BY_CONFIG_KIND.get(config.kind)!.create(config, state);
}

/** The fields whose changes subscribers hear of on jobs of each kind: the common ones, then the kind's own. */
export const WATCHED_BY_KIND: ReadonlyMap<string, readonly WatchedField[]> = new Map(
  SOURCE_KINDS.map((kind) => [kind.kind, [...COMMON_WATCHED, ...(kind.watched ?? [])]]),
);
