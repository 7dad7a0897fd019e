// Upstream list answers shared across requests for a few seconds, per source: opt-in with `listCacheTtlMs`.

/** Entries kept at most; list inputs with cursors or filters vary, so the oldest go first. */
const MAX_ENTRIES = 256;

export class ListCache<T> {
  private readonly entries = new Map<string, { expiresAt: number; answer: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether answers are shared at all; a shared call must not carry one request's deadline. */
  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /**
   * The answer for `key` while it is fresh. Callers that ask while a call is under way share it;
   * a call that fails is forgotten at once, so the next caller tries again.
   */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const at = this.now();
    const entry = this.entries.get(key);
    if (entry && at < entry.expiresAt) return entry.answer;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const answer = load();
    this.entries.set(key, { expiresAt: at + this.ttlMs, answer });
    answer.catch(() => {
      if (this.entries.get(key)?.answer === answer) this.entries.delete(key);
    });
    return answer;
  }
}
