// The job model every layer shares: what a backup job is whatever its upstream, the filter the job
// list takes, and the key that names a job across the gateway. It knows no kind of source: a kind
// is a string here, and the registry of kinds (src/sources.ts) says which strings there are.
import type { BackupJobPhase } from './phase.js';

/**
 * What every kind's job model holds: what the list, merge, paging and the `BackupJob` interface read.
 * Times are epoch milliseconds, made Dates only by the graph's DateTime scalar: a read model holds
 * hundreds of thousands of jobs, and a number costs a job a fifth of what a Date does.
 */
export interface BackupJobModel {
  /** The kind of the source that reported the job: a `kind` of the registry (src/sources.ts). */
  sourceKind: string;
  sourceName: string;
  /** The loader key and the local part of the global id: `<sourceName>:<the source's own id>` (see jobKey). */
  key: string;
  phase: BackupJobPhase;
  displayName: string;
  createdAt: number | null;
  completedAt: number | null;
}

export interface BackupJobFilter {
  sourceKinds?: readonly string[] | null;
  sourceNames?: readonly string[] | null;
  phases?: readonly BackupJobPhase[] | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
  /** The conditions the kinds add (`addFilterFields` in schema/filter.ts), by name; each kind's adapter reads its own. */
  readonly [condition: string]: unknown;
}

/** The conditions one kind adds to the filter: their names, and the kind's check of their values. */
export interface KindConditions {
  readonly kind: string;
  readonly names: readonly string[];
  /** Throws BAD_USER_INPUT when the filter gives one of them a value the kind rejects; warns of a value that cannot match as spelt. */
  readonly validate?: (filter: BackupJobFilter, warn: (warning: Warning) => void) => void;
}

/**
 * A job's key: its source's name and the source's own id for it, unique across the gateway. Joined
 * rather than concatenated, so that it is one flat string: a concatenation is a pair of pointers to
 * its halves, and the first lookup by it adds a flat copy besides.
 */
export function jobKey(sourceName: string, localId: string): string {
  return [sourceName, localId].join(':');
}

/** The source's own id in a key jobKey made; a view into the key, not a copy, when it is long. */
export function localIdOf(key: string, sourceName: string): string {
  return key.slice(sourceName.length + 1);
}

/** The name of the source a key names; empty when the key names none. */
export function sourceNameOf(key: string): string {
  return key.slice(0, Math.max(0, key.indexOf(':')));
}

/** A note on a request's input that fails nothing, such as a filter value that can match nothing as spelt. */
export interface Warning {
  code: string;
  message: string;
  /** The field whose arguments it is about. */
  path?: readonly (string | number)[];
}
