// What every backup job has, whichever upstream it came from: the BackupJob interface and its
// enums, and how each kind's schema file declares its own job type.
import type { GatewayContext } from '../resolvers/context.js';
import { decodeGlobalId, registerNodeType } from '../resolvers/ids.js';
import { loadJobsOfKind } from '../resolvers/loaders.js';
import type { BackupJobModel } from '../src/model/job.js';
import { BACKUP_JOB_PHASES, type BackupJobPhase as Phase } from '../src/model/phase.js';
import { SOURCE_KINDS, type SourceKind } from '../src/sources.js';
import { builder } from './builder.js';

export const BackupSourceKind = builder.enumType('BackupSourceKind', {
  description:
    'Which upstream system a source is, and so which API the gateway reads its jobs through. A configured source (`BackupSource`) has one kind; several sources can share it.',
  values: Object.fromEntries(SOURCE_KINDS.map(({ kind, description }) => [kind, { description }])) as Record<
    SourceKind,
    { description: string }
  >,
});

/** An enum whose upstream grows: known values pass, anything else becomes UNKNOWN instead of an error. */
export function openEnum<const Values extends readonly string[]>(
  upstream: string,
  name: string,
  description: string,
  values: { [Value in Values[number]]: string },
  /** What carries the value, as the UNKNOWN value's description names it. */
  holder = 'The job',
) {
  const ref = builder.enumType(name, {
    description,
    values: {
      ...Object.fromEntries(Object.entries(values).map(([value, text]) => [value, { description: text as string }])),
      UNKNOWN: {
        description: `${upstream} sent a value this gateway version does not know yet (its enums grow over time). ${holder} is still returned; upgrade the gateway to see the value.`,
      },
    } as Record<Values[number] | 'UNKNOWN', { description: string }>,
  });
  const known = new Set(Object.keys(values));
  const read = (value: string | null): Values[number] | 'UNKNOWN' | null =>
    value === null ? null : known.has(value) ? (value as Values[number]) : 'UNKNOWN';
  return { ref, read };
}

const PHASE_DESCRIPTIONS: Record<Phase, string> = {
  QUEUED:
    'Accepted but not started yet, including the start window during which AWS Backup keeps trying to start a job. AWS: CREATED, PENDING. SailPoint: NOT_STARTED.',
  RUNNING:
    'Working now. AWS: RUNNING. SailPoint: IN_PROGRESS.',
  CANCELLING: 'A stop was requested and the job is winding down. AWS: ABORTING. SailPoint: none.',
  CANCELLED: 'Stopped before it finished; no usable backup. AWS: ABORTED. SailPoint: CANCELLED.',
  COMPLETED:
    'Finished and the backup is usable. AWS: COMPLETED with message category SUCCESS (or none). SailPoint: COMPLETE without a failed cloud copy, whatever fileExists says (that the file is gone now does not make the run a bad one).',
  COMPLETED_WITH_ISSUES:
    'Finished, but not cleanly; worth a look (the AWS console calls it "Completed with issues"). AWS: COMPLETED with another message category. SailPoint: COMPLETE with cloudStorageStatus SYNC_FAILED.',
  PARTIAL: 'Finished with only part of the data backed up. AWS: PARTIAL. SailPoint: none (isPartial backups were asked to be partial).',
  FAILED: 'Ended without a backup. AWS: FAILED. SailPoint: FAILED.',
  EXPIRED: 'Never ran: its start window passed before the upstream could start it, so nothing was backed up. AWS: EXPIRED. SailPoint: none.',
  UNKNOWN:
    'In a state this gateway does not know yet (upstreams add states): AWS `state` or SailPoint `status` is UNKNOWN, and `stateRaw` or `statusRaw` holds the value the upstream sent. `completedAt` tells whether it finished.',
};

export const BackupJobPhase = builder.enumType('BackupJobPhase', {
  description:
    'Where a backup job is in its life, the same vocabulary for every source. Each value names the upstream states it stands for; docs/graph.md has the full table.',
  values: Object.fromEntries(BACKUP_JOB_PHASES.map((phase) => [phase, { description: PHASE_DESCRIPTIONS[phase] }])) as Record<
    Phase,
    { description: string }
  >,
});

export const BackupJob = builder.interfaceRef<BackupJobModel>('BackupJob').implement({
  description:
    'One run of a backup, from any configured source. Query the source-specific fields with a fragment on `AwsBackupJob` or `SailPointBackupJob`.',
  interfaces: [builder.nodeInterfaceRef()],
  // The schema's own guard: whatever path a job takes into a response, its source must be one the caller may see.
  authScopes: (job) => ({ source: job.sourceName }),
  fields: (t) => ({
    sourceKind: t.field({
      type: BackupSourceKind,
      nullable: false,
      description: 'Which upstream system the source that reported this job is (AWS Backup or SailPoint).',
      // Every job comes from the adapter of a kind the registry lists, so its kind is one of the registry's.
      resolve: (job) => job.sourceKind as SourceKind,
    }),
    sourceName: t.exposeString('sourceName', {
      nullable: false,
      description: 'The name of the configured source that reported this job: the `name` of one of `backupSources`.',
    }),
    displayName: t.exposeString('displayName', {
      description: 'A short human-readable label: for AWS, the resource name, else the last part of its ARN; for SailPoint, the backup name.',
    }),
    phase: t.field({
      type: BackupJobPhase,
      nullable: false,
      description: 'Where the job is in its life, mapped from the upstream state (see `BackupJobPhase`).',
      resolve: (job) => job.phase,
    }),
    createdAt: t.expose('createdAt', {
      type: 'DateTime',
      description: 'When the upstream created the job.',
    }),
    completedAt: t.expose('completedAt', {
      type: 'DateTime',
      description: 'When the job finished; null while it is still queued or running.',
    }),
  }),
});

/** How each kind's job type loads a job by its key, by the type's name. */
const jobTypes = new Map<string, (key: string, context: GatewayContext) => Promise<BackupJobModel | null>>();

/**
 * A kind's job type: a Relay node loaded through the shared job loader, whose global ids this
 * gateway issues and decodes. A key that names a job of another kind finds nothing.
 */
export function jobNodeRef<Job extends BackupJobModel>(name: string, isKind: (job: BackupJobModel) => job is Job) {
  const ref = builder.loadableNodeRef<Job | null | Error, string, string, string, Job>(name, {
    id: { resolve: (job) => job.key },
    load: (keys: string[], context: GatewayContext) => loadJobsOfKind(context, keys, isKind),
  });
  registerNodeType(name);
  jobTypes.set(name, (key, context) => ref.getDataloader(context).load(key));
  return ref;
}

/** The job a global id names, through the loader of the type it names. Async, so that a malformed id fails on its own. */
export async function loadByGlobalId(id: string, context: GatewayContext): Promise<BackupJobModel | null> {
  const { typename, id: key } = decodeGlobalId(id);
  return jobTypes.get(typename)!(key, context);
}
