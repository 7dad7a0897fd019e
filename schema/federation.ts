// Apollo Federation: which types other subgraphs can reference or extend, by which keys, and how
// a reference turns back into a job through the same loaders as everything else.
import type { GatewayContext } from '../resolvers/context.js';
import { decodeGlobalId } from '../resolvers/ids.js';
import { awsJobKey, type AwsBackupJobModel } from '../resolvers/mappers/aws.js';
import { sailPointJobKey, type SailPointBackupJobModel } from '../resolvers/mappers/sailpoint.js';
import { AwsBackupJob } from './aws.js';
import { BackupJob } from './backup-job.js';
import { builder } from './builder.js';
import { SailPointBackupJob } from './sailpoint.js';

function loadByGlobalId(id: string, context: GatewayContext) {
  const { typename, id: key } = decodeGlobalId(id);
  return typename === 'AwsBackupJob'
    ? AwsBackupJob.getDataloader(context).load(key)
    : SailPointBackupJob.getDataloader(context).load(key);
}

/** The first hit among candidate lookups; null when none has the job. */
async function firstFound<T extends object>(lookups: Promise<T | null>[], accept: (value: T) => boolean): Promise<T | null> {
  const found = await Promise.all(lookups);
  return found.find((value) => value !== null && accept(value)) ?? null;
}

builder.asEntity(BackupJob, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: ({ id }, context) => loadByGlobalId(id, context),
});

builder.asEntity(AwsBackupJob, {
  key: [
    builder.selection<{ id: string }>('id'),
    builder.selection<{ accountId: string; region: string; backupJobId: string }>('accountId region backupJobId'),
  ],
  resolveReference: (reference, context) => {
    if ('id' in reference) return loadByGlobalId(reference.id, context) as Promise<AwsBackupJobModel | null>;
    const { accountId, region, backupJobId } = reference;
    // Every source of that Region that can see the account may hold the job.
    const candidates = context.sources.aws.filter(
      (source) => source.region === region && (!source.accountId || source.accountId === '*' || source.accountId === accountId),
    );
    const loader = AwsBackupJob.getDataloader(context);
    return firstFound(
      candidates.map((source) => loader.load(awsJobKey(source.name, backupJobId))),
      (job) => job.accountId === accountId,
    );
  },
});

builder.asEntity(SailPointBackupJob, {
  key: [builder.selection<{ id: string }>('id'), builder.selection<{ tenant: string; jobId: string }>('tenant jobId')],
  resolveReference: (reference, context) => {
    if ('id' in reference) return loadByGlobalId(reference.id, context) as Promise<SailPointBackupJobModel | null>;
    const loader = SailPointBackupJob.getDataloader(context);
    // The tenant name lives in the records, not in the configuration: ask every tenant's
    // (request-cached) lists and keep the one that names this tenant.
    return firstFound(
      context.sources.sailPoint.flatMap((source) =>
        source.collections.map((collection) => loader.load(sailPointJobKey(source.name, collection, reference.jobId))),
      ),
      (job) => job.tenant === reference.tenant,
    );
  },
});

/**
 * An AWS resource as a reference for other subgraphs (an inventory service, say) to extend. This
 * subgraph only knows its ARN, so it declares the key without resolving the entity.
 */
const AwsResource = builder.externalRef('AwsResource', builder.keyDirective(builder.selection<{ arn: string }>('arn'), false));

AwsResource.implement({
  description:
    'The AWS resource a backup job protects, known here only by its ARN. Another subgraph (an inventory service, for example) can add its fields.',
  fields: (t) => ({
    arn: t.exposeString('arn', { nullable: false, description: 'The resource ARN.' }),
  }),
});

builder.objectField(AwsBackupJob, 'resource', (t) =>
  t.field({
    type: AwsResource,
    description: 'The resource this job backs up, as an entity reference other subgraphs can extend.',
    resolve: (job) => (job.resourceArn ? { arn: job.resourceArn } : null),
  }),
);
