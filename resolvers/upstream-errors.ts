// Turns a failed upstream call into the GraphQL error clients see, and logs what operators need.
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode, SourceError, upstreamError } from '../src/errors.js';

export function toGraphQLError(error: unknown, sourceName: string): GraphQLError {
  // Loaders convert (and log) their failures already; a second pass must not blur the code.
  if (error instanceof GraphQLError) return error;
  if (error instanceof SourceError) {
    logUpstreamFailure(error.sourceName, error.operation, error.upstreamName, error.code, error.status);
    if (error.code === ErrorCode.BAD_USER_INPUT) {
      return badUserInput(`Source "${error.sourceName}" rejected a value this request sent (a filter or an id)`);
    }
    return upstreamError(error.code, error.sourceName);
  }
  logUpstreamFailure(sourceName, 'unknown', error instanceof Error ? error.name : typeof error, ErrorCode.UPSTREAM_UNAVAILABLE);
  return upstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, sourceName);
}

/** One line per failure: names and codes only, never upstream bodies, URLs or credentials. */
function logUpstreamFailure(sourceName: string, operation: string, upstreamName: string, code: string, status?: number): void {
  const httpStatus = status === undefined ? '' : ` status=${status}`;
  console.warn(`[upstream] source=${sourceName} operation=${operation} error=${upstreamName} code=${code}${httpStatus}`);
}
