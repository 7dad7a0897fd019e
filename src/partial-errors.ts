// Adds what resolvers noted beside the data to the response: the errors of sources that failed while
// others answered, to `errors`; and notes on the request's own input that fail nothing (a filter
// value that cannot match as spelt), to `extensions.warnings`.
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Warning } from './model/job.js';

/** What the plugin reads of a request's context: what its resolvers set aside. */
export interface WithPartialErrors {
  partialErrors: readonly GraphQLError[];
  warnings: readonly Warning[];
}

export function usePartialErrors(): Plugin<WithPartialErrors> {
  return {
    onExecute({ args }) {
      const context = args.contextValue as WithPartialErrors;
      return {
        onExecuteDone({ result, setResult }) {
          const { partialErrors, warnings } = context;
          if ((partialErrors.length === 0 && warnings.length === 0) || Symbol.asyncIterator in result) return;
          const single = result as ExecutionResult;
          setResult({
            ...single,
            ...(partialErrors.length > 0 ? { errors: [...(single.errors ?? []), ...partialErrors] } : {}),
            ...(warnings.length > 0 ? { extensions: { ...single.extensions, warnings } } : {}),
          });
        },
      };
    },
  };
}
