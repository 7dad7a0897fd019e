// The AWS Backup side of the graph: AwsBackupJob with every DescribeBackupJob member, its nested
// records, the root field that looks one up by its AWS id, its federation entity, the AWS fields
// of a configured source, the records a job points at (recovery point, plan, vault), each loaded
// per request through the source's shared cache and each a federation entity, and the actions
// that start and stop a job.
import { createHash } from 'node:crypto';
import type { GatewayContext } from '../resolvers/context.js';
import { jobLoader } from '../resolvers/loaders.js';
import { AWS_BACKUP_JOB_STATES, awsJobKey, type AwsBackupJobModel, type AwsBackupJobState as State, type AwsJobConditions, type KeyValuePair } from '../src/aws/mapper.js';
import type { AwsBackupSource, StartJobInput } from '../src/aws/source.js';
import {
  awsRecordKey,
  awsRecordRef,
  type AwsBackupPlanModel,
  type AwsBackupRuleModel,
  type AwsBackupVaultModel,
  type AwsRecordModel,
  type AwsRecordRef,
  type AwsRecoveryPointModel,
} from '../src/aws/records.js';
import { badUserInput, quoted } from '../src/model/errors.js';
import type { BackupJobModel } from '../src/model/job.js';
import { toGraphQLError } from '../src/model/upstream-errors.js';
import { actionField, actionInput, actionPayload, type ActionInput, type ActionPayload } from './actions.js';
import { BackupJob, jobNodeRef, openEnum } from './backup-job.js';
import { builder } from './builder.js';
import { firstFound, globalIdKey, resolveJobReference } from './federation.js';
import { addFilterFields } from './filter.js';
import { addSummaryKeyFields } from './summary.js';
import { addSourceFields } from './sources.js';

const STATE_DESCRIPTIONS: Record<State, string> = {
  CREATED:
    'Created and not started yet. A job stays here through its start window while AWS Backup keeps trying to start it (it retries a failed start at least every 10 minutes).',
  PENDING: 'About to run: AWS Backup has not begun copying data yet.',
  RUNNING: 'Copying data into the vault.',
  ABORTING: 'A stop was requested; the job is cleaning up.',
  ABORTED: 'Stopped before it finished.',
  COMPLETED: 'Finished; check `messageCategory` for warnings.',
  FAILED: 'Ended with an error; `statusMessage` says why.',
  EXPIRED: 'Never ran: its start window (`startBy`) passed before AWS Backup could start it, so nothing was backed up.',
  PARTIAL: 'Finished with only some of the resource backed up.',
};

const AwsBackupJobState = openEnum<typeof AWS_BACKUP_JOB_STATES>('AWS Backup', 'AwsBackupJobState', 'The state of a job exactly as AWS Backup reports it.', STATE_DESCRIPTIONS);

const AwsRecoveryPointCreator = builder
  .objectRef<NonNullable<AwsBackupJobModel['createdBy']>>('AwsRecoveryPointCreator')
  .implement({
    description:
      'What started a job: the backup plan and rule for scheduled jobs. Empty for on-demand jobs started outside a plan.',
    fields: (t) => ({
      backupPlanId: t.exposeString('backupPlanId', { description: 'Id of the backup plan that started the job.' }),
      backupPlanArn: t.exposeString('backupPlanArn', { description: 'ARN of that backup plan.' }),
      backupPlanName: t.exposeString('backupPlanName', { description: 'Name of that backup plan.' }),
      backupPlanVersion: t.exposeString('backupPlanVersion', {
        description: 'Version id of the plan at the time; every edit of a plan creates a new one.',
      }),
      backupRuleId: t.exposeString('backupRuleId', { description: 'Id of the rule within the plan that scheduled the job.' }),
      backupRuleName: t.exposeString('backupRuleName', { description: 'Name of that rule.' }),
      backupRuleCron: t.exposeString('backupRuleCron', {
        description: 'The rule schedule as an AWS cron expression, such as `cron(0 5 ? * * *)`.',
      }),
      backupRuleTimezone: t.exposeString('backupRuleTimezone', {
        description: 'The time zone the schedule is read in, such as `Europe/Berlin`.',
      }),
    }),
  });

const AwsRecoveryPointLifecycle = builder
  .objectRef<NonNullable<AwsBackupJobModel['recoveryPointLifecycle']>>('AwsRecoveryPointLifecycle')
  .implement({
    description: 'How long the backup this job makes is kept, and when it moves to cheaper storage.',
    fields: (t) => ({
      moveToColdStorageAfterDays: t.expose('moveToColdStorageAfterDays', {
        type: 'SafeInt',
        description:
          'Days after creation until the recovery point moves to cold storage; null when it never does. A Long in the AWS model, hence SafeInt.',
      }),
      deleteAfterDays: t.expose('deleteAfterDays', {
        type: 'SafeInt',
        description:
          'Days after creation until the recovery point is deleted. With cold storage it is at least 90 days after the move. A Long in the AWS model, hence SafeInt.',
      }),
      optInToArchiveForSupportedResources: t.exposeBoolean('optInToArchiveForSupportedResources', {
        description: 'Whether resource types that support archive tiers move there under this lifecycle.',
      }),
      deleteAfterEvent: t.exposeString('deleteAfterEvent', {
        description: 'An event that deletes the recovery point instead of a day count, such as `DELETE_AFTER_COPY`.',
      }),
    }),
  });

const AwsBackupOption = builder.objectRef<{ key: string; value: string }>('AwsBackupOption').implement({
  description: 'One option of the job, such as `WindowsVSS` = `enabled`; AWS sends these as a string map.',
  fields: (t) => ({
    key: t.exposeString('key', { nullable: false, description: 'The option name.' }),
    value: t.exposeString('value', { nullable: false, description: 'The option value.' }),
  }),
});

const AwsChildJobStateCount = builder
  .objectRef<{ state: State; count: number }>('AwsChildJobStateCount')
  .implement({
    description: 'How many child jobs of a composite job are in one state.',
    fields: (t) => ({
      state: t.field({ type: AwsBackupJobState.ref, nullable: false, description: 'The state.', resolve: (c) => c.state }),
      count: t.expose('count', { type: 'SafeInt', nullable: false, description: 'How many child jobs are in it (a Long in the AWS model).' }),
    }),
  });

export const AwsBackupJob = jobNodeRef('AwsBackupJob', isAwsJob);

function isAwsJob(job: BackupJobModel): job is AwsBackupJobModel {
  return job.sourceKind === 'AWS_BACKUP';
}

AwsBackupJob.implement({
  description:
    'A backup job of AWS Backup, with every member DescribeBackupJob returns. Timestamps are ISO 8601; byte counts are SafeInt.',
  interfaces: [BackupJob],
  isTypeOf: (value) => (value as AwsBackupJobModel).sourceKind === 'AWS_BACKUP',
  fields: (t) => ({
    region: t.exposeString('region', { nullable: false, description: 'The AWS Region the job ran in.' }),
    accountId: t.exposeString('accountId', { description: 'The AWS account that owns the job.' }),
    backupJobId: t.exposeString('backupJobId', { nullable: false, description: 'The AWS id of the job.' }),
    backupVaultName: t.exposeString('backupVaultName', { description: 'Name of the vault the backup is stored in.' }),
    backupVaultArn: t.exposeString('backupVaultArn', { description: 'ARN of that vault.' }),
    vaultType: t.exposeString('vaultType', {
      description: 'Kind of vault: `BACKUP_VAULT`, or `LOGICALLY_AIR_GAPPED_BACKUP_VAULT` for an air-gapped one.',
    }),
    vaultLockState: t.exposeString('vaultLockState', {
      description: 'Whether the vault is locked against deletion (`LOCKED`, `UNLOCKED`), reported for air-gapped vaults.',
    }),
    recoveryPointArn: t.exposeString('recoveryPointArn', {
      description: 'ARN of the recovery point (the backup itself) this job produced.',
    }),
    recoveryPointLifecycle: t.field({
      type: AwsRecoveryPointLifecycle,
      description: 'Retention and cold-storage rules of the recovery point.',
      resolve: (job) => job.recoveryPointLifecycle,
    }),
    encryptionKeyArn: t.exposeString('encryptionKeyArn', { description: 'ARN of the KMS key that encrypts the backup.' }),
    isEncrypted: t.exposeBoolean('isEncrypted', { description: 'Whether the backup is encrypted; AWS encrypts every backup.' }),
    resourceArn: t.exposeString('resourceArn', { description: 'ARN of the resource being backed up.' }),
    resourceName: t.exposeString('resourceName', { description: 'Name of that resource; not unique.' }),
    resourceType: t.exposeString('resourceType', {
      description:
        'Kind of resource, as AWS names it, case-sensitive: `EBS`, `RDS`, `EFS`, `DynamoDB`, `S3`, `EC2`, `Aurora`, `FSx`, ... Some names hold spaces, such as `SAP HANA on Amazon EC2` and `Storage Gateway`.',
    }),
    creationDate: t.field({ type: 'DateTime', description: 'When AWS created the job.', resolve: (job) => job.createdAt }),
    completionDate: t.field({ type: 'DateTime', description: 'When the job finished.', resolve: (job) => job.completedAt }),
    expectedCompletionDate: t.expose('expectedCompletionDate', {
      type: 'DateTime',
      description: 'When AWS expects a running job to finish.',
    }),
    startBy: t.expose('startBy', {
      type: 'DateTime',
      description: 'Deadline to start: scheduled time plus start window. A job that has not started by then ends EXPIRED.',
    }),
    initiationDate: t.expose('initiationDate', { type: 'DateTime', description: 'When the job was initiated.' }),
    state: t.field({
      type: AwsBackupJobState.ref,
      description: 'The job state as AWS reports it; `phase` maps it to the source-neutral vocabulary.',
      resolve: (job) => AwsBackupJobState.read(job.stateRaw),
    }),
    stateRaw: t.exposeString('stateRaw', {
      description: 'The state exactly as AWS sent it, also one this gateway does not know yet (then `state` is UNKNOWN).',
    }),
    statusMessage: t.exposeString('statusMessage', { description: 'AWS explanation of the state, mostly set on failures.' }),
    messageCategory: t.exposeString('messageCategory', {
      description: 'Category of the status message, as AWS sends it, such as `SUCCESS`, `AccessDenied` or `InvalidParameters` (spelled as each is, in mixed case); it tells COMPLETED from COMPLETED_WITH_ISSUES.',
    }),
    percentDone: t.exposeString('percentDone', {
      description:
        'Estimated progress as AWS sends it, a decimal string such as "42.0". For a running job of a source with more than 1,000 jobs running, as of the last refresh whose page of running jobs held it: usually no more than one walk over those pages, about ceil(running / 1,000) refreshes, older than the source\'s `fetchedAt` (a job the walk passes over is brought up to date by the next walk or the periodic full listing).',
    }),
    backupSizeInBytes: t.expose('backupSizeInBytes', {
      type: 'SafeInt',
      description: 'Size of the backup in bytes. What it measures depends on the resource type (see AWS docs); RDS reports 0.',
    }),
    bytesTransferred: t.expose('bytesTransferred', {
      type: 'SafeInt',
      description: 'Bytes transferred to the vault so far; as fresh as `percentDone`.',
    }),
    iamRoleArn: t.exposeString('iamRoleArn', { description: 'ARN of the IAM role the job ran with.' }),
    createdBy: t.field({
      type: AwsRecoveryPointCreator,
      description: 'The backup plan and rule that started the job.',
      resolve: (job) => job.createdBy,
    }),
    backupOptions: t.field({
      type: [AwsBackupOption],
      description: 'Options set on the plan or on-demand job, as name/value pairs.',
      resolve: (job) => job.backupOptions,
    }),
    backupType: t.exposeString('backupType', {
      description: 'The backup type actually taken, such as `WindowsVSS`; null for a regular backup.',
    }),
    parentJobId: t.exposeString('parentJobId', { description: 'AWS id of the composite job this job belongs to.' }),
    parentJob: t.field({
      type: AwsBackupJob,
      description: 'The composite job this job belongs to, fetched through the loaders.',
      resolve: (job) => (job.parentJobId ? awsJobKey(job.sourceName, job.parentJobId) : null),
    }),
    isParent: t.exposeBoolean('isParent', { description: 'Whether this is a composite job with child jobs.' }),
    numberOfChildJobs: t.field({
      type: 'SafeInt',
      description:
        'How many child jobs a composite job has (a Long in the AWS model); null for other jobs. Counted from the child jobs listed with it (DescribeBackupJob reports the same number), so it costs no call.',
      resolve: (job) => job.numberOfChildJobs,
    }),
    childJobsInState: t.field({
      type: [AwsChildJobStateCount],
      description: 'Child-job counts by state of a composite job, in the order of `AwsBackupJobState`, counted like `numberOfChildJobs`; null for other jobs.',
      resolve: (job) => job.childJobsInState,
    }),
    childJobs: t.field({
      type: [AwsBackupJob],
      nullable: { list: true, items: false },
      description:
        'The child jobs of a composite job, newest first, from the read model (no call of its own); empty for other jobs and for a job older than the list window.',
      resolve: async (job, _args, context) => {
        const found = await jobLoader(context).loadMany(job.childJobKeys ?? []);
        const failure = found.find((child): child is Error => child instanceof Error);
        if (failure) throw failure;
        return found.filter((child): child is AwsBackupJobModel => child !== null && isAwsJob(child as BackupJobModel));
      },
    }),
  }),
});

builder.queryField('awsBackupJob', (t) =>
  t.field({
    type: AwsBackupJob,
    description:
      'Looks up an AWS Backup job by its AWS id. Without `sourceName` every AWS source is asked; null when none has it.',
    args: {
      backupJobId: t.arg.string({ required: true, description: 'The AWS job id (BackupJobId).' }),
      sourceName: t.arg.string({ description: 'The configured AWS source to ask; all AWS sources when omitted.' }),
    },
    resolve: async (_root, { backupJobId, sourceName }, context) => {
      const loader = AwsBackupJob.getDataloader(context);
      if (sourceName != null) return loader.load(awsJobKey(awsSource(context, sourceName).name, backupJobId));
      const found = await Promise.allSettled(context.sources.ofKind('AWS_BACKUP').map((source) => loader.load(awsJobKey(source.name, backupJobId))));
      const hit = found.find((outcome) => outcome.status === 'fulfilled' && outcome.value);
      if (hit?.status === 'fulfilled') return hit.value;
      const failure = found.find((outcome) => outcome.status === 'rejected');
      if (failure?.status === 'rejected') throw failure.reason;
      return null;
    },
  }),
);

/** The AWS source of that name this caller may see; BAD_USER_INPUT for any other name, hidden sources included. */
function awsSource(context: GatewayContext, sourceName: string): AwsBackupSource {
  const source = context.sources.get(sourceName);
  if (source?.kind !== 'AWS_BACKUP') throw badUserInput(`${quoted(sourceName)} is not an AWS source of this gateway`);
  return source;
}

builder.asEntity(AwsBackupJob, {
  key: [globalIdKey, builder.selection<{ accountId: string; region: string; backupJobId: string }>('accountId region backupJobId')],
  resolveReference: resolveJobReference(async ({ accountId, region, backupJobId }, context) => {
    const candidates = await awsSourcesFor(context, region, accountId);
    const loader = AwsBackupJob.getDataloader(context);
    return firstFound(
      candidates.map((source) => loader.load(awsJobKey(source.name, backupJobId))),
      (job) => job.accountId === accountId,
    );
  }),
});

/**
 * The AWS sources that may hold what an account has in a Region (a job, a vault...). A source of
 * its own account knows that account from its list, which its lookups read first anyway: read,
 * then leave out the sources that cannot hold the account, so that none is asked for another's.
 */
async function awsSourcesFor(context: GatewayContext, region: string, accountId: string): Promise<AwsBackupSource[]> {
  const regional = context.sources.ofKind('AWS_BACKUP').filter((source) => source.region === region);
  await Promise.all(regional.map((source) => context.sources.readModel(source.name)?.read(context.reader)));
  return regional.filter((source) => source.canMatch({ accountId }));
}

/**
 * An AWS resource as a reference for other subgraphs (an inventory service, say) to extend. This
 * subgraph only knows its ARN, so its key is not resolvable: the router never asks it for one.
 */
const AwsResource = builder.objectRef<{ arn: string }>('AwsResource').implement({
  description:
    'The AWS resource a backup job protects, known here only by its ARN. Another subgraph (an inventory service, for example) can add its fields.',
  fields: (t) => ({
    arn: t.exposeString('arn', { nullable: false, description: 'The resource ARN.' }),
  }),
});

builder.asEntity(AwsResource, {
  key: builder.keyDirective(builder.selection<{ arn: string }>('arn'), false),
  resolveReference: (reference) => reference,
});

builder.objectField(AwsBackupJob, 'resource', (t) =>
  t.field({
    type: AwsResource,
    description: 'The resource this job backs up, as an entity reference other subgraphs can extend.',
    resolve: (job) => (job.resourceArn ? { arn: job.resourceArn } : null),
  }),
);

addSourceFields((t) => ({
  region: t.string({
    description: 'AWS only: the Region this source reads.',
    resolve: (source) => (source.kind === 'AWS_BACKUP' ? source.region : null),
  }),
  accountId: t.string({
    description: 'AWS only: the account this source is pinned to, `*` for a whole organization, null for the caller account.',
    resolve: (source) => (source.kind === 'AWS_BACKUP' ? (source.accountId ?? null) : null),
  }),
}));

/** The resource types the AWS Backup API reference lists for `ByResourceType`, spelt as AWS spells them. */
const AWS_RESOURCE_TYPES = [
  'Aurora', 'CloudFormation', 'DocumentDB', 'DynamoDB', 'EBS', 'EC2', 'EFS', 'FSx', 'Neptune', 'RDS', 'Redshift', 'S3',
  'SAP HANA on Amazon EC2', 'Storage Gateway', 'Timestream', 'VirtualMachine',
];

const AWS_RESOURCE_TYPE_BY_LOWER_CASE = new Map(AWS_RESOURCE_TYPES.map((type) => [type.toLowerCase(), type]));

addFilterFields(
  'AWS_BACKUP',
  {
    resourceType: (t) =>
      t.string({
        required: false,
        description: `AWS only: only jobs for this resource type, as AWS names it, case-sensitive: ${AWS_RESOURCE_TYPES.map((type) => `\`${type}\``).join(', ')}. A value that is one of these in another case matches nothing and adds a warning to the answer's \`extensions.warnings\`. Leaves sources of other kinds out.`,
      }),
    backupVaultName: (t) => t.string({ required: false, description: 'AWS only: only jobs storing into this vault. Leaves sources of other kinds out.' }),
    accountId: (t) =>
      t.string({
        required: false,
        description: 'AWS only: only jobs of this 12-digit account. Leaves sources of other kinds out, and AWS sources pinned to another account.',
      }),
  },
  ({ accountId, resourceType }: AwsJobConditions, warn) => {
    if (accountId != null && !/^\d{12}$/.test(accountId)) {
      throw badUserInput(`"filter.accountId" must be a 12-digit AWS account id, got ${quoted(accountId)}`);
    }
    const spelt = resourceType == null ? undefined : AWS_RESOURCE_TYPE_BY_LOWER_CASE.get(resourceType.toLowerCase());
    if (spelt !== undefined && spelt !== resourceType) {
      warn({ code: 'RESOURCE_TYPE_CASE', message: `${quoted(resourceType!)} is no AWS resource type: resource types are case-sensitive, did you mean ${quoted(spelt)}?` });
    }
  },
);

// ---- the records a job points at: its recovery point, backup plan and vault ----------------------

/**
 * Records by key, one upstream call per distinct key per request (the loader) and per freshness
 * window (the source's shared cache). A key of a source the caller may not see finds nothing; a
 * failed read fails its own slot only.
 */
function loadRecords(keys: readonly string[], context: GatewayContext): Promise<(AwsRecordModel | null | Error)[]> {
  return Promise.all(
    keys.map(async (key) => {
      const ref = awsRecordRef(key);
      const source = context.sources.get(ref.sourceName);
      const model = context.sources.readModel(ref.sourceName);
      if (source?.kind !== 'AWS_BACKUP' || !model) return null;
      try {
        return await model.record(key, () => source.readRecord(ref), context.reader, (record) => source.recordTtlMs(record));
      } catch (error) {
        return toGraphQLError(error, ref.sourceName);
      }
    }),
  );
}

function recordRef<Model extends AwsRecordModel>(name: string, kind: Model['record']) {
  return builder.loadableObjectRef<Model | null | Error, string, string, Model>(name, {
    load: async (keys, context: GatewayContext) =>
      (await loadRecords(keys, context)).map((record) => (record === null || record instanceof Error || record.record === kind ? record : null)) as (
        | Model
        | null
        | Error
      )[],
  });
}

/** The key of a record of the job's own source, or null when the job names none. */
const keyOf = (ref: AwsRecordRef | null): string | null => (ref ? awsRecordKey(ref) : null);

const AwsRecoveryPoint = recordRef<AwsRecoveryPointModel>('AwsRecoveryPoint', 'recoveryPoint');
const AwsBackupPlan = recordRef<AwsBackupPlanModel>('AwsBackupPlan', 'plan');
const AwsBackupVault = recordRef<AwsBackupVaultModel>('AwsBackupVault', 'vault');

const RecoveryPointStatus = openEnum(
  'AWS Backup',
  'AwsRecoveryPointStatus',
  'The state of a recovery point as AWS Backup reports it.',
  {
    CREATING: 'The backup job that makes it is still running.',
    AVAILABLE: 'Made without issues and ready to restore from.',
    COMPLETED: 'Made and ready to restore from.',
    PARTIAL: 'A composite recovery point some of whose nested recovery points were not made.',
    EXPIRED: 'Past its retention, but AWS Backup could not delete it (permissions, usually); it still costs storage.',
    DELETING: 'Being deleted, at the end of its retention or on request.',
    STOPPED: 'A continuous backup that stopped (lost permissions, versioning turned off, a changed retention); the next run of its rule starts a new one.',
  },
  'The recovery point',
);

const StorageClass = openEnum(
  'AWS Backup',
  'AwsRecoveryPointStorageClass',
  'Where a recovery point is stored now, which sets what it costs and how fast it restores.',
  {
    WARM: 'Standard storage: restores start at once.',
    COLD: 'Cold storage, after the lifecycle moved it there: cheaper, slower to restore, kept there at least 90 days.',
    DELETED: 'No longer stored: its lifecycle deleted it.',
  },
  'The recovery point',
);

const AwsCalculatedLifecycle = builder.objectRef<NonNullable<AwsRecoveryPointModel['calculatedLifecycle']>>('AwsCalculatedLifecycle').implement({
  description: 'The dates a recovery point’s lifecycle works out to, counted by AWS Backup from when the recovery point was made.',
  fields: (t) => ({
    moveToColdStorageAt: t.expose('moveToColdStorageAt', { type: 'DateTime', description: 'When it moves (or moved) to cold storage; null when it stays warm.' }),
    deleteAt: t.expose('deleteAt', { type: 'DateTime', description: 'When it is (or was) deleted; null when it is kept until someone deletes it.' }),
  }),
});

AwsRecoveryPoint.implement({
  description:
    'A recovery point: the backup an AWS Backup job made, stored in a vault, read with DescribeRecoveryPoint. Visible to callers who may see the source of the job that points at it.',
  authScopes: (point) => ({ source: point.sourceName }),
  fields: (t) => ({
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The configured source that read it: the source of the job that points at it.' }),
    region: t.exposeString('region', { nullable: false, description: 'The AWS Region it is stored in.' }),
    accountId: t.exposeString('accountId', { description: 'The account that owns the vault holding it.' }),
    recoveryPointArn: t.exposeString('recoveryPointArn', {
      nullable: false,
      description: 'Its ARN. Its form depends on the resource type: an EBS snapshot or an AMI for EBS and EC2, an RDS snapshot for RDS, a Backup ARN for fully managed types.',
    }),
    backupVaultName: t.exposeString('backupVaultName', { nullable: false, description: 'Name of the vault that holds it.' }),
    backupVaultArn: t.exposeString('backupVaultArn', { description: 'ARN of that vault.' }),
    backupVault: t.field({
      type: AwsBackupVault,
      description: 'The vault that holds it: the same record as the job’s `backupVault`, loaded once per request.',
      resolve: (point) => keyOf({ record: 'vault', sourceName: point.sourceName, accountId: point.accountId, backupVaultName: point.backupVaultName }),
    }),
    sourceBackupVaultArn: t.exposeString('sourceBackupVaultArn', {
      description: 'For a copy made from another account or Region, the vault it was copied from; null for an original.',
    }),
    resourceArn: t.exposeString('resourceArn', { description: 'ARN of the resource it backs up.' }),
    resourceType: t.exposeString('resourceType', { description: 'Kind of that resource as AWS names it, such as `EBS` or `DynamoDB`.' }),
    resourceName: t.exposeString('resourceName', { description: 'Name of that resource; not unique.' }),
    createdBy: t.field({
      type: AwsRecoveryPointCreator,
      description: 'The backup plan and rule whose job made it; null for an on-demand backup.',
      resolve: (point) => point.createdBy,
    }),
    iamRoleArn: t.exposeString('iamRoleArn', { description: 'The IAM role AWS Backup made it with.' }),
    status: t.field({
      type: RecoveryPointStatus.ref,
      description: 'Whether it can be restored from now (see `AwsRecoveryPointStatus`).',
      resolve: (point) => RecoveryPointStatus.read(point.status),
    }),
    statusRaw: t.exposeString('status', { description: 'The status exactly as AWS sent it, also one this gateway does not know yet.' }),
    statusMessage: t.exposeString('statusMessage', { description: 'AWS’s explanation of the status, when it gives one.' }),
    creationDate: t.expose('creationDate', { type: 'DateTime', description: 'When it was made; its lifecycle counts days from here.' }),
    initiationDate: t.expose('initiationDate', { type: 'DateTime', description: 'When the job that made it was started.' }),
    completionDate: t.expose('completionDate', { type: 'DateTime', description: 'When the job that made it finished.' }),
    backupSizeInBytes: t.expose('backupSizeInBytes', { type: 'SafeInt', description: 'Its size in bytes, as the job reported it (RDS reports 0).' }),
    calculatedLifecycle: t.field({
      type: AwsCalculatedLifecycle,
      description: 'The dates its lifecycle works out to: when it moves to cold storage and when it is deleted.',
      resolve: (point) => point.calculatedLifecycle,
    }),
    lifecycle: t.field({
      type: AwsRecoveryPointLifecycle,
      description: 'Its lifecycle in days, as the plan rule or the on-demand job set it.',
      resolve: (point) => point.lifecycle,
    }),
    storageClass: t.field({
      type: StorageClass.ref,
      description: 'Where it is stored now: warm, cold, or deleted.',
      resolve: (point) => StorageClass.read(point.storageClass),
    }),
    encryptionKeyArn: t.exposeString('encryptionKeyArn', {
      description: 'The KMS key it is encrypted with: the source resource’s key for snapshot-based types (EBS, EC2, RDS, FSx), the vault’s key for fully managed ones.',
    }),
    encryptionKeyType: t.exposeString('encryptionKeyType', {
      description: 'Whose key that is: `CUSTOMER_MANAGED_KMS_KEY`, or `AWS_OWNED_KMS_KEY` for a key AWS owns.',
    }),
    isEncrypted: t.exposeBoolean('isEncrypted', { description: 'Whether it is encrypted.' }),
    lastRestoreTime: t.expose('lastRestoreTime', { type: 'DateTime', description: 'When something was last restored from it; null when never.' }),
    isParent: t.exposeBoolean('isParent', { description: 'Whether it is a composite recovery point (of a CloudFormation stack, say) holding nested ones.' }),
    parentRecoveryPointArn: t.exposeString('parentRecoveryPointArn', { description: 'For a nested recovery point, the ARN of the composite one it belongs to.' }),
    parentRecoveryPoint: t.field({
      type: AwsRecoveryPoint,
      description: 'For a nested recovery point, the composite one it belongs to, in the same vault (one DescribeRecoveryPoint call, shared by its siblings).',
      resolve: (point) =>
        keyOf(
          point.parentRecoveryPointArn
            ? { record: 'recoveryPoint', sourceName: point.sourceName, accountId: point.accountId, backupVaultName: point.backupVaultName, recoveryPointArn: point.parentRecoveryPointArn }
            : null,
        ),
    }),
    compositeMemberIdentifier: t.exposeString('compositeMemberIdentifier', {
      description: 'For a nested recovery point, which member of the composite it is: the logical id of the resource in its CloudFormation template.',
    }),
    vaultType: t.exposeString('vaultType', { description: 'Kind of vault it is stored in: `BACKUP_VAULT` or `LOGICALLY_AIR_GAPPED_BACKUP_VAULT`.' }),
    indexStatus: t.exposeString('indexStatus', {
      description: 'State of the search index of its contents, where one was asked for: `PENDING`, `ACTIVE`, `FAILED` or `DELETING`.',
    }),
    indexStatusMessage: t.exposeString('indexStatusMessage', { description: 'AWS’s explanation of the index state.' }),
  }),
});

const AwsBackupCopyAction = builder.objectRef<AwsBackupRuleModel['copyActions'][number]>('AwsBackupCopyAction').implement({
  description: 'A copy a rule makes of each recovery point into another vault (of another Region or account, or an air-gapped one).',
  fields: (t) => ({
    destinationBackupVaultArn: t.exposeString('destinationBackupVaultArn', { description: 'The vault the copy goes to.' }),
    lifecycle: t.field({ type: AwsRecoveryPointLifecycle, description: 'How long the copy is kept.', resolve: (copy) => copy.lifecycle }),
  }),
});

const AwsBackupRule = builder.objectRef<AwsBackupRuleModel>('AwsBackupRule').implement({
  description: 'One rule of a backup plan: when it starts jobs, how long they may take, and how long their recovery points are kept.',
  fields: (t) => ({
    ruleName: t.exposeString('ruleName', { description: 'Its name, which jobs show in `createdBy.backupRuleName`.' }),
    ruleId: t.exposeString('ruleId', { description: 'Its id, which jobs show in `createdBy.backupRuleId`.' }),
    targetBackupVaultName: t.exposeString('targetBackupVaultName', { description: 'The vault its jobs store into.' }),
    targetLogicallyAirGappedBackupVaultArn: t.exposeString('targetLogicallyAirGappedBackupVaultArn', {
      description: 'An air-gapped vault its jobs store into directly, where one is set.',
    }),
    scheduleExpression: t.exposeString('scheduleExpression', { description: 'When it starts jobs, as an AWS cron expression such as `cron(0 5 ? * * *)`.' }),
    scheduleExpressionTimezone: t.exposeString('scheduleExpressionTimezone', { description: 'The time zone the schedule is read in; UTC when absent.' }),
    startWindowMinutes: t.expose('startWindowMinutes', {
      type: 'SafeInt',
      description: 'Minutes after the scheduled time within which a job must start, or it ends EXPIRED (a Long in the AWS model).',
    }),
    completionWindowMinutes: t.expose('completionWindowMinutes', {
      type: 'SafeInt',
      description: 'Minutes after the scheduled time within which a job must finish, or AWS Backup stops it (a Long in the AWS model).',
    }),
    lifecycle: t.field({ type: AwsRecoveryPointLifecycle, description: 'How long its recovery points are kept, and when they move to cold storage.', resolve: (rule) => rule.lifecycle }),
    recoveryPointTags: t.field({
      type: [AwsBackupOption],
      description: 'Tags it puts on its recovery points, as name/value pairs.',
      resolve: (rule) => rule.recoveryPointTags,
    }),
    copyActions: t.field({
      type: [AwsBackupCopyAction],
      nullable: false,
      description: 'Copies it makes of each recovery point; empty when it makes none.',
      resolve: (rule) => rule.copyActions,
    }),
    enableContinuousBackup: t.exposeBoolean('enableContinuousBackup', {
      description: 'Whether it keeps a continuous backup (point-in-time restore) for the types that support one.',
    }),
  }),
});

const AwsAdvancedBackupSetting = builder.objectRef<AwsBackupPlanModel['advancedBackupSettings'][number]>('AwsAdvancedBackupSetting').implement({
  description: 'Options a plan sets for one resource type, such as Windows VSS for EC2.',
  fields: (t) => ({
    resourceType: t.exposeString('resourceType', { description: 'The resource type they apply to.' }),
    backupOptions: t.field({
      type: [AwsBackupOption],
      description: 'The options, as name/value pairs.',
      resolve: (setting) => setting.backupOptions as readonly KeyValuePair[] | null,
    }),
  }),
});

AwsBackupPlan.implement({
  description:
    'A backup plan (one version of it), read with GetBackupPlan: the rules that start scheduled jobs. Visible to callers who may see the source of the job that points at it.',
  authScopes: (plan) => ({ source: plan.sourceName }),
  fields: (t) => ({
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The configured source that read it: the source of the job that points at it.' }),
    region: t.exposeString('region', { nullable: false, description: 'The AWS Region of the plan.' }),
    backupPlanId: t.exposeString('backupPlanId', { nullable: false, description: 'Its id.' }),
    backupPlanArn: t.exposeString('backupPlanArn', { description: 'Its ARN.' }),
    versionId: t.exposeString('versionId', { description: 'The version this is; every change of a plan makes a new version, and a job names the one that started it.' }),
    backupPlanName: t.exposeString('backupPlanName', { description: 'Its name.' }),
    rules: t.field({ type: [AwsBackupRule], nullable: false, description: 'Its rules, in the plan’s order.', resolve: (plan) => plan.rules }),
    advancedBackupSettings: t.field({
      type: [AwsAdvancedBackupSetting],
      nullable: false,
      description: 'Options it sets per resource type; empty when none.',
      resolve: (plan) => plan.advancedBackupSettings,
    }),
    creatorRequestId: t.exposeString('creatorRequestId', { description: 'The idempotency token it was created with, where one was given.' }),
    creationDate: t.expose('creationDate', { type: 'DateTime', description: 'When this version was made.' }),
    deletionDate: t.expose('deletionDate', { type: 'DateTime', description: 'When the plan was deleted; null while it exists.' }),
    lastExecutionDate: t.expose('lastExecutionDate', { type: 'DateTime', description: 'When it last started jobs.' }),
  }),
});

AwsBackupVault.implement({
  description:
    'A backup vault, read with DescribeBackupVault: where recovery points are stored, with its encryption and lock. Visible to callers who may see the source of the job that points at it.',
  authScopes: (vault) => ({ source: vault.sourceName }),
  fields: (t) => ({
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The configured source that read it: the source of the job that points at it.' }),
    region: t.exposeString('region', { nullable: false, description: 'The AWS Region of the vault.' }),
    accountId: t.exposeString('accountId', { description: 'The account that owns it.' }),
    backupVaultName: t.exposeString('backupVaultName', { nullable: false, description: 'Its name, unique in its account and Region.' }),
    backupVaultArn: t.exposeString('backupVaultArn', { description: 'Its ARN.' }),
    vaultType: t.exposeString('vaultType', { description: 'Kind of vault: `BACKUP_VAULT`, or `LOGICALLY_AIR_GAPPED_BACKUP_VAULT` for an air-gapped one.' }),
    vaultState: t.exposeString('vaultState', { description: 'Whether it can be used: `AVAILABLE`, `CREATING` or `FAILED`.' }),
    encryptionKeyArn: t.exposeString('encryptionKeyArn', { description: 'The KMS key that encrypts the recovery points of fully managed resource types in it.' }),
    encryptionKeyType: t.exposeString('encryptionKeyType', { description: 'Whose key that is: `CUSTOMER_MANAGED_KMS_KEY` or `AWS_OWNED_KMS_KEY`.' }),
    creationDate: t.expose('creationDate', { type: 'DateTime', description: 'When it was created.' }),
    creatorRequestId: t.exposeString('creatorRequestId', { description: 'The idempotency token it was created with, where one was given.' }),
    numberOfRecoveryPoints: t.expose('numberOfRecoveryPoints', { type: 'SafeInt', description: 'How many recovery points it holds now (a Long in the AWS model).' }),
    locked: t.exposeBoolean('locked', {
      description: 'Whether a vault lock protects it: recovery points cannot be deleted before `minRetentionDays`, nor kept past `maxRetentionDays`.',
    }),
    minRetentionDays: t.expose('minRetentionDays', { type: 'SafeInt', description: 'Under a lock, the shortest retention a recovery point in it may have.' }),
    maxRetentionDays: t.expose('maxRetentionDays', { type: 'SafeInt', description: 'Under a lock, the longest retention a recovery point in it may have.' }),
    lockDate: t.expose('lockDate', {
      type: 'DateTime',
      description: 'When the lock became immutable (compliance mode): after it nobody, AWS included, can remove the lock. Null while it can still change.',
    }),
    sourceBackupVaultArn: t.exposeString('sourceBackupVaultArn', { description: 'For a vault restored from another, the vault it came from.' }),
    mpaApprovalTeamArn: t.exposeString('mpaApprovalTeamArn', { description: 'The multi-party approval team that guards it, where one does.' }),
    mpaSessionArn: t.exposeString('mpaSessionArn', { description: 'The multi-party approval session under way for it, if any.' }),
  }),
});

builder.objectFields(AwsBackupJob, (t) => ({
  recoveryPoint: t.field({
    type: AwsRecoveryPoint,
    description:
      'The recovery point this job made, read with DescribeRecoveryPoint: one call per distinct recovery point per request, cached across requests (a settled one until its next lifecycle date). Null when the job made none (it failed, say) or AWS no longer has it.',
    resolve: (job) =>
      keyOf(
        job.recoveryPointArn && job.backupVaultName
          ? { record: 'recoveryPoint', sourceName: job.sourceName, accountId: job.accountId, backupVaultName: job.backupVaultName, recoveryPointArn: job.recoveryPointArn }
          : null,
      ),
  }),
  backupPlan: t.field({
    type: AwsBackupPlan,
    description:
      'The version of the backup plan that started this job, read with GetBackupPlan: one call per distinct plan version per request and per freshness window. Null for an on-demand job.',
    resolve: (job) =>
      keyOf(
        job.createdBy?.backupPlanId
          ? { record: 'plan', sourceName: job.sourceName, backupPlanId: job.createdBy.backupPlanId, versionId: job.createdBy.backupPlanVersion }
          : null,
      ),
  }),
  backupVault: t.field({
    type: AwsBackupVault,
    description: 'The vault this job stores into, read with DescribeBackupVault: one call per distinct vault per request and per freshness window.',
    resolve: (job) => keyOf(job.backupVaultName ? { record: 'vault', sourceName: job.sourceName, accountId: job.accountId, backupVaultName: job.backupVaultName } : null),
  }),
}));

/** Region, account and the rest of an AWS Backup ARN (`arn:aws:backup:us-east-1:111122223333:backup-vault:Default`), if it is one of that kind. */
function backupArn(arn: string, kind: 'backup-vault' | 'backup-plan'): { region: string; accountId: string; id: string } | undefined {
  const match = /^arn:aws[a-z-]*:backup:([a-z0-9-]+):(\d{12}):([a-z-]+):(.+)$/.exec(arn);
  return match && match[3] === kind ? { region: match[1]!, accountId: match[2]!, id: match[4]! } : undefined;
}

/** The record a reference names, asked of every source that may hold it; null when none has it. */
async function resolveRecord<Model extends AwsRecordModel>(
  context: GatewayContext,
  arn: { region: string; accountId: string } | undefined,
  loader: { load(key: string): Promise<Model | null> },
  refOf: (sourceName: string) => AwsRecordRef,
): Promise<Model | null> {
  if (!arn) return null;
  const candidates = await awsSourcesFor(context, arn.region, arn.accountId);
  return firstFound(
    candidates.map((source) => loader.load(awsRecordKey(refOf(source.name)))),
    () => true,
  );
}

builder.asEntity(AwsRecoveryPoint, {
  key: builder.selection<{ backupVaultArn: string; recoveryPointArn: string }>('backupVaultArn recoveryPointArn'),
  resolveReference: ({ backupVaultArn, recoveryPointArn }, context) => {
    const vault = backupArn(backupVaultArn, 'backup-vault');
    return resolveRecord(context, vault, AwsRecoveryPoint.getDataloader(context), (sourceName) => ({
      record: 'recoveryPoint',
      sourceName,
      accountId: vault!.accountId,
      backupVaultName: vault!.id,
      recoveryPointArn,
    }));
  },
});

builder.asEntity(AwsBackupVault, {
  key: builder.selection<{ backupVaultArn: string }>('backupVaultArn'),
  resolveReference: ({ backupVaultArn }, context) => {
    const vault = backupArn(backupVaultArn, 'backup-vault');
    return resolveRecord(context, vault, AwsBackupVault.getDataloader(context), (sourceName) => ({
      record: 'vault',
      sourceName,
      accountId: vault!.accountId,
      backupVaultName: vault!.id,
    }));
  },
});

builder.asEntity(AwsBackupPlan, {
  key: builder.selection<{ backupPlanArn: string; versionId: string | null }>('backupPlanArn versionId'),
  resolveReference: ({ backupPlanArn, versionId }, context) => {
    const plan = backupArn(backupPlanArn, 'backup-plan');
    return resolveRecord(context, plan, AwsBackupPlan.getDataloader(context), (sourceName) => ({
      record: 'plan',
      sourceName,
      backupPlanId: plan!.id,
      versionId: versionId ?? null,
    }));
  },
});

addSummaryKeyFields({
  accountId: { dimension: 'ACCOUNT_ID', description: 'The AWS account, when grouped by ACCOUNT_ID.' },
  region: { dimension: 'REGION', description: 'The AWS Region, when grouped by REGION.' },
  resourceType: { dimension: 'RESOURCE_TYPE', description: 'The AWS resource type, when grouped by RESOURCE_TYPE.' },
});

// ---- actions -----------------------------------------------------------------------------------

type StartInput = ActionInput & Omit<StartJobInput, 'idempotencyToken'> & { idempotencyToken?: string | null };

/** A payload that carries the job the action started or stopped, as AWS describes it afterwards. */
type JobPayload = ActionPayload & { job: AwsBackupJobModel | null };

const AwsLifecycleInput = builder.inputType('AwsRecoveryPointLifecycleInput', {
  description: 'How long the recovery point a started job makes is kept, and when it moves to cold storage (AWS Backup\'s `Lifecycle`).',
  fields: (t) => ({
    moveToColdStorageAfterDays: t.int({ required: false, description: 'Days after creation before the recovery point moves to cold storage.' }),
    deleteAfterDays: t.int({
      required: false,
      description: 'Days after creation before the recovery point is deleted; at least 90 more than `moveToColdStorageAfterDays` when both are set.',
    }),
  }),
});

const StartAwsBackupJobInput = actionInput<StartInput>('StartAwsBackupJobInput', 'An on-demand backup job to start (AWS Backup\'s StartBackupJob).', (t) => ({
  backupVaultName: t.string({ required: true, description: 'The vault to store the recovery point in, such as `Default`.' }),
  resourceArn: t.string({ required: true, description: 'The ARN of the resource to back up; it must be in the account and Region of the source.' }),
  iamRoleArn: t.string({ required: true, description: 'The IAM role AWS Backup assumes to make the backup, such as `arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole`.' }),
  idempotencyToken: t.string({
    required: false,
    description:
      'AWS\'s idempotency token: the same token again starts no second job and answers with the first. Without one, the gateway derives one from the caller, the input (`clientMutationId` included) and, when there is no `clientMutationId`, the current ten minutes (UTC), so that a request sent again starts nothing new (docs/graph.md).',
  }),
  startWindowMinutes: t.int({ required: false, description: 'Minutes after which the job is canceled if it has not started (AWS\'s default 8 hours; at least 60).' }),
  completeWindowMinutes: t.int({ required: false, description: 'Minutes after its start within which the job must complete, or AWS cancels it.' }),
  lifecycle: t.field({ type: AwsLifecycleInput, required: false, description: 'The recovery point\'s lifecycle; the vault\'s default when omitted.' }),
}));

const StartAwsBackupJobPayload = actionPayload<JobPayload>('StartAwsBackupJobPayload', 'What `startAwsBackupJob` did.', (t) => ({
  job: t.field({
    type: AwsBackupJob,
    description: 'The job started, as AWS describes it just after (usually `CREATED`); it is already in `backupJobs`. Null when `errors` says why nothing started.',
    resolve: (payload) => payload.job,
  }),
}));

/** How long a derived idempotency token stands for the same start, when the client gives no clientMutationId. */
const DERIVED_TOKEN_WINDOW_MS = 10 * 60 * 1000;

/**
 * The idempotency token of a start that names none. A request sent again (by a client, a proxy or
 * a browser retrying) repeats its input, so the same caller asking the same start gets the same
 * token and AWS starts one job. A clientMutationId (unique per start, as Relay clients send it)
 * tells two deliberate starts apart; without one, the same start within the same ten minutes is
 * taken for a retry.
 */
export function derivedIdempotencyToken(caller: string, input: StartInput, now: number): string {
  const { clientMutationId, sourceName, backupVaultName, resourceArn, iamRoleArn, startWindowMinutes, completeWindowMinutes, lifecycle } = input;
  const when = clientMutationId == null ? Math.floor(now / DERIVED_TOKEN_WINDOW_MS) : clientMutationId;
  const parts = [caller, sourceName, backupVaultName, resourceArn, iamRoleArn, startWindowMinutes, completeWindowMinutes, lifecycle?.moveToColdStorageAfterDays, lifecycle?.deleteAfterDays, when];
  return `backup-graph-${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}

actionField('startAwsBackupJob', {
  description:
    'Starts an on-demand AWS Backup job (StartBackupJob) for a resource of the source\'s account and Region, then reads it back (DescribeBackupJob). Needs write permission on the source. The job is in `backupJobs` at once, without a refresh.',
  input: StartAwsBackupJobInput,
  payload: StartAwsBackupJobPayload,
  nothing: { job: null },
  act: async (input, context) => {
    const source = awsSource(context, input.sourceName);
    const idempotencyToken = input.idempotencyToken ?? derivedIdempotencyToken(context.caller.name, input, Date.now());
    const job = await source.startJob({ ...input, idempotencyToken });
    await showInList(context, source, job);
    return { job };
  },
});

/**
 * Puts the job an action started or stopped into the source's read model, where its listing
 * holds it (a job AWS started in the caller's own account is not listed by a source pinned to
 * another one).
 */
async function showInList(context: GatewayContext, source: AwsBackupSource, job: AwsBackupJobModel): Promise<void> {
  if (source.lists(job)) await context.sources.readModel(source.name)?.applyAction({ job });
}

type StopInput = ActionInput & { backupJobId: string };

const StopAwsBackupJobInput = actionInput<StopInput>('StopAwsBackupJobInput', 'A job to stop (AWS Backup\'s StopBackupJob).', (t) => ({
  backupJobId: t.string({ required: true, description: 'The AWS job id (BackupJobId) of a job that is `CREATED`, `PENDING` or `RUNNING`.' }),
}));

const StopAwsBackupJobPayload = actionPayload<JobPayload>('StopAwsBackupJobPayload', 'What `stopAwsBackupJob` did.', (t) => ({
  job: t.field({
    type: AwsBackupJob,
    description: 'The job as AWS describes it just after the stop (usually `ABORTING`, then `ABORTED`); `backupJobs` shows it so at once. Null when `errors` says why nothing was stopped.',
    resolve: (payload) => payload.job,
  }),
}));

actionField('stopAwsBackupJob', {
  description:
    'Stops an AWS Backup job that has not finished (StopBackupJob), then reads it back (DescribeBackupJob). Needs write permission on the source. A job AWS will not stop comes back as `NotStoppable` with its state.',
  input: StopAwsBackupJobInput,
  payload: StopAwsBackupJobPayload,
  jobId: (input) => input.backupJobId,
  nothing: { job: null },
  act: async (input, context) => {
    const source = awsSource(context, input.sourceName);
    const job = await source.stopJob(input.backupJobId);
    await showInList(context, source, job);
    return { job };
  },
});
