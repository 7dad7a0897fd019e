// Every upstream call as a span and as metrics: how long it took, how it ended, and how many HTTP
// requests it sent. The guard runs each call through observeUpstreamCall; each HTTP request that
// takes from a source's budget (retries and token requests too) reports itself with countUpstreamRequest.
import { SpanKind } from '@opentelemetry/api';
import { isRefusal, type SourceError } from '../model/errors.js';
import { contextKey, valueOf, withValue } from './context.js';
import { recordUpstreamCall, recordUpstreamRequest } from './metrics.js';
import { inSpan } from './tracing.js';

const CURRENT_CALL = contextKey<{ requests: number }>('backup-graph upstream call');

/** `call` fails with SourceErrors only (the guard classifies every failure). */
export function observeUpstreamCall<T>(sourceName: string, operation: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const sent = { requests: 0 };
  const attributes = { 'backup_graph.source': sourceName, 'backup_graph.operation': operation };
  return inSpan(`upstream ${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    let failure: SourceError | undefined;
    try {
      return await withValue(CURRENT_CALL, sent, call);
    } catch (error) {
      failure = error as SourceError;
      throw error;
    } finally {
      const outcome = !failure ? 'ok' : isRefusal(failure) ? 'refused' : 'error';
      recordUpstreamCall(sourceName, operation, outcome, (performance.now() - started) / 1000, failure?.code);
      span.setAttributes({
        'backup_graph.outcome': outcome,
        'backup_graph.upstream.requests': sent.requests,
        // Requests past the first: retries, and on SailPoint a token renewal.
        'backup_graph.upstream.retries': Math.max(0, sent.requests - 1),
        ...(failure ? { 'backup_graph.upstream.error': failure.upstreamName } : {}),
        ...(failure?.status === undefined ? {} : { 'http.response.status_code': failure.status }),
      });
    }
  });
}

/** One HTTP request to the source, counted for its budget's metric and for the call under way. */
export function countUpstreamRequest(sourceName: string): void {
  recordUpstreamRequest(sourceName);
  const call = valueOf(CURRENT_CALL);
  if (call) call.requests += 1;
}
