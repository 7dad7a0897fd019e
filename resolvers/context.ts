// What every resolver receives for one request: the caller, the sources that caller may see, and
// the request's partial errors. Loaders hang off this object, so they live exactly as long as the request.
import { initContextCache } from '@pothos/core';
import type { GraphQLError } from 'graphql';
import type { Caller } from '../src/auth.js';
import type { Limits } from '../src/config/index.js';
import type { SourceRegistry } from '../src/sources.js';

export interface GatewayContext {
  /** Who is asking; the schema's authorization rules read it. */
  caller: Caller;
  /** The configured sources this caller may see, and nothing else. */
  sources: SourceRegistry;
  /**
   * Errors of sources that failed while others answered. They do not fail any field; the
   * server adds them to the response's `errors` beside the data that did arrive.
   */
  partialErrors: GraphQLError[];
  /** The configured request limits that resolvers enforce themselves, such as the page size. */
  limits: Pick<Limits, 'maxPageSize'>;
}

export function createContext(registry: SourceRegistry, caller: Caller, limits: Pick<Limits, 'maxPageSize'>): GatewayContext {
  return { ...initContextCache(), caller, sources: registry.visibleTo(caller), partialErrors: [], limits };
}
