// Turns per caller: at most `callerConcurrency` operations of one caller compute at once, and the
// rest wait their turn. Node runs one request's resolvers and serialization without yielding, so
// a caller with many requests in flight would otherwise take the process from everyone else. An
// operation that waits for an upstream gives its turn back for the wait, so a slow or hanging
// source never holds up the caller's other operations.
//
// Written here rather than taken from a library (cockatiel's bulkhead, p-limit): a freed turn is
// handed on at the next turn of the event loop, after the sockets that are ready have been read,
// so that another caller's request that just arrived runs before this caller's next one. The
// libraries hand it on at once, in the same turn, and none lends a slot out for a wait.
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../resolvers/context.js';

interface Turns {
  running: number;
  waiting: (() => void)[];
}

export class CallerTurns {
  /** Callers with an operation computing; one leaves when its last operation ends. */
  private readonly callers = new Map<string, Turns>();

  constructor(private readonly limit: number) {}

  /** Resolves when the caller may compute one more operation. */
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

  /** Gives one turn back: it goes to the caller's next waiting operation, if any. */
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

/** One operation's turn: held while it computes, lent out while it waits for upstreams. */
export class OperationTurn {
  private held = false;
  private taking: Promise<void> | undefined;
  /** Upstream waits under way; the turn is taken again when the last one ends. */
  private waits = 0;
  /** Set when the operation has answered: a wait it left behind takes no turn afterwards. */
  private ended = false;

  constructor(
    private readonly turns: CallerTurns,
    private readonly caller: string,
  ) {}

  /** Resolves when the operation may compute; one take is under way at a time. */
  take(): Promise<void> {
    if (this.held || this.ended) return Promise.resolve();
    this.taking ??= this.turns.take(this.caller).then(() => {
      this.taking = undefined;
      // Ended, or gone to wait again while it queued: the turn goes straight back.
      if (this.ended || this.waits > 0) this.turns.give(this.caller);
      else this.held = true;
    });
    return this.taking;
  }

  /** Runs an upstream wait without the turn, and takes a turn again before the operation goes on. */
  async away<T>(wait: () => Promise<T>): Promise<T> {
    this.waits += 1;
    this.release();
    try {
      return await wait();
    } finally {
      this.waits -= 1;
      if (this.waits === 0) await this.take();
    }
  }

  /** The operation has answered: its turn goes back, and none is taken for it again. */
  end(): void {
    this.ended = true;
    this.release();
  }

  private release(): void {
    if (!this.held) return;
    this.held = false;
    this.turns.give(this.caller);
  }
}

/** Each operation takes its turn before it executes, and gives it back when done. */
export function useCallerTurns(): Plugin<GatewayContext> {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { turn } = args.contextValue;
      setExecuteFn(async (executeArgs) => {
        await turn.take();
        try {
          return await executeFn(executeArgs);
        } finally {
          turn.end();
        }
      });
    },
  };
}
