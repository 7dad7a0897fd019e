// Wires the schema, the per-request context and the plugins into one yoga server.
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { useRequestErrorCodes } from './error-codes.js';
import { EXAMPLE_QUERY, renderOfflineGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { usePartialErrors } from './partial-errors.js';
import { defaultSecurity, type SecurityConfig } from './config/index.js';
import { corsOf, limitPlugins, postureOf } from './security.js';
import type { SourceRegistry } from './sources.js';

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

export function createGateway(sources: SourceRegistry, security: SecurityConfig = defaultSecurity()): Gateway {
  const posture = postureOf(security);
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: () => createContext(sources, security.limits),
    graphiql: posture.graphiql ? { title: 'Backup graph', defaultQuery: EXAMPLE_QUERY } : false,
    renderGraphiQL: renderOfflineGraphiQL,
    // Only GraphQLErrors (which carry an extensions.code) reach clients; anything else is masked.
    // isDev stays off so that no original error (parser messages, stacks) is ever echoed.
    maskedErrors: { isDev: false },
    landingPage: false,
    // One operation per request: a JSON array of operations is refused.
    batching: false,
    cors: corsOf(security, posture),
    plugins: [
      ...limitPlugins(security, posture),
      ...(posture.graphiql ? [useGraphiQLAssets()] : []),
      usePartialErrors(),
      useRequestErrorCodes(),
    ],
  });
}
