// Wires the schema, the per-request context and the plugins into one yoga server.
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { useRequestErrorCodes } from './error-codes.js';
import { EXAMPLE_QUERY, renderOfflineGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { usePartialErrors } from './partial-errors.js';
import type { SourceRegistry } from './sources.js';

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

export function createGateway(sources: SourceRegistry): Gateway {
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => createContext(sources),
    graphiql: { title: 'Backup graph', defaultQuery: EXAMPLE_QUERY },
    renderGraphiQL: renderOfflineGraphiQL,
    // Only GraphQLErrors (which carry an extensions.code) reach clients; anything else is masked.
    // isDev stays off so that no original error (parser messages, stacks) is ever echoed.
    maskedErrors: { isDev: false },
    landingPage: false,
    plugins: [useGraphiQLAssets(), usePartialErrors(), useRequestErrorCodes()],
  });
}
