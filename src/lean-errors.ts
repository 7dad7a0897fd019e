// Errors the gateway raised for clients on purpose leave execution without the error they were
// made from, and the copies yoga makes of every error to serialize an answer capture no stack
// trace. Each copy would otherwise capture (and, made from an error, format) a stack trace that
// nobody reads: with hundreds of refused lookups in one answer, that was most of what it cost.
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { reissue, withoutStackTraces } from './model/errors.js';

export function useLeanErrors(): Plugin {
  return {
    instrumentation: {
      // The copies are made while the result is processed, which is synchronous for a JSON answer.
      resultProcess: (_payload, process) => withoutStackTraces(process),
    },
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
