// Wires the schema into graphql-yoga: per-request context, authentication, limits, error codes,
// health endpoints, metrics and traces, and the offline GraphiQL; and serves it over HTTP within the connection limits.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { answerViewOf, callerKey, createContext, type GatewayContext, type RequestOrigin } from '../resolvers/context.js';
import { schema } from '../schema/index.js';
import { Authenticator, useAuthentication } from './auth.js';
import { Budget } from './budget.js';
import { CallerTurns, useCallerTurns } from './caller-turns.js';
import {
  metricsServed,
  parseObservability,
  parseResponseCache,
  parseSecurity,
  type Limits,
  type ObservabilityConfig,
  type ResponseCacheConfig,
  type SecurityConfig,
} from './config/index.js';
import { boundedParseCache } from './document-limits.js';
import { useRequestErrorCodes } from './error-codes.js';
import { useEventStream } from './event-stream.js';
import { EXAMPLE_QUERY, renderOfflineGraphiQL, useFavicon, useGraphiQLAssets } from './graphiql.js';
import { useSourceReadiness } from './health.js';
import { useLeanErrors } from './lean-errors.js';
import { LiveUpdates } from './live-updates.js';
import { yogaLogger } from './observability/log.js';
import { useObservability } from './observability/plugin.js';
import { usePartialErrors } from './partial-errors.js';
import { useSnapshotResponseCache } from './response-cache.js';
import { corsOf, limitPlugins, postureOf } from './security.js';
import { sharedSubscriptionEvents } from './shared-subscription-events.js';
import type { SourceRegistry } from './source-registry.js';

/** What Node's HTTP server hands yoga with each request. */
interface ServerContext {
  req?: IncomingMessage;
  res?: ServerResponse;
}

export type Gateway = YogaServerInstance<ServerContext, GatewayContext>;

const GRAPHQL_ENDPOINT = '/graphql';

/** The gateway of one process; `workers`: how many processes serve it together (src/workers.ts), which split each caller's turns. */
export function createGateway(
  sources: SourceRegistry,
  security: SecurityConfig = parseSecurity(),
  observability: ObservabilityConfig = parseObservability(),
  responseCache: ResponseCacheConfig = parseResponseCache(),
  workers = 1,
): Gateway {
  const posture = postureOf(security);
  const authenticator = security.auth ? new Authenticator(security.auth) : null;
  const authentication = useAuthentication(authenticator, sources.onSandbox);
  const originOf = (request: Request, { req }: ServerContext): RequestOrigin => ({ caller: authentication.callerOf(request), clientAddress: req?.socket.remoteAddress });
  const callerBudget = new Budget(sources.state, 'caller', security.limits.callerBudget, false);
  // Turns guard one event loop, and every worker has its own: a caller's turns are split among them.
  const turns = useCallerTurns<ServerContext>(new CallerTurns(Math.ceil(security.limits.callerConcurrency / workers)), (request, serverContext) => callerKey(originOf(request, serverContext)));
  const parseCache = boundedParseCache();
  const live = new LiveUpdates(sources, security.limits);
  const sharedEvents = sharedSubscriptionEvents<GatewayContext>({ viewOf: answerViewOf, contextOfEvent: (context) => context.forEvent() });
  return createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    context: (initial) =>
      createContext(sources, originOf(initial.request, initial), security.limits, { callerBudget, turn: turns.turnOf(initial.request, initial), live }),
    graphiql: posture.graphiql ? { title: 'Backup graph', defaultQuery: EXAMPLE_QUERY } : false,
    renderGraphiQL: renderOfflineGraphiQL,
    // Only GraphQLErrors (which carry an extensions.code) reach clients; anything else is masked.
    // isDev stays off so that no original error (parser messages, stacks) is ever echoed.
    maskedErrors: { isDev: false },
    landingPage: false,
    logging: yogaLogger,
    // One operation per request: a JSON array of operations is refused.
    batching: false,
    maxRequestBodySize: security.limits.maxBodyBytes,
    healthCheckEndpoint: '/health',
    parserAndValidationCache: parseCache.options,
    cors: corsOf(security, posture),
    plugins: [
      useObservability(sources, GRAPHQL_ENDPOINT, metricsServed(observability.metrics, security) ? observability.metrics : null),
      // Every mode, no credential: the icon is no secret, and browsers ask for it on any page.
      useFavicon(),
      authentication,
      turns,
      ...limitPlugins(security, posture, (source) => parseCache.has(source)),
      parseCache.plugin,
      ...(posture.graphiql ? [useGraphiQLAssets()] : []),
      useSourceReadiness(sources, authenticator),
      usePartialErrors(),
      sharedEvents.plugin,
      useEventStream(sharedEvents),
      useLeanErrors(),
      useRequestErrorCodes(),
      // Last: it keeps an answer as the plugins above left it, and serves one only to a request that
      // has passed authentication, its caller's turn and the checks made before parsing (its document
      // passed validation when the answer was kept).
      ...(responseCache.enabled ? [useSnapshotResponseCache(sources, responseCache, authentication.callerOf)] : []),
    ],
  });
}

/**
 * How often Node looks for connections past headersTimeoutMs or receiveTimeoutMs. Its default, 30 s,
 * would let a slow client overstay either bound by up to that much.
 */
const CONNECTION_CHECK_INTERVAL_MS = 1_000;

/** The HTTP server of a gateway: slow, idle and surplus connections (in all, or of one address) are closed at the configured limits. */
export function createHttpServer(gateway: Gateway, limits: Limits): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.receiveTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: CONNECTION_CHECK_INTERVAL_MS,
    },
    gateway,
  );
  server.maxConnections = limits.maxConnections;
  capConnectionsPerAddress(server, limits.maxConnectionsPerAddress);
  return server;
}

/**
 * Closes a connection as it arrives when its address already holds `max`, before a byte of it is
 * read: without this, one address that opens silent connections fills `maxConnections` and keeps
 * every other client out until its connections time out.
 */
function capConnectionsPerAddress(server: Server, max: number): void {
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = open.get(address)! - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
