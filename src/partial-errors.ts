// Adds the errors of sources that failed while others answered to the response, beside the data.
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** What the plugin reads of a request's context: the errors its resolvers set aside. */
export interface WithPartialErrors {
  partialErrors: readonly GraphQLError[];
}

export function usePartialErrors(): Plugin<WithPartialErrors> {
  return {
    onExecute({ args }) {
      const context = args.contextValue as WithPartialErrors;
      return {
        onExecuteDone({ result, setResult }) {
          if (context.partialErrors.length === 0 || Symbol.asyncIterator in result) return;
          const single = result as ExecutionResult;
          setResult({ ...single, errors: [...(single.errors ?? []), ...context.partialErrors] });
        },
      };
    },
  };
}
