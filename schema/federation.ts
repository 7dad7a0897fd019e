// Apollo Federation: which types other subgraphs can reference or extend, by which keys, and how
// a reference turns back into a job through the same loaders as everything else.
import { isInterfaceType, isUnionType, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../resolvers/context.js';
import { decodeGlobalId } from '../resolvers/ids.js';
import { awsJobKey, type AwsBackupJobModel } from '../resolvers/mappers/aws.js';
import { sailPointJobKey, type SailPointBackupJobModel } from '../resolvers/mappers/sailpoint.js';
import { AwsBackupJob } from './aws.js';
import { BackupJob } from './backup-job.js';
import { builder } from './builder.js';
import { SailPointBackupJob } from './sailpoint.js';
import { badUserInput } from '../src/errors.js';

/** Async, so that a malformed id fails its own `_entities` slot, not the whole list. */
async function loadByGlobalId(id: string, context: GatewayContext) {
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

/**
 * Refuses representations that are not objects naming an entity of this subgraph as bad input.
 * `@apollo/subgraph` throws plain Errors for them (or for a type that is no entity), which clients
 * would see as internal errors.
 */
export function guardEntityRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  const union = schema.getType('_Entity');
  if (!field || !resolve || !isUnionType(union)) return schema;
  const entities = new Set([
    ...union.getTypes().map((type) => type.name),
    // Entity interfaces are not members of _Entity; they are the interfaces that resolve references.
    ...Object.values(schema.getTypeMap())
      .filter((type) => isInterfaceType(type) && (type.extensions as { apollo?: { subgraph?: { resolveReference?: unknown } } }).apollo?.subgraph?.resolveReference)
      .map((type) => type.name),
  ]);
  field.resolve = (root, args: { representations: unknown[] }, context: GatewayContext, info) => {
    const { maxRepresentations } = context.limits;
    if (args.representations.length > maxRepresentations) {
      throw badUserInput(`"representations" may hold at most ${maxRepresentations} entries, got ${args.representations.length}`);
    }
    args.representations.forEach((representation, index) => {
      const typename = (representation as { __typename?: unknown } | null)?.__typename;
      if (typeof typename !== 'string' || !entities.has(typename)) {
        throw badUserInput(`representations[${index}] must be an object whose __typename names an entity of this subgraph`);
      }
    });
    return resolve(root, args, context, info);
  };
  return schema;
}
