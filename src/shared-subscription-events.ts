// One execution per subscription event for every subscriber that would get the same answer: the same
// document, variables and view (what the caller may see and do). Each subscriber keeps its own event
// stream (its filter, its limits, its end); only the mapping of an event to its result is shared, and
// with it the result's bytes on the wire (event-stream.ts writes one frame per result object).
// Each event executes in a context of its own, as a request would: a subscription outlives any
// request's deadline and budget, and an event's answer reads the sources as they are when it comes.
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin, type PromiseOrValue } from 'graphql-yoga';

export interface SubscriptionEvents<Context> {
  /**
   * Names everything in a subscriber's context that can change an answer beyond its document and
   * variables; subscribers whose views differ never share a result.
   */
  viewOf(context: Context): string;
  /** The context one event executes in, made from the subscription's. */
  contextOfEvent(context: Context): Context;
}

/**
 * A result is shared when two streams yield the very same payload object, as a pub/sub hands one
 * event to each of its listeners.
 */
export function useSharedSubscriptionEvents<Context>({ viewOf, contextOfEvent }: SubscriptionEvents<Context>): Plugin {
  // By identity: the parse cache gives one document per text; a copy only shares less.
  const documentIds = new WeakMap<DocumentNode, number>();
  let documents = 0;
  const resultsByEvent = new WeakMap<object, Map<string, PromiseOrValue<ExecutionResult>>>();

  const executionKey = (args: ExecutionArgs): string => {
    let id = documentIds.get(args.document);
    if (id === undefined) documentIds.set(args.document, (id = ++documents));
    return JSON.stringify([id, args.operationName ?? null, args.variableValues ?? null, viewOf(args.contextValue as Context)]);
  };

  const resultOf = (payload: unknown, key: string, run: () => PromiseOrValue<ExecutionResult>): PromiseOrValue<ExecutionResult> => {
    if (typeof payload !== 'object' || payload === null) return run();
    let results = resultsByEvent.get(payload);
    if (!results) resultsByEvent.set(payload, (results = new Map()));
    let result = results.get(key);
    if (result === undefined) results.set(key, (result = run()));
    return result;
  };

  return {
    onSubscribe({ setSubscribeFn }) {
      // graphql-js' own subscribe, but for the execution of each event.
      setSubscribeFn(async (args) => {
        const stream = await createSourceEventStream(args);
        if (!isAsyncIterable(stream)) return stream;
        const key = executionKey(args);
        return mapAsyncIterator(stream, (payload: unknown) =>
          resultOf(payload, key, () => execute({ ...args, contextValue: contextOfEvent(args.contextValue as Context), rootValue: payload })),
        );
      });
    },
  };
}
