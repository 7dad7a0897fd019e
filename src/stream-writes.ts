// The events of a streamed answer (a subscription over Server-Sent Events) that are ready in one
// turn of the event loop reach their connection in one write: a refresh that changes five jobs costs
// each subscriber's socket one write, not five, and no event waits past the turn it was made in.
import type { ServerResponse } from 'node:http';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';

export function useTurnWrites(): Plugin<Record<string, never>, { res?: ServerResponse }> {
  return {
    onResultProcess({ result, setResult, serverContext }) {
      const { res } = serverContext;
      if (!res || !isAsyncIterable(result)) return;
      let corked = false;
      const uncork = () => {
        corked = false;
        res.uncork();
      };
      setResult(
        mapAsyncIterator(result, (event) => {
          if (!corked) {
            corked = true;
            res.cork();
            setImmediate(uncork);
          }
          return event;
        }),
      );
    },
  };
}
