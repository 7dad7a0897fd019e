// Turns per caller: at most `callerConcurrency` requests of one caller are handled at once, and the
// rest wait their turn. Node reads, parses, validates, executes and serializes a request without
// yielding, so a caller with many requests in flight would otherwise take the process from everyone
// else. A turn is taken once the request's body has been read (the caller is known by then) and
// held until the answer is serialized; reading a body waits for the network, and a turn is no
// place to wait. An operation that waits for an upstream gives its turn back for the wait, so a
// slow or hanging source never holds up the caller's other requests.
//
// No request starts computing in the turn of the event loop that read it: Node reads every socket
// that is ready in one go, and a caller with ten connections would otherwise have its ten requests
// handled back to back before the next socket (another caller's request) is even read. Taken turns
// start, and freed turns are handed on, at the next turn of the event loop, after the sockets
// that are ready have been read. Written here rather than taken from a library (cockatiel's
// bulkhead, p-limit) for that reason: they start and hand on slots at once, in the same turn, and
// none lends a slot out for a wait.
import type { Plugin } from 'graphql-yoga';

interface Turns {
  running: number;
  waiting: (() => void)[];
}

export class CallerTurns {
  /** Callers with an operation computing; one leaves when its last operation ends. */
  private readonly callers = new Map<string, Turns>();
  /** Requests of callers that had a turn free, to start at the next turn of the event loop. */
  private readonly arrived: (() => void)[] = [];
  /** Turns handed on within callers that had none free, to start after the arrivals. */
  private readonly handedOn: (() => void)[] = [];

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
      // Not at once: the sockets read in this turn of the event loop may hold other callers' requests.
      return new Promise((resolve) => this.startSoon(this.arrived, resolve));
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
      this.startSoon(this.handedOn, next);
      return;
    }
    turns.running -= 1;
    if (turns.running === 0) this.callers.delete(caller);
  }

  /**
   * One start per callback of the event loop's next check phase, each running alone with its
   * microtasks. Whichever callback comes first starts an arrival before a handed-on turn, so a
   * caller with a backlog goes after a caller without one that became ready in the same turn.
   */
  private startSoon(queue: (() => void)[], start: () => void): void {
    queue.push(start);
    setImmediate(() => (this.arrived.shift() ?? this.handedOn.shift())?.());
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

/** Names the caller a request speaks for, once authentication has run. */
export type CallerOfRequest<ServerContext> = (request: Request, serverContext: ServerContext) => string;

/**
 * Each GraphQL request takes its caller's turn once its body is read, and gives it back when its
 * answer is ready; `turnOf` hands the request's turn to its context.
 */
export function useCallerTurns<ServerContext extends object>(
  turns: CallerTurns,
  callerOf: CallerOfRequest<ServerContext>,
): Plugin<object, ServerContext> & { turnOf(request: Request, serverContext: ServerContext): OperationTurn } {
  const held = new WeakMap<Request, OperationTurn>();
  const turnOf = (request: Request, serverContext: ServerContext) => {
    let turn = held.get(request);
    if (!turn) {
      turn = new OperationTurn(turns, callerOf(request, serverContext));
      held.set(request, turn);
    }
    return turn;
  };
  return {
    onRequest({ requestHandler, setRequestHandler }) {
      // Whatever way the request ends (an answer, a refusal, an error), its turn goes back.
      setRequestHandler(async (request, serverContext) => {
        try {
          return await requestHandler(request, serverContext);
        } finally {
          held.get(request)?.end();
        }
      });
    },
    async onParams({ request, context }) {
      await turnOf(request, context).take();
    },
    turnOf,
  };
}
