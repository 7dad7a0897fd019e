// OpenTelemetry traces. The code spans its work through @opentelemetry/api alone, which costs next
// to nothing while no SDK is registered; the SDK is loaded and started only when the standard
// OTEL_* variables ask for traces (see readTracesExport), and exports them over OTLP/HTTP.
import {
  context,
  diag,
  DiagLogLevel,
  SpanStatusCode,
  trace,
  type DiagLogFunction,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { GraphQLError } from 'graphql';
import { SourceError } from '../model/errors.js';
import { log } from './log.js';

export const tracer = trace.getTracer('backup-graph');

/** How spans travel to the collector (OTEL_EXPORTER_OTLP_PROTOCOL). */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface Tracing {
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * Registers the SDK: W3C trace context (traceparent) as the propagator, the sampler from
 * OTEL_TRACES_SAMPLER (parent-based, always on by default), the service from OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES (default backup-graph), and a batching OTLP exporter whose endpoint,
 * headers, timeout and batch sizes come from their standard variables.
 */
export async function startTracing(protocol: OtlpProtocol): Promise<Tracing> {
  const [{ NodeTracerProvider, BatchSpanProcessor }, { defaultResource, detectResources, envDetector, resourceFromAttributes }, { OTLPTraceExporter }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/resources'),
      protocol === 'http/json' ? import('@opentelemetry/exporter-trace-otlp-http') : import('@opentelemetry/exporter-trace-otlp-proto'),
    ]);
  // Only the message: the arguments after it can hold a collector's whole answer.
  const warn: DiagLogFunction = (message) => log('warn', 'otel', `[otel] ${message}`);
  diag.setLogger({ error: warn, warn, info: () => undefined, debug: () => undefined, verbose: () => undefined }, DiagLogLevel.WARN);
  const provider = new NodeTracerProvider({
    resource: defaultResource()
      .merge(resourceFromAttributes({ 'service.name': 'backup-graph' }))
      .merge(detectResources({ detectors: [envDetector] })),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // The context manager is the one ./context.ts set up for the whole process.
  provider.register({ contextManager: null });
  return { shutdown: () => provider.shutdown() };
}

/**
 * Runs `work` as the active span `name`, which ends when it settles. A failure marks the span an
 * error with its code (or its name), never its message: messages can quote what a caller sent.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, options, (span) =>
    work(span).then(
      (value) => {
        span.end();
        return value;
      },
      (error: unknown) => {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', errorType(error));
        span.end();
        throw error;
      },
    ),
  );
}

/** Runs `work` with no span recorded for it or for anything it starts; its metrics and log lines stay. */
export function untraced<T>(work: () => T): T {
  return context.with(suppressTracing(context.active()), work);
}

function errorType(error: unknown): string {
  if (error instanceof SourceError) return error.code;
  if (error instanceof GraphQLError && typeof error.extensions.code === 'string') return error.extensions.code;
  return error instanceof Error ? error.name : 'unknown';
}
