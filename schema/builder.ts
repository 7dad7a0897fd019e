// The one SchemaBuilder: its plugins, scalars, context type and Relay conventions.
import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { GraphQLScalarType, print } from 'graphql';
import { DateTimeResolver, SafeIntResolver } from 'graphql-scalars';
import type { PageSource } from '../resolvers/backup-jobs.js';
import type { GatewayContext } from '../resolvers/context.js';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/ids.js';
import { badUserInput, clientError, forbiddenSource, quoted } from '../src/model/errors.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  AuthScopes: {
    /** The caller may see the configured source of this name. */
    source: string;
    /** The caller may act on (start, stop, delete jobs of) the configured source of this name. */
    writeSource: string;
  };
  // A job that cannot be read nulls its own edge, never the page around it.
  DefaultEdgesNullability: { list: false; items: true };
  Connection: { totalCount: number | null; sources: PageSource[] };
  Scalars: {
    // Output: a Date, or epoch milliseconds (how job models keep times), which the scalar serializes as one.
    DateTime: { Input: Date; Output: Date | number };
    SafeInt: { Input: number; Output: number };
  };
}>({
  // Scope checks run before any other plugin's resolver wrapping.
  plugins: [ScopeAuthPlugin, RelayPlugin, DataloaderPlugin, DirectivePlugin, FederationPlugin],
  scopeAuth: {
    authScopes: (context) => ({
      source: (sourceName) => context.caller.maySee(sourceName),
      writeSource: (sourceName) => context.caller.mayWrite(sourceName),
    }),
    // An object the caller may not see fails as a whole (its field is null with one error), not field by field.
    runScopesOnType: true,
    // Jobs carry their source as sourceName, configured sources as name.
    unauthorizedError: (parent) => {
      const { sourceName, name } = parent as { sourceName?: string; name?: string };
      return forbiddenSource(sourceName ?? name ?? 'unknown');
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    encodeGlobalID: encodeGlobalId,
    decodeGlobalID: decodeGlobalId,
    idFieldOptions: {
      description: 'Opaque global id, stable across requests; pass it to `node` or `backupJob` to fetch the object again.',
    },
    nodeTypeOptions: {
      description: 'An object that can be fetched again by its global id through `node`.',
    },
    nodeQueryOptions: {
      description: 'Fetches any object of this graph by its global id. Null when the object no longer exists upstream.',
      args: { id: { description: 'A global id issued by this gateway.' } },
    },
    // schema/jobs.ts defines `nodes` itself, so that a malformed id fails its own slot only.
    nodesQueryOptions: false,
    pageInfoTypeOptions: {
      description: 'Where a page sits in the whole list, and how to ask for the next one.',
      // Most subgraphs of a supergraph define the same Relay PageInfo.
      shareable: true,
    },
    hasNextPageFieldOptions: {
      description:
        'True when more jobs follow, or when a selected source could not be read for this page (its jobs come on a later one); ask again with `after: endCursor`.',
    },
    hasPreviousPageFieldOptions: {
      description: 'True when this page was requested with an `after` cursor.',
    },
    startCursorFieldOptions: { description: 'The cursor of the first item on this page.' },
    endCursorFieldOptions: {
      description:
        'Where the next page starts: behind the last job of this page, except for a source this page lacks, which it keeps behind that source\'s unread jobs. The `after` cursor again when the page is empty; null on an empty first page.',
    },
    cursorFieldOptions: { description: 'Opaque position of this item; pass it as `after` to continue behind it.' },
    nodeFieldOptions: { description: 'The item at this position.' },
    edgesFieldOptions: {
      description: 'The items of this page with their cursors, in list order. An item is null only when that one job could not be read.',
      nullable: { list: false, items: true },
    },
    pageInfoFieldOptions: { description: 'Pagination details of this page.' },
  },
});

/**
 * graphql-scalars' DateTime, except that a value it refuses is quoted as every other error quotes
 * one (`quoted`): its own message repeats the whole value, however long.
 */
const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  parseValue: (value) => refusedQuoted(value, () => DateTimeResolver.parseValue(value)),
  parseLiteral: (ast, variables) => refusedQuoted('value' in ast ? ast.value : print(ast), () => DateTimeResolver.parseLiteral(ast, variables)),
});

function refusedQuoted<T>(value: unknown, parse: () => T): T {
  try {
    return parse();
  } catch {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    throw clientError(`DateTime cannot represent ${quoted(text)}: it takes an ISO 8601 date-time such as "2026-11-20T05:00:12.345Z"`, {});
  }
}

builder.addScalarType('DateTime', DateTime, {
  description: 'A point in time as an ISO 8601 string in UTC, such as `2026-11-20T05:00:12.345Z`.',
});

builder.addScalarType('SafeInt', SafeIntResolver, {
  description:
    'An integer up to 2^53-1 (9 PiB as a byte count), sent as a JSON number that JavaScript reads exactly. Used where 32-bit `Int` would overflow; 2^53 is also the precision the AWS SDK itself decodes byte counts with.',
});
