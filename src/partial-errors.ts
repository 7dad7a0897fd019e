// Adds the errors of sources that failed while others answered to the response, beside the data.
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../resolvers/context.js';

export function usePartialErrors(): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const context = args.contextValue as GatewayContext;
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
