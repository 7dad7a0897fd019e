// The AWS Backup side of the graph: AwsBackupJob with every DescribeBackupJob member, its nested
// records, the root field that looks one up by its AWS id, its federation entity, the AWS fields
// of a configured source, and the actions that start and stop a job.
import { createHash } from 'node:crypto';
import type { GatewayContext } from '../resolvers/context.js';
import { jobLoader } from '../resolvers/loaders.js';
import { AWS_BACKUP_JOB_STATES, awsJobKey, type AwsBackupJobModel, type AwsBackupJobState as State } from '../src/aws/mapper.js';
import type { AwsBackupSource, AwsJobConditions, StartJobInput } from '../src/aws/source.js';
import { badUserInput, quoted } from '../src/model/errors.js';
import type { BackupJobModel } from '../src/model/job.js';
import { actionField, actionInput, actionPayload, type ActionInput, type ActionPayload } from './actions.js';
import { BackupJob, jobNodeRef, openEnum } from './backup-job.js';
import { builder } from './builder.js';
import { firstFound, globalIdKey, resolveJobReference } from './federation.js';
import { addFilterFields } from './filter.js';
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
    creationDate: t.expose('creationDate', { type: 'DateTime', description: 'When AWS created the job.' }),
    completionDate: t.expose('completionDate', { type: 'DateTime', description: 'When the job finished.' }),
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
      description: 'Estimated progress as AWS sends it, a decimal string such as "42.0".',
    }),
    backupSizeInBytes: t.expose('backupSizeInBytes', {
      type: 'SafeInt',
      description: 'Size of the backup in bytes. What it measures depends on the resource type (see AWS docs); RDS reports 0.',
    }),
    bytesTransferred: t.expose('bytesTransferred', {
      type: 'SafeInt',
      description: 'Bytes transferred to the vault so far.',
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
    // Every source of that Region that can see the account may hold the job. A source of its own
    // account knows that account from its list, which its lookups read first anyway: read, then
    // leave out the sources that cannot hold the account, so that none is asked for another's job.
    const regional = context.sources.ofKind('AWS_BACKUP').filter((source) => source.region === region);
    await Promise.all(regional.map((source) => context.sources.readModel(source.name)?.read(context.reader)));
    const candidates = regional.filter((source) => source.canMatch({ accountId }));
    const loader = AwsBackupJob.getDataloader(context);
    return firstFound(
      candidates.map((source) => loader.load(awsJobKey(source.name, backupJobId))),
      (job) => job.accountId === accountId,
    );
  }),
});

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
