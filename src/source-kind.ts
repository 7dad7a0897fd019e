// What one kind of upstream implements to join the gateway: a source adapter the read layer reads
// through, and a descriptor the registry (src/sources.ts) lists. docs/adding-a-source.md walks a
// new kind through both.
import type { ZodDiscriminatedUnionOption, z } from 'zod';
import type { WatchedField } from './model/changes.js';
import type { BackupJobFilter, BackupJobModel } from './model/job.js';
import type { KindDimension } from './model/summary.js';
import type { SourceAdapter } from './read-model/source-read-model.js';
import type { SharedState } from './shared-state/index.js';
import type { CircuitName, SourceHealth } from './source-guard.js';

/** What the merged list, health and readiness need of any source, whatever its kind. */
export interface GatewaySource<Kind extends string = string> extends SourceAdapter<BackupJobModel> {
  readonly kind: Kind;
  /**
   * Whether any job of this source can meet the conditions its kind adds to the filter (the read
   * layer has already left it out when the filter sets another kind's). Absent: it always can.
   */
  canMatch?(filter: BackupJobFilter): boolean;
  /** Whether a job meets the conditions its kind adds to the filter. Absent for a kind that adds none. */
  matches?(job: BackupJobModel, filter: BackupJobFilter): boolean;
  /**
   * The values of a job's kind-specific dimensions that job summaries group by (its account, Region,
   * resource type). Absent for a kind whose jobs have none: they group under null.
   */
  dimensionsOf?(job: BackupJobModel): Partial<Record<KindDimension, string | null>>;
  /** Calls the source now with its cheapest call, past the read model. */
  ping(requestSignal?: AbortSignal): Promise<void>;
  readonly health: SourceHealth | undefined;
  readonly circuit: CircuitName;
  /** Calls `listener` whenever the latest call's outcome (whether it answered, its error code) changes; returns the way to stop. */
  onHealthChange(listener: () => void): () => void;
  /**
   * Records the last full list this process read from the source left out, each because a member
   * had the wrong type. Absent for a kind whose records cannot be left out one by one.
   */
  readonly skippedRecords?: number;
  destroy(): void;
}

/** The configuration of one source of a kind: a strict object whose `kind` literal tells the kinds apart. */
export type SourceConfigSchema = ZodDiscriminatedUnionOption<'kind'>;

/**
 * Environment variables that describe one source of a kind, as the upstream's own tools name
 * them. They go into the configuration file's source of that kind and name, or make a source of
 * their own.
 */
export interface SourceEnvironment {
  /** What one set of the variables describes, for messages: "SailPoint tenant". */
  readonly subject: string;
  /** How messages name the variables together: "SAIL_*". */
  readonly label: string;
  /** Each source key the environment can set, and the variable that sets it. */
  readonly variables: Readonly<Record<string, string>>;
  /** The variable that names the source, and the name when it is not set. */
  readonly nameVariable: string;
  readonly defaultName: string;
}

/**
 * What one entry of the configuration file stands for: its sources; why it stands for none; or,
 * for an entry whose sources only its upstream can tell (an AWS entry for every enabled Region),
 * how to ask the upstream, once, at start: the entry as it would have named them, or why not.
 */
export type Expansion<Entry, Config> = Config[] | { problem: string } | { ask(): Promise<Entry | { problem: string }> };

/** One kind of upstream, as the registry lists it. */
export interface SourceKindModule<
  Kind extends string = string,
  Schema extends SourceConfigSchema = SourceConfigSchema,
  Config extends z.output<Schema> = z.output<Schema>,
  Source extends GatewaySource<Kind> = GatewaySource<Kind>,
> {
  /** The kind as the graph names it: a value of `BackupSourceKind`, and the `sourceKind` of every job. */
  readonly kind: Kind;
  /** What the `BackupSourceKind` value says of the kind. */
  readonly description: string;
  /** The `kind` value of its sources in the configuration file. */
  readonly configKind: string;
  /** One source of the kind in the configuration file, every default filled in. */
  readonly config: Schema;
  /** The environment variables that can describe a source of the kind, if any. */
  readonly environment?: SourceEnvironment;
  /**
   * The sources one entry of the configuration file stands for (an AWS entry that names several
   * Regions stands for one source per Region). Absent: the entry is one source as it is.
   */
  expand?(entry: z.output<Schema>): Expansion<z.output<Schema>, Config>;
  /**
   * The fields of the kind's own jobs whose changes subscribers of `backupJobUpdated` hear of,
   * beside those every job is watched for (phase, completion).
   */
  readonly watched?: readonly WatchedField[];
  /** The adapter of one configured source. */
  create(config: Config, state: SharedState): Source;
}
