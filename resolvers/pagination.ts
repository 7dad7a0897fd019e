// Keyset pagination over several upstreams at once: one newest-first order across sources, with
// cursors that stay valid while new jobs appear.
import { badUserInput } from '../src/errors.js';

/**
 * A job's place in the merged order: newest first by creation time, then by source name and
 * upstream id so that jobs created in the same millisecond still have a strict order.
 */
export interface Position {
  createdAt: number;
  sourceName: string;
  jobId: string;
}

export function comparePositions(a: Position, b: Position): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  if (a.sourceName !== b.sourceName) return a.sourceName < b.sourceName ? -1 : 1;
  if (a.jobId !== b.jobId) return a.jobId < b.jobId ? -1 : 1;
  return 0;
}

const CURSOR_VERSION = 1;

export function encodeCursor(position: Position): string {
  const payload = JSON.stringify([CURSOR_VERSION, position.createdAt, position.sourceName, position.jobId]);
  return Buffer.from(payload, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const payload: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(payload) &&
      payload.length === 4 &&
      payload[0] === CURSOR_VERSION &&
      Number.isFinite(payload[1]) &&
      typeof payload[2] === 'string' &&
      typeof payload[3] === 'string'
    ) {
      return { createdAt: payload[1] as number, sourceName: payload[2], jobId: payload[3] };
    }
  } catch {
    // Fall through to the one error every unreadable cursor gets.
  }
  throw badUserInput('"after" is not a cursor issued by this gateway');
}

/** What one source returned for a page: its items in any order, and whether it holds more. */
export interface SourcePage<T> {
  items: readonly T[];
  hasMore: boolean;
}

export interface MergedPage<T> {
  items: T[];
  /** Where the next page starts: past every item this page examined, emitted or filtered out. */
  endPosition: Position | null;
  hasNextPage: boolean;
}

/**
 * Merges one page from each source into the next `first` items after `after`.
 *
 * Each source returns its newest items, so anything it has not returned yet is older than the
 * oldest item it did return. An item may therefore be emitted only if it is not older than the
 * oldest returned item of every source that has more; past that horizon an unseen item could
 * still belong in between. `accept` applies filters an upstream could not apply itself: items it
 * rejects are skipped but still move the end position, so a page may hold fewer than `first`
 * items while the cursor keeps moving forward.
 */
export function mergePages<T>(
  pages: readonly SourcePage<T>[],
  options: {
    first: number;
    after: Position | null;
    positionOf: (item: T) => Position;
    accept: (item: T) => boolean;
  },
): MergedPage<T> {
  const { first, after, positionOf, accept } = options;
  const isNew = (item: T) => after === null || comparePositions(positionOf(item), after) > 0;

  let horizon: Position | null = null;
  for (const page of pages) {
    if (!page.hasMore || page.items.length === 0) continue;
    const oldest = page.items.map(positionOf).reduce((a, b) => (comparePositions(a, b) > 0 ? a : b));
    if (horizon === null || comparePositions(oldest, horizon) < 0) horizon = oldest;
  }

  const candidates = pages
    .flatMap((page) => page.items.filter(isNew))
    .sort((a, b) => comparePositions(positionOf(a), positionOf(b)));

  const items: T[] = [];
  let endPosition: Position | null = after;
  let index = 0;
  for (; index < candidates.length && items.length < first; index++) {
    const candidate = candidates[index] as T;
    const position = positionOf(candidate);
    if (horizon !== null && comparePositions(position, horizon) > 0) break;
    endPosition = position;
    if (accept(candidate)) items.push(candidate);
  }

  const anySourceHasMore = pages.some((page) => page.hasMore);
  const hasNextPage = anySourceHasMore || candidates.slice(index).some(accept);
  return { items, endPosition, hasNextPage };
}
