// What protects the gateway and its upstreams from hostile or careless requests: query limits
// (graphql-armor), a body size cap, production mode (no GraphiQL, introspection or field
// suggestions unless asked for, CSRF prevention, CORS from an allow-list).
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError } from 'graphql';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import type { SecurityConfig } from './config/index.js';
import { ErrorCode } from './errors.js';

export interface SecurityPosture {
  production: boolean;
  graphiql: boolean;
  introspection: boolean;
}

export function postureOf(security: SecurityConfig, env: NodeJS.ProcessEnv = process.env): SecurityPosture {
  const production = security.production ?? env.NODE_ENV === 'production';
  return {
    production,
    graphiql: security.graphiql ?? !production,
    introspection: security.introspection ?? !production,
  };
}

/** Query limits; every rejection is a GraphQL error with BAD_USER_INPUT, before anything runs. */
export function limitPlugins(security: SecurityConfig, posture: SecurityPosture): Plugin[] {
  const { limits } = security;
  const onReject = [(_context: unknown, error: GraphQLError) => tagAsBadInput(error)];
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, onReject },
      maxAliases: { n: limits.maxAliases, onReject },
      maxTokens: { n: limits.maxTokens, onReject },
      maxDirectives: { n: limits.maxDirectives, onReject },
      costLimit: { maxCost: limits.maxCost, onReject },
      blockFieldSuggestion: { enabled: posture.production },
    }) as Plugin,
    useBodyLimit(limits.maxBodyBytes),
    ...(posture.introspection ? [] : [useDisableIntrospection() as Plugin]),
    ...(posture.production ? [useCSRFPrevention({ requestHeaders: ['x-graphql-csrf', 'content-type'] }) as Plugin] : []),
  ];
}

function tagAsBadInput(error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).code = ErrorCode.BAD_USER_INPUT;
}

/** CORS: any origin while developing; in production only the configured origins (none: same-origin only). */
export function corsOf(security: SecurityConfig, posture: SecurityPosture): YogaServerOptions<object, object>['cors'] {
  if (!posture.production) return undefined;
  return { origin: security.corsOrigins, credentials: true, methods: ['GET', 'POST'] };
}

/**
 * Refuses bodies past the limit from their declared length, before yoga reads them. Hand-written
 * because yoga has no body limit of its own; a chunked body without a length is capped by maxTokens.
 */
function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      const length = Number(request.headers.get('content-length') ?? 0);
      if (length > maxBytes) {
        endResponse(
          new fetchAPI.Response(
            JSON.stringify({
              errors: [{ message: `The request body is larger than ${maxBytes} bytes`, extensions: { code: ErrorCode.BAD_USER_INPUT } }],
            }),
            { status: 413, headers: { 'content-type': 'application/json' } },
          ),
        );
      }
    },
  };
}
