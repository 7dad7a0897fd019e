// Apollo Federation: which types other subgraphs can reference or extend, by which keys, and how
// a reference turns back into a job through the same loaders as everything else.
// Each kind's schema file makes its job type an entity with the helpers here.
import { GraphQLError, isInterfaceType, isUnionType, responsePathAsArray, type FieldNode, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../resolvers/context.js';
import { badUserInput, clientError } from '../src/model/errors.js';
import type { BackupJobModel } from '../src/model/job.js';
import { BackupJob, loadByGlobalId } from './backup-job.js';
import { builder } from './builder.js';

/** The key every job type has: its global id. */
export const globalIdKey = builder.selection<{ id: string }>('id');

function isGlobalIdReference(reference: object): reference is { id: string } {
  return 'id' in reference;
}

/**
 * How a kind's job type turns a reference back into a job: by its global id, through the same
 * loaders as everything else, or by the kind's own key.
 */
export function resolveJobReference<Key extends object, Job extends BackupJobModel>(
  byKey: (reference: Key, context: GatewayContext) => Promise<Job | null>,
): (reference: { id: string } | Key, context: GatewayContext) => Promise<Job | null> {
  return (reference, context) =>
    isGlobalIdReference(reference) ? (loadByGlobalId(reference.id, context) as Promise<Job | null>) : byKey(reference, context);
}

/** The first hit among candidate lookups; null when none has the job. */
export async function firstFound<T extends object>(lookups: Promise<T | null>[], accept: (value: T) => boolean): Promise<T | null> {
  const found = await Promise.all(lookups);
  return found.find((value) => value !== null && accept(value)) ?? null;
}

builder.asEntity(BackupJob, {
  key: globalIdKey,
  resolveReference: ({ id }, context) => loadByGlobalId(id, context),
});

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
    const found: unknown = resolve(root, args, context, info);
    if (!Array.isArray(found)) return found;
    const path = responsePathAsArray(info.path);
    return found.map((entity: unknown, index) => locatingFailure(entity, [...path, index], info.fieldNodes));
  };
  return schema;
}

/**
 * An entity's lookup whose client error (a refusal, a bad id) comes out already at its place in the
 * answer. Left to the executor, each of a refused caller's hundreds of failed lookups would be
 * copied with a stack trace captured and formatted for nothing (see withoutStackTraces).
 */
function locatingFailure(entity: unknown, path: (string | number)[], nodes: readonly FieldNode[]): unknown {
  if (!(entity instanceof Promise)) return entity;
  return entity.catch((error: unknown) => {
    if (!(error instanceof GraphQLError) || error.path) throw error;
    throw clientError(error.message, { nodes, path, extensions: error.extensions });
  });
}
