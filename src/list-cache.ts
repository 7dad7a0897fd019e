// Upstream list answers shared across requests: a list call under way is joined by every request
// that asks the same of the same source (always), and its answer serves later requests for
// `listCacheTtlMs` after it arrives (opt-in).

/** Entries kept at most; list inputs with cursors or filters vary, so the oldest go first. */
const MAX_ENTRIES = 256;

export class ListCache<T> {
  private readonly entries = new Map<string, { expiresAt: number; answer: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The answer for `key`: the call under way for it, or its answer while fresh, or a new call.
   * A joined answer is as fresh as one's own would be: the call was made after the caller asked, or
   * at most one round trip before. A call that fails is forgotten at once, so the next caller tries again.
   */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const entry = this.entries.get(key);
    if (entry && this.now() < entry.expiresAt) return entry.answer;
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const answer = load();
    const current = { expiresAt: Number.POSITIVE_INFINITY, answer };
    this.entries.set(key, current);
    answer.then(
      () => {
        if (this.ttlMs > 0) current.expiresAt = this.now() + this.ttlMs;
        else if (this.entries.get(key) === current) this.entries.delete(key);
      },
      () => {
        if (this.entries.get(key) === current) this.entries.delete(key);
      },
    );
    return answer;
  }
}
