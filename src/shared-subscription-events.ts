// One execution and one serialization per subscription event for every subscriber that would get the
// same answer: the same document, variables and view (what the caller may see and do). Each subscriber
// keeps its own event stream (its filter, its limits, its end); only the mapping of an event to its
// result, and of the result to its JSON, is shared.
// Each event executes in a context of its own, as a request would: a subscription outlives any
// request's deadline and budget, and an event's answer reads the sources as they are when it comes.
import { createSourceEventStream, execute, type DocumentNode, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, isPromise, mapAsyncIterator, type Plugin, type PromiseOrValue } from 'graphql-yoga';

/**
 * The result, made to write its JSON once: yoga's result processors serialize a result with its own
 * `stringify` when it has one, and every subscriber's stream sends the very same result object. A
 * processor that hands it a copy (to take internals out of errors) gets that copy's own JSON.
 */
function serializedOnce(result: ExecutionResult): ExecutionResult {
  let json: string | undefined;
  const stringify = (value: unknown) => (value === result ? (json ??= JSON.stringify(result)) : JSON.stringify(value));
  return Object.defineProperty(result, 'stringify', { value: stringify });
}

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
          resultOf(payload, key, () => {
            const result = execute({ ...args, contextValue: contextOfEvent(args.contextValue as Context), rootValue: payload });
            return isPromise(result) ? result.then(serializedOnce) : serializedOnce(result);
          }),
        );
      });
    },
  };
}
