// Questions and answers between the bench driver and the child processes it owns, over Node's IPC channel.
import type { ChildProcess } from 'node:child_process';

interface Question {
  id: number;
  ask: string;
  /** What the question is about, when its handler needs to know (a JSON value). */
  about?: unknown;
}

interface Answer {
  id: number;
  answer: unknown;
}

/** In a child: answers each named question with what its handler returns (or resolves to). */
export function answerQuestions(handlers: Record<string, (about: unknown) => unknown>): void {
  process.on('message', (message: Question) => {
    const handler = handlers[message.ask];
    void Promise.resolve(handler ? handler(message.about) : null).then((answer) => process.send?.({ id: message.id, answer } satisfies Answer));
  });
}

/** In the driver: asks a child one question at a time and waits for its answer. */
export class Questioner {
  private next = 0;
  private readonly pending = new Map<number, (answer: unknown) => void>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: Answer | { ready: unknown }) => {
      if (!('id' in message)) return;
      this.pending.get(message.id)?.(message.answer);
      this.pending.delete(message.id);
    });
  }

  ask<T>(ask: string, about?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.pending.set(id, resolve as (answer: unknown) => void);
      this.child.send({ id, ask, ...(about === undefined ? {} : { about }) } satisfies Question);
    });
  }
}

/** Tells the driver the child is up, with whatever it needs to know about it. */
export function announceReady(ready: unknown): void {
  process.send?.({ ready });
}
