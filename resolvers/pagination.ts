// Keyset pagination over several sources at once: one newest-first order across sources, with
// cursors that stay valid while new jobs appear, and that remember where each source stands, so
// that a page missing a source's part never moves past that source's unread jobs. A cursor names
// the filter and order it was issued for, and serves no other.
import { createHash } from 'node:crypto';
import { badUserInput } from '../src/model/errors.js';
import { byPosition, comparePositions, firstAfter, floorPosition, positionOf, type Position, type ReadableJob } from '../src/model/order.js';

export type { Position };

/**
 * Where a traversal stands: `position` for every source, except those in `behind`, which stand
 * elsewhere (null: at the start) because a page went on without them.
 */
export interface Cursor {
  position: Position | null;
  behind: Readonly<Record<string, Position | null>>;
}

const CURSOR_VERSION = 3;

/** The one order of the list; part of what a cursor is for, so that another order would not read its positions. */
const ORDER = 'createdAt desc, sourceName, jobId';
/** More sources than any configuration holds; a cursor naming more was not issued here. */
const MAX_BEHIND = 256;

export function positionFor(cursor: Cursor | null, sourceName: string): Position | null {
  if (cursor === null) return null;
  return Object.hasOwn(cursor.behind, sourceName) ? (cursor.behind[sourceName] ?? null) : cursor.position;
}

type WirePosition = [number, string, string];

const toWire = (position: Position | null): WirePosition | null =>
  position === null ? null : [position.createdAt, position.sourceName, position.jobId];

function fromWire(value: unknown): Position | null | undefined {
  if (value === null) return null;
  if (Array.isArray(value) && value.length === 3 && Number.isFinite(value[0]) && typeof value[1] === 'string' && typeof value[2] === 'string') {
    return { createdAt: value[0] as number, sourceName: value[1], jobId: value[2] };
  }
  return undefined;
}

/**
 * What a cursor is for: a short digest of the filter, normalized (conditions left unset or null
 * are dropped, lists are sets, dates are instants), and of the order. A position means nothing
 * under another filter: the jobs between it and the next match would be skipped.
 */
export function cursorScope(filter: Readonly<Record<string, unknown>>): string {
  const conditions = Object.entries(filter)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([name, value]): [string, unknown] => [name, normalized(value)])
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify([ORDER, conditions])).digest('base64url').slice(0, 16);
}

function normalized(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return [...new Set(value.map((item) => JSON.stringify(normalized(item))))].sort();
  return value;
}

export function encodeCursor(cursor: Cursor, scope: string): string {
  const behind = Object.entries(cursor.behind).map(([name, position]) => [name, toWire(position)]);
  return Buffer.from(JSON.stringify([CURSOR_VERSION, scope, toWire(cursor.position), behind]), 'utf8').toString('base64url');
}

/** The cursor `text` holds, when it was issued for `scope` (see cursorScope); BAD_USER_INPUT otherwise. */
export function decodeCursor(text: string, scope: string): Cursor {
  const read = readCursor(text);
  if (read === null) throw badUserInput('"after" is not a cursor issued by this gateway');
  if (read.scope !== scope) {
    throw badUserInput('"after" is a cursor issued for another filter: page on with the filter it came with, or start again without "after"');
  }
  return read.cursor;
}

function readCursor(text: string): { scope: string; cursor: Cursor } | null {
  try {
    const payload: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (!Array.isArray(payload) || payload[0] !== CURSOR_VERSION || payload.length !== 4 || typeof payload[1] !== 'string') return null;
    if (!Array.isArray(payload[3]) || payload[3].length > MAX_BEHIND) return null;
    const position = fromWire(payload[2]);
    const behind: Record<string, Position | null> = {};
    for (const entry of payload[3] as unknown[]) {
      const name = Array.isArray(entry) ? entry[0] : undefined;
      const at = Array.isArray(entry) && entry.length === 2 ? fromWire(entry[1]) : undefined;
      if (typeof name !== 'string' || at === undefined) return null;
      behind[name] = at;
    }
    return position === undefined ? null : { scope: payload[1], cursor: { position, behind } };
  } catch {
    return null;
  }
}

/** One source's jobs for a page: sorted in the merged order, or null when the source could not be read. */
export interface PagePart<Job extends ReadableJob> {
  sourceName: string;
  jobs: readonly Job[] | null;
  /**
   * Null when `jobs` holds every job of the source. Otherwise every job created after this time
   * (epoch ms) is in `jobs`, and older ones may be missing: the source is not read that far back yet.
   */
  completeAfter?: number | null;
}

export interface Page<Job extends ReadableJob> {
  items: Job[];
  /** The cursor after the item at `index`: where a traversal that stopped at it would continue. */
  cursorAfter(index: number): Cursor;
  endCursor: Cursor | null;
  hasNextPage: boolean;
  /** The sources the page went on without: missing, or not read as far back as the page reached. */
  heldBack: ReadonlySet<string>;
}

/**
 * The next `first` jobs after `after` that `accept` lets through, merged across sources. A missing
 * part keeps its source where it stood; a part that was behind catches up from where it stood, so
 * across a traversal every job comes exactly once, even when some pages lacked a source.
 */
export function assemblePage<Job extends ReadableJob>(
  parts: readonly PagePart<Job>[],
  options: {
    first: number;
    after: Cursor | null;
    accept: (job: Job) => boolean;
    /** Where accepted jobs can start, when the filter bounds creation time: the jobs before it are skipped by a search, not one by one. */
    from?: Position | null;
  },
): Page<Job> {
  const { first, after, accept, from = null } = options;
  // Each part is sorted: the page is a merge of their heads (the index of each part's next job for
  // the page, -1 once it has none), reading of each part only the jobs the page takes.
  const heads = parts.map(({ jobs, sourceName }, index) =>
    jobs ? nextAccepted(parts, index, Math.max(firstAfter(jobs, positionFor(after, sourceName)), firstAfter(jobs, from)), accept) : -1,
  );
  const items: Job[] = [];
  let more = false;
  for (;;) {
    let best = -1;
    for (let index = 0; index < parts.length; index++) {
      if (heads[index]! >= 0 && (best < 0 || byPosition(parts[index]!.jobs![heads[index]!]!, parts[best]!.jobs![heads[best]!]!) < 0)) best = index;
    }
    if (best < 0) break;
    if (items.length === first) {
      more = true;
      break;
    }
    items.push(parts[best]!.jobs![heads[best]!]!);
    heads[best] = nextAccepted(parts, best, heads[best]! + 1, accept);
  }
  const partial = parts.filter((part) => part.jobs === null || (part.completeAfter ?? null) !== null);
  // A page that ends before every floor holds all it should of each part; one that is not full went to the end.
  const reached = more ? positionOf(items.at(-1)!) : null;
  const heldBack = new Set(
    partial
      .filter((part) => part.jobs === null || reached === null || comparePositions(reached, floorPosition(part.completeAfter!)) > 0)
      .map((part) => part.sourceName),
  );
  // Worked out when a query asks for them: most pages are read for their jobs alone.
  const cursorAfter = (index: number) => advance(parts, after, positionOf(items[index]!));
  let endCursor: Cursor | null | undefined;
  return {
    items,
    cursorAfter,
    get endCursor() {
      return (endCursor ??= items.length > 0 ? cursorAfter(items.length - 1) : after);
    },
    hasNextPage: more || partial.length > 0,
    heldBack,
  };
}

/** Index of the first job of a part at or after `index` that the page accepts above the part's floor; -1 when there is none. */
function nextAccepted<Job extends ReadableJob>(parts: readonly PagePart<Job>[], part: number, index: number, accept: (job: Job) => boolean): number {
  const { jobs, completeAfter = null } = parts[part]!;
  for (let at = index; at < jobs!.length; at++) {
    const job = jobs![at]!;
    // Below its floor a part may lack jobs: what it holds there waits until the part is read that far.
    if (completeAfter !== null && (job.createdAt ?? 0) <= completeAfter) return -1;
    if (accept(job)) return at;
  }
  return -1;
}

/**
 * The cursor once every job up to `reached` has been delivered: each source that took part stands
 * at `reached` unless it already stood further on; a missing source stays where it stood, and one
 * not read as far back as `reached` stands at its floor. (A cursor is for one filter: sources the
 * filter leaves out follow `reached`.)
 */
function advance<Job extends ReadableJob>(parts: readonly PagePart<Job>[], after: Cursor | null, reached: Position): Cursor {
  const behind: Record<string, Position | null> = {};
  for (const part of parts) {
    const stood = positionFor(after, part.sourceName);
    const floor = part.completeAfter != null ? floorPosition(part.completeAfter) : null;
    const limit = floor !== null && comparePositions(reached, floor) > 0 ? floor : reached;
    const stands = part.jobs === null || (stood !== null && comparePositions(stood, limit) > 0) ? stood : limit;
    if (stands === null || comparePositions(stands, reached) !== 0) behind[part.sourceName] = stands;
  }
  return { position: reached, behind };
}
