// Turns per caller: at most `callerConcurrency` operations of one caller execute at once, and the
// rest wait their turn. Node runs one request's resolvers and serialization without yielding, so
// a caller with many requests in flight would otherwise put all of them ahead of everyone else's.
//
// Written here rather than taken from a library (cockatiel's bulkhead, p-limit): a freed turn is
// handed on at the next turn of the event loop, after the sockets that are ready have been read,
// so that another caller's request that just arrived runs before this caller's next one. The
// libraries hand it on at once, in the same turn.
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../resolvers/context.js';

interface Turns {
  running: number;
  waiting: (() => void)[];
}

export class CallerTurns {
  /** Callers with an operation running; one leaves when its last operation ends. */
  private readonly callers = new Map<string, Turns>();

  constructor(private readonly limit: number) {}

  /** Resolves when the caller may run one more operation. */
  take(caller: string): Promise<void> {
    let turns = this.callers.get(caller);
    if (!turns) {
      turns = { running: 0, waiting: [] };
      this.callers.set(caller, turns);
    }
    if (turns.running < this.limit) {
      turns.running += 1;
      return Promise.resolve();
    }
    const { waiting } = turns;
    return new Promise((resolve) => waiting.push(resolve));
  }

  /** Ends one of the caller's operations: its turn goes to the caller's next waiting one, if any. */
  give(caller: string): void {
    const turns = this.callers.get(caller);
    if (!turns) return;
    const next = turns.waiting.shift();
    if (next) {
      setImmediate(next);
      return;
    }
    turns.running -= 1;
    if (turns.running === 0) this.callers.delete(caller);
  }
}

/** Each operation waits for a turn of its caller before it executes, and gives it back when done. */
export function useCallerTurns(limit: number): Plugin<GatewayContext> {
  const turns = new CallerTurns(limit);
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const caller = args.contextValue.callerKey;
      setExecuteFn(async (executeArgs) => {
        await turns.take(caller);
        try {
          return await executeFn(executeArgs);
        } finally {
          turns.give(caller);
        }
      });
    },
  };
}
