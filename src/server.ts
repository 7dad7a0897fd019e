// Wires the schema into graphql-yoga: per-request context, authentication, limits, error codes,
// health endpoints and the offline GraphiQL.
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { createContext, type GatewayContext } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { Authenticator, useAuthentication } from './auth.js';
import { parseSecurity, type SecurityConfig } from './config/index.js';
import { useRequestErrorCodes } from './error-codes.js';
import { EXAMPLE_QUERY, renderOfflineGraphiQL, useGraphiQLAssets } from './graphiql.js';
import { useSourceReadiness } from './health.js';
import { usePartialErrors } from './partial-errors.js';
import { corsOf, limitPlugins, postureOf } from './security.js';
import type { SourceRegistry } from './sources.js';

export type Gateway = YogaServerInstance<Record<string, never>, GatewayContext>;

export function createGateway(sources: SourceRegistry, security: SecurityConfig = parseSecurity()): Gateway {
  const posture = postureOf(security);
  const authentication = useAuthentication(security.auth ? new Authenticator(security.auth) : null);
  return createYoga<Record<string, never>, GatewayContext>({
    schema,
    graphqlEndpoint: '/graphql',
    context: ({ request }) => createContext(sources, authentication.callerOf(request), security.limits),
    graphiql: posture.graphiql ? { title: 'Backup graph', defaultQuery: EXAMPLE_QUERY } : false,
    renderGraphiQL: renderOfflineGraphiQL,
    // Only GraphQLErrors (which carry an extensions.code) reach clients; anything else is masked.
    // isDev stays off so that no original error (parser messages, stacks) is ever echoed.
    maskedErrors: { isDev: false },
    landingPage: false,
    // One operation per request: a JSON array of operations is refused.
    batching: false,
    maxRequestBodySize: security.limits.maxBodyBytes,
    healthCheckEndpoint: '/health',
    cors: corsOf(security, posture),
    plugins: [
      authentication,
      ...limitPlugins(security, posture),
      ...(posture.graphiql ? [useGraphiQLAssets()] : []),
      useSourceReadiness(sources),
      usePartialErrors(),
      useRequestErrorCodes(),
    ],
  });
}
