// Turns a failed upstream read into the GraphQL error clients see. (The guard has logged it already.)
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode, SourceError, upstreamError } from '../src/errors.js';

export function toGraphQLError(error: unknown, sourceName: string): GraphQLError {
  if (error instanceof GraphQLError) return error;
  if (error instanceof SourceError) {
    if (error.code === ErrorCode.BAD_USER_INPUT) {
      return badUserInput(`Source "${error.sourceName}" rejected a value this request sent (a filter or an id)`);
    }
    return upstreamError(error.code, error.sourceName);
  }
  return upstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, sourceName);
}
