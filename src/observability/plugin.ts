// What yoga does per request, made observable: a request id for every request (taken from the
// caller's x-request-id when it is a plain token, answered in the same header, and on every log
// line written on the request's behalf), a server span per GraphQL request that continues the
// caller's W3C trace context, the GraphQL request metrics, and the /metrics endpoint.
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type TextMapGetter } from '@opentelemetry/api';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { MetricsConfig } from '../config/index.js';
import type { SourceRegistry } from '../source-registry.js';
import { inRequest } from './log.js';
import { metricsRegistry, metricsText, recordGraphQLRequest, startRecording } from './metrics.js';
import { tracer } from './tracing.js';

type Outcome = 'ok' | 'partial' | 'error';

interface RequestState {
  startedAt: number;
  requestId: string;
  span?: Span;
  operation?: string;
  /** Set once the request has a GraphQL result: only such requests count in the GraphQL metrics. */
  outcome?: Outcome;
}

/** A request id a caller or a router may hand over: a token that cannot break a log line. */
const FOREIGN_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * `metrics`: where and how the metrics are served, or null when they are not (then nothing is
 * recorded either). Goes first among the plugins, so that its span and request id cover the others.
 */
export function useObservability(sources: SourceRegistry, graphqlEndpoint: string, metrics: MetricsConfig | null): Plugin {
  const states = new WeakMap<Request, RequestState>();
  const operations = new OperationLabels(metrics?.maxOperationNames ?? 0);
  const token = metrics?.sha256 ? Buffer.from(metrics.sha256, 'hex') : null;
  if (metrics) startRecording(sources);

  return {
    instrumentation: {
      request({ request }, handle) {
        const given = request.headers.get('x-request-id');
        const state: RequestState = { startedAt: performance.now(), requestId: given && FOREIGN_REQUEST_ID.test(given) ? given : randomUUID() };
        states.set(request, state);
        if (new URL(request.url).pathname !== graphqlEndpoint) return inRequest(state.requestId, handle);
        return inRequest(state.requestId, () => {
          const parent = propagation.extract(context.active(), request.headers, headerGetter);
          const span = tracer.startSpan(
            `${request.method} ${graphqlEndpoint}`,
            { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': graphqlEndpoint, 'backup_graph.request_id': state.requestId } },
            parent,
          );
          state.span = span;
          return context.with(trace.setSpan(parent, span), async () => {
            try {
              await handle();
            } finally {
              span.end();
            }
          });
        });
      },
    },
    async onRequest({ url, request, endResponse, fetchAPI }) {
      if (!metrics || url.pathname !== metrics.path) return;
      if (token && !bearerMatches(request.headers, token)) {
        endResponse(new fetchAPI.Response('Send the metrics token as "Authorization: Bearer <token>"\n', { status: 401, headers: { 'www-authenticate': 'Bearer' } }));
        return;
      }
      endResponse(new fetchAPI.Response(await metricsText(), { headers: { 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' } }));
    },
    onValidate({ params: { documentAST }, context: { request, params } }) {
      const state = states.get(request);
      const operation = getOperationAST(documentAST, params.operationName);
      if (!state || !operation) return;
      const name = operation.name?.value;
      state.operation = name ? operations.label(name) : 'anonymous';
      state.span?.updateName(`${operation.operation}${name ? ` ${name}` : ''}`);
      state.span?.setAttributes({ 'graphql.operation.type': operation.operation, ...(name ? { 'graphql.operation.name': name } : {}) });
    },
    onResultProcess({ request, result }) {
      const state = states.get(request);
      if (state) state.outcome = outcomeOf(result);
    },
    onResponse({ request, response }) {
      const state = states.get(request);
      if (!state) return;
      response.headers.set('x-request-id', state.requestId);
      if (state.span) {
        state.span.setAttribute('http.response.status_code', response.status);
        if (state.outcome) state.span.setAttribute('backup_graph.outcome', state.outcome);
        if (response.status >= 500) state.span.setStatus({ code: SpanStatusCode.ERROR });
      }
      // A request refused before its document was read (no credential, a body that does not parse) has no operation.
      if (state.outcome) recordGraphQLRequest(state.operation ?? 'unknown', state.outcome, (performance.now() - state.startedAt) / 1000);
    },
  };
}

/**
 * Operation names as metric labels: the first `max` distinct names keep their own, the ones after
 * them share "other", so that clients sending ever new names cannot grow the series without end.
 */
class OperationLabels {
  private readonly kept = new Set<string>();

  constructor(private readonly max: number) {}

  label(name: string): string {
    if (this.kept.has(name)) return name;
    if (this.kept.size >= this.max) return 'other';
    this.kept.add(name);
    return name;
  }
}

function outcomeOf(result: unknown): Outcome {
  const single = result as ExecutionResult;
  if (!single.errors?.length) return 'ok';
  return single.data ? 'partial' : 'error';
}

/** Compares digests, so that neither the token's length nor its content shows in the timing. */
function bearerMatches(headers: Headers, expected: Buffer): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.get('authorization') ?? '')?.[1];
  return bearer !== undefined && timingSafeEqual(createHash('sha256').update(bearer, 'utf8').digest(), expected);
}
