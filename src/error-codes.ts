// Gives request-level errors that graphql-js leaves without a code (variables that do not coerce)
// the gateway's BAD_USER_INPUT, so every error a client sees carries an extensions.code.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from './errors.js';

export function useRequestErrorCodes(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const single = result as ExecutionResult;
          // Without a data key the operation never ran: the request itself was rejected.
          if ('data' in single || !single.errors?.some((error) => !error.extensions?.code)) return;
          setResult({
            ...single,
            errors: single.errors.map((error) =>
              error.extensions?.code
                ? error
                : new GraphQLError(error.message, {
                    nodes: error.nodes ?? null,
                    extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT },
                  }),
            ),
          });
        },
      };
    },
  };
}
