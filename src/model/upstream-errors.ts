// Turns a failed upstream read into the GraphQL error clients see. (The guard has logged it already.)
import { GraphQLError } from 'graphql';
import { badUserInput, ErrorCode, reissue, SourceError, upstreamError } from './errors.js';

export function toGraphQLError(error: unknown, sourceName: string): GraphQLError {
  if (error instanceof GraphQLError) {
    // A refusal made before any call (a caller past its share, say) is the same for every source; the client is told which one it cost.
    if (error.extensions.sourceName !== undefined) return error;
    return reissue(error, { extensions: { ...error.extensions, sourceName } });
  }
  if (error instanceof SourceError) {
    if (error.code === ErrorCode.BAD_USER_INPUT) {
      const refused = badUserInput(`Source "${error.sourceName}" rejected a value this request sent (a filter or an id)`);
      return reissue(refused, { extensions: { ...refused.extensions, sourceName: error.sourceName } });
    }
    return upstreamError(error.code, error.sourceName, error.retryAfterMs);
  }
  return upstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, sourceName);
}
