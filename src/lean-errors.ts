// Errors the gateway raised for clients on purpose leave execution without the error they were
// made from. To serialize an answer, yoga copies each of its errors and each one's original, and
// copying a fresh original formats a stack trace that nobody reads: with hundreds of refused
// lookups in one answer, that was most of what the answer cost.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { reissue } from './model/errors.js';

export function useLeanErrors(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result || !result.errors?.some(fromClientError)) return;
          setResult({ ...result, errors: result.errors.map((error) => (fromClientError(error) ? reissue(error, {}) : error)) });
        },
      };
    },
  };
}

/** An error made from a GraphQLError: what reaches the client is that error, whatever its original says. */
function fromClientError(error: GraphQLError): boolean {
  return error.originalError instanceof GraphQLError;
}
