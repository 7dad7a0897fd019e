// What the gateway carries along a request's asynchronous work (its id, the upstream call under
// way, the trace context) lives in OpenTelemetry's context, in one AsyncLocalStorage set up here
// whether or not traces are exported: on Node 20 each AsyncLocalStorage in use adds work to every
// promise the process creates, so tracing must not add one of its own.
import { context, createContextKey } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

export type ContextKey<T> = symbol & { readonly value?: T };

export function contextKey<T>(description: string): ContextKey<T> {
  return createContextKey(description) as ContextKey<T>;
}

export function withValue<T, R>(key: ContextKey<T>, value: T, run: () => R): R {
  return context.with(context.active().setValue(key, value), run);
}

export function valueOf<T>(key: ContextKey<T>): T | undefined {
  return context.active().getValue(key) as T | undefined;
}
