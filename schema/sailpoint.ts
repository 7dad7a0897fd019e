// The SailPoint side of the graph: SailPointBackupJob with every BackupResponse member, its
// options, the root field that looks one up by its SailPoint job id, its federation entity, and
// the actions that delete a backup or an uploaded configuration.
import type { GatewayContext } from '../resolvers/context.js';
import { encodeGlobalId } from '../resolvers/ids.js';
import { badUserInput, quoted } from '../src/model/errors.js';
import type { BackupJobModel } from '../src/model/job.js';
import type {
  SAILPOINT_BACKUP_STATUSES,
  SAILPOINT_BACKUP_TYPES,
  SAILPOINT_CLOUD_STORAGE_STATUSES,
  SAILPOINT_HYDRATION_STATUSES,
} from '../src/sailpoint/index.js';
import {
  sailPointJobKey,
  type SailPointBackupJobModel,
  type SailPointCollection,
  type SailPointObjectOption as SailPointObjectOptionModel,
} from '../src/sailpoint/mapper.js';
import type { SailPointSource } from '../src/sailpoint/source.js';
import { actionField, actionInput, actionPayload, type ActionInput, type ActionPayload } from './actions.js';
import { BackupJob, jobNodeRef, openEnum } from './backup-job.js';
import { builder } from './builder.js';
import { firstFound, globalIdKey, resolveJobReference } from './federation.js';

const Status = openEnum<typeof SAILPOINT_BACKUP_STATUSES>(
  'SailPoint',
  'SailPointBackupStatus',
  'The status of a Configuration Hub backup exactly as SailPoint reports it.',
  {
    NOT_STARTED: 'Requested, not started yet.',
    IN_PROGRESS: 'Collecting the tenant configuration now.',
    COMPLETE: 'Finished successfully. Whether its file is still kept is `fileExists`, a separate matter.',
    CANCELLED: 'Stopped before it finished.',
    FAILED: 'Ended without a usable backup.',
  },
);

const BackupType = openEnum<typeof SAILPOINT_BACKUP_TYPES>(
  'SailPoint',
  'SailPointBackupType',
  'How a Configuration Hub backup came to be.',
  {
    UPLOADED: 'Made by uploading an existing configuration file.',
    AUTOMATED: 'Made automatically by SailPoint operations.',
    MANUAL: 'Made by a user on request.',
    AUTOMATED_DRAFT: 'Made automatically while a draft was being prepared.',
  },
);

const HydrationStatus = openEnum<typeof SAILPOINT_HYDRATION_STATUSES>(
  'SailPoint',
  'SailPointHydrationStatus',
  'Whether the object details of a backup are ready to browse.',
  { HYDRATED: 'The object details are ready.', NOT_HYDRATED: 'The object details are not ready yet.' },
);

const CloudStorageStatus = openEnum<typeof SAILPOINT_CLOUD_STORAGE_STATUSES>(
  'SailPoint',
  'SailPointCloudStorageStatus',
  'Whether a backup has been copied to the customer-managed cloud storage.',
  {
    SYNCED: 'Copied to the customer storage.',
    NOT_SYNCED: 'Not copied (no storage configured, or not yet).',
    SYNC_FAILED: 'The copy failed; the phase is COMPLETED_WITH_ISSUES.',
  },
);

const SailPointObjectOption = builder
  .objectRef<SailPointObjectOptionModel>('SailPointObjectOption')
  .implement({
    description:
      'The objects of one type a backup was limited to. SailPoint names them by name only (its v2024 model has no id list here).',
    fields: (t) => ({
      objectType: t.exposeString('objectType', {
        nullable: false,
        description: 'The object type, such as `SOURCE` or `ROLE`.',
      }),
      includedNames: t.exposeStringList('includedNames', {
        nullable: false,
        description: 'Names of the objects of that type that were included.',
      }),
    }),
  });

const SailPointBackupOptions = builder
  .objectRef<NonNullable<SailPointBackupJobModel['options']>>('SailPointBackupOptions')
  .implement({
    description: 'What a backup was asked to contain.',
    fields: (t) => ({
      includeTypes: t.exposeStringList('includeTypes', {
        description:
          'The object types included, such as `ACCESS_PROFILE`, `IDENTITY_PROFILE`, `ROLE`, `SOURCE`, `TRANSFORM`, `RULE`, `WORKFLOW`. Strings, because SailPoint adds types often.',
      }),
      objectOptions: t.field({
        type: [SailPointObjectOption],
        description: 'Per object type, the objects the backup was limited to (SailPoint sends a map keyed by type).',
        resolve: (options) => options.objectOptions,
      }),
    }),
  });

export const SailPointBackupJob = jobNodeRef('SailPointBackupJob', isSailPointJob);

function isSailPointJob(job: BackupJobModel): job is SailPointBackupJobModel {
  return job.sourceKind === 'SAILPOINT';
}

SailPointBackupJob.implement({
  description:
    'A SailPoint Identity Security Cloud Configuration Hub backup (or uploaded configuration), with every BackupResponse member. Absent upstream members take SailPoint documented defaults.',
  interfaces: [BackupJob],
  isTypeOf: (value) => (value as SailPointBackupJobModel).sourceKind === 'SAILPOINT',
  fields: (t) => ({
    jobId: t.exposeString('jobId', { nullable: false, description: 'The SailPoint id of the backup job.' }),
    status: t.field({
      type: Status.ref,
      description: 'The status as SailPoint reports it; `phase` maps it to the source-neutral vocabulary.',
      resolve: (job) => Status.read(job.status),
    }),
    statusRaw: t.exposeString('status', {
      description: 'The status exactly as SailPoint sent it, also one this gateway does not know yet (then `status` is UNKNOWN).',
    }),
    type: t.exposeString('type', { description: 'The kind of job; SailPoint always sends `BACKUP` here.' }),
    tenant: t.exposeString('tenant', { description: 'The name of the tenant the backup belongs to.' }),
    requesterName: t.exposeString('requesterName', { description: 'Who asked for the backup.' }),
    fileExists: t.exposeBoolean('fileExists', {
      nullable: false,
      description:
        'Whether SailPoint still holds a file for this backup (true when SailPoint omits it). It is not an outcome: a file removed after a good run leaves a COMPLETE job with false here, so `phase` does not look at it.',
    }),
    created: t.field({ type: 'DateTime', description: 'When the job started.', resolve: (job) => job.createdAt }),
    modified: t.expose('modified', { type: 'DateTime', description: 'When the job last changed.' }),
    completed: t.field({ type: 'DateTime', description: 'When the job finished.', resolve: (job) => job.completedAt }),
    name: t.exposeString('name', { description: 'The name given to the backup or uploaded file.' }),
    userCanDelete: t.exposeBoolean('userCanDelete', {
      nullable: false,
      description: 'Whether a regular user may delete this backup (true when SailPoint omits it).',
    }),
    isPartial: t.exposeBoolean('isPartial', {
      nullable: false,
      description:
        'Whether the backup holds only some of the supported object types, by request (false when SailPoint omits it).',
    }),
    backupType: t.field({
      type: BackupType.ref,
      description: 'How the backup came to be.',
      resolve: (job) => BackupType.read(job.backupType),
    }),
    options: t.field({
      type: SailPointBackupOptions,
      description: 'What the backup was asked to contain; null for a full backup.',
      resolve: (job) => job.options,
    }),
    hydrationStatus: t.field({
      type: HydrationStatus.ref,
      description: 'Whether the object details of the backup are ready to browse.',
      resolve: (job) => HydrationStatus.read(job.hydrationStatus),
    }),
    totalObjectCount: t.expose('totalObjectCount', {
      type: 'SafeInt',
      description: 'How many configuration objects the backup holds.',
    }),
    cloudStorageStatus: t.field({
      type: CloudStorageStatus.ref,
      description: 'Whether the backup was copied to customer-managed cloud storage.',
      resolve: (job) => CloudStorageStatus.read(job.cloudStorageStatus),
    }),
  }),
});

builder.queryField('sailPointBackupJob', (t) =>
  t.field({
    type: SailPointBackupJob,
    description:
      'Looks up a SailPoint backup or uploaded configuration by its SailPoint job id. Without `sourceName` every SailPoint source is asked. Answered from each tenant\'s shared read model: no call while it is fresh.',
    args: {
      jobId: t.arg.string({ required: true, description: 'The SailPoint job id (jobId).' }),
      sourceName: t.arg.string({ description: 'The configured SailPoint source to ask; all of them when omitted.' }),
    },
    resolve: async (_root, { jobId, sourceName }, context) => {
      const sources = sourceName != null ? [sailPointSource(context, sourceName)] : context.sources.ofKind('SAILPOINT');
      const loader = SailPointBackupJob.getDataloader(context);
      const keys = sources.flatMap((source) => source.collections.map((collection) => sailPointJobKey(source.name, collection, jobId)));
      const found = await Promise.allSettled(keys.map((key) => loader.load(key)));
      const hit = found.find((outcome) => outcome.status === 'fulfilled' && outcome.value);
      if (hit?.status === 'fulfilled') return hit.value;
      const failure = found.find((outcome) => outcome.status === 'rejected');
      if (failure?.status === 'rejected') throw failure.reason;
      return null;
    },
  }),
);

builder.asEntity(SailPointBackupJob, {
  key: [globalIdKey, builder.selection<{ tenant: string; jobId: string }>('tenant jobId')],
  resolveReference: resolveJobReference((reference, context) => {
    const loader = SailPointBackupJob.getDataloader(context);
    // The tenant name lives in the records, not in the configuration: ask every tenant's
    // (request-cached) lists and keep the one that names this tenant.
    return firstFound(
      context.sources.ofKind('SAILPOINT').flatMap((source) =>
        source.collections.map((collection) => loader.load(sailPointJobKey(source.name, collection, reference.jobId))),
      ),
      (job) => job.tenant === reference.tenant,
    );
  }),
});

/** The SailPoint source of that name this caller may see; BAD_USER_INPUT for any other name, hidden sources included. */
function sailPointSource(context: GatewayContext, sourceName: string): SailPointSource {
  const source = context.sources.get(sourceName);
  if (source?.kind !== 'SAILPOINT') throw badUserInput(`${quoted(sourceName)} is not a SailPoint source of this gateway`);
  return source;
}

// ---- actions -----------------------------------------------------------------------------------

type DeleteInput = ActionInput & { jobId: string };

type DeletePayload = ActionPayload & { deletedJobId: string | null; deletedId: string | null };

const DeleteSailPointRecordInput = actionInput<DeleteInput>('DeleteSailPointRecordInput', 'The Configuration Hub backup or uploaded configuration to delete.', (t) => ({
  jobId: t.string({ required: true, description: 'Its SailPoint job id (jobId).' }),
}));

const DeleteSailPointRecordPayload = actionPayload<DeletePayload>('DeleteSailPointRecordPayload', 'What `deleteSailPointBackup` or `deleteSailPointUpload` did.', (t) => ({
  deletedJobId: t.exposeString('deletedJobId', { description: 'The SailPoint job id of the record deleted; null when `errors` says why nothing was.' }),
  deletedId: t.exposeID('deletedId', { description: 'The global id the record had in this graph, for a client to drop it from its cache; null when nothing was deleted.' }),
}));

/** The delete action of one Configuration Hub collection. */
function deleteAction(collection: SailPointCollection, names: { field: string; record: string; operation: string }): void {
  actionField(names.field, {
    description: `Deletes ${names.record} of the tenant (${names.operation}, as SailPoint's own client does). Needs write permission on the source. It is gone from \`backupJobs\` at once, without a refresh.`,
    input: DeleteSailPointRecordInput,
    payload: DeleteSailPointRecordPayload,
    jobId: (given) => given.jobId,
    nothing: { deletedJobId: null, deletedId: null },
    act: async ({ sourceName, jobId }, context) => {
      const source = sailPointSource(context, sourceName);
      await source.deleteJob(collection, jobId);
      const key = sailPointJobKey(source.name, collection, jobId);
      await context.sources.readModel(source.name)?.applyAction({ removedKey: key });
      return { deletedJobId: jobId, deletedId: encodeGlobalId('SailPointBackupJob', key) };
    },
  });
}

deleteAction('backup', { field: 'deleteSailPointBackup', record: 'a Configuration Hub backup', operation: 'DELETE /v2024/configuration-hub/backups/{id}' });
deleteAction('upload', { field: 'deleteSailPointUpload', record: 'an uploaded configuration', operation: 'DELETE /v2024/configuration-hub/backups/uploads/{id}' });
