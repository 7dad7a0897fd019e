// The AWS sandbox's clock: the time its jobs are created, run and settle by, which tests can move forward.

export class SandboxClock {
  private readonly startedAt = Date.now();
  private offset = 0;

  /**
   * With an anchor, time starts there and runs with the real clock (or stands still when frozen);
   * without one, it is the real clock (frozen: the time the sandbox started).
   */
  constructor(
    private readonly anchor: number | undefined,
    private readonly frozen = false,
  ) {}

  now(): number {
    const base = this.anchor ?? this.startedAt;
    const elapsed = this.frozen ? 0 : Date.now() - this.startedAt;
    return base + elapsed + this.offset;
  }

  /** How far `advance` has moved the clock in all, beyond the time it runs by itself. */
  get advancedMs(): number {
    return this.offset;
  }

  /** Moves the clock forward: jobs are created and settle as if that much time had passed. */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`The sandbox clock only moves forward; got ${ms} ms`);
    this.offset += ms;
  }
}
