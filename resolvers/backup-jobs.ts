// Root-field logic for the job list: choose the sources a filter allows, read each one's shared
// read model in parallel, and merge them into one page. Nothing here knows what kind a source is.
import { badUserInput, pageSizeOutOfRange, quoted } from '../src/model/errors.js';
import type { BackupJobFilter, BackupJobModel, KindConditions, Warning } from '../src/model/job.js';
import { toGraphQLError } from '../src/model/upstream-errors.js';
import { firstAfter, floorPosition } from '../src/model/order.js';
import type { Snapshot, SourcePart } from '../src/read-model/source-read-model.js';
import type { GatewaySource } from '../src/source-kind.js';
import type { SourceKind } from '../src/sources.js';
import type { GatewayContext } from './context.js';
import { assemblePage, cursorScope, decodeCursor, encodeCursor, positionFor, type Page, type PagePart } from './pagination.js';

export const DEFAULT_PAGE_SIZE = 20;

/** Slices older than a source's retained window one page reads at most, per source. */
const MAX_OLDER_SLICES = 8;

/** Answers kept per snapshot (counts, summaries), one per distinct question. */
const MAX_COUNTS_KEPT = 1_000;

/** Unknown source names an error quotes at most: the request's own values come back short. */
const NAMES_QUOTED = 5;

export interface BackupJobsArgs {
  first?: number | null;
  after?: string | null;
  filter?: BackupJobFilter | null;
}

export interface BackupJobEdge {
  readonly cursor: string;
  readonly node: BackupJobModel;
}

/** An edge that encodes its cursor only when a query asks for it: most pages are read for their jobs alone. */
class PageEdge implements BackupJobEdge {
  constructor(
    private readonly page: Page<BackupJobModel>,
    private readonly index: number,
    readonly node: BackupJobModel,
    private readonly scope: () => string,
  ) {}

  get cursor(): string {
    return encodeCursor(this.page.cursorAfter(this.index), this.scope());
  }
}

/** How one selected source took part in a page. */
export interface PageSource {
  sourceName: string;
  /** The page holds this source's jobs. When false, the cursor stays behind its unread jobs. */
  complete: boolean;
  /** While the source's older jobs are still being read: every job created after this time is in. */
  completeAfter: Date | null;
  /** The jobs are older than the source's maxStalenessMs: a refresh failed or was refused. */
  stale: boolean;
  /** When the jobs were fetched upstream; null when none could be. */
  fetchedAt: Date | null;
  /** Why the part is missing or stale. */
  errorCode: string | null;
  /** Records of the source's list left out because a member had the wrong type. */
  skippedRecords: number;
}

export interface BackupJobConnection {
  edges: BackupJobEdge[];
  /** Null when a selected source could not be read: a count without it would be too low. */
  totalCount: number | null;
  sources: PageSource[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export async function listBackupJobs(
  context: GatewayContext,
  args: BackupJobsArgs,
  kindConditions: readonly KindConditions[],
  reportPartialError: (error: Error) => void,
  warn: (warning: Warning) => void,
): Promise<BackupJobConnection> {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  const { maxPageSize } = context.limits;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize) {
    throw pageSizeOutOfRange(first, maxPageSize);
  }
  const filter = validateFilter(args.filter ?? {}, kindConditions, warn);
  let digest: string | undefined;
  // Worked out once a cursor is read or written: most pages are read for their jobs alone.
  const scope = () => (digest ??= cursorScope(filter));
  const after = args.after ? decodeCursor(args.after, scope()) : null;
  const sources = selectSources(context, filter, kindConditions);
  const reads = sources.map((source) => context.sources.readModel(source.name)!.read(context.reader));
  // Fresh snapshots come at once: only a page that waits for an upstream waits on promises.
  const parts = reads.some((read) => read instanceof Promise) ? await Promise.all(reads) : (reads as SourcePart<BackupJobModel>[]);

  const bySource = new Map(sources.map((source) => [source.name, source]));
  const accept = acceptor(sources, filter);
  // Jobs created at or after createdBefore come first in the order and are all refused: skip them by a search.
  const options = { first, after, accept, from: filter.createdBefore ? floorPosition(filter.createdBefore.getTime() - 1) : null };
  const { page, failed } = await pageWithOlderJobs(context, parts, options, filter.createdAfter?.getTime() ?? null);
  const pageSources = parts.map((part) =>
    describePart(failed.has(part.sourceName) ? { ...part, error: failed.get(part.sourceName) } : part, bySource.get(part.sourceName)!, page.heldBack.has(part.sourceName), reportPartialError),
  );
  const edges = page.items.map((node, index) => new PageEdge(page, index, node, scope));
  return {
    edges,
    totalCount: countAll(parts, filter, accept),
    sources: pageSources,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: after !== null,
      get startCursor() {
        return edges[0]?.cursor ?? null;
      },
      get endCursor() {
        return page.endCursor ? encodeCursor(page.endCursor, scope()) : null;
      },
    },
  };
}

/**
 * The page, reaching past the retained window of the sources that keep one: a source the page
 * went on without because it keeps no older jobs in memory gets the next older slice of its list,
 * until the page is full or MAX_OLDER_SLICES were read. A slice that cannot be read leaves the
 * source behind, as a missing part would, with its error.
 */
async function pageWithOlderJobs(
  context: GatewayContext,
  parts: readonly SourcePart<BackupJobModel>[],
  options: Parameters<typeof assemblePage<BackupJobModel>>[1],
  createdAfter: number | null,
): Promise<{ page: Page<BackupJobModel>; failed: Map<string, unknown> }> {
  // A part that holds every job the filter's lower bound lets through holds all the page needs of it.
  const floorFor = (floor: number | null) => (floor === null || (createdAfter !== null && floor <= createdAfter) ? null : floor);
  let pageParts: PagePart<BackupJobModel>[] = parts.map(({ sourceName, snapshot }) => ({
    sourceName,
    jobs: snapshot?.jobs ?? null,
    completeAfter: snapshot ? floorFor(snapshot.completeAfter ?? snapshot.retainedAfter) : null,
  }));
  const failed = new Map<string, unknown>();
  let page = assemblePage(pageParts, options);
  // Only a source done filling and keeping a retained window reads older slices on demand.
  const retained = new Set(parts.filter(({ snapshot }) => snapshot && snapshot.completeAfter === null && snapshot.retainedAfter !== null).map((part) => part.sourceName));
  for (let round = 0; round < MAX_OLDER_SLICES; round++) {
    const due = pageParts.filter((part) => retained.has(part.sourceName) && !failed.has(part.sourceName) && page.heldBack.has(part.sourceName) && part.completeAfter != null);
    if (due.length === 0) break;
    const extended = await Promise.all(
      due.map(async (part): Promise<PagePart<BackupJobModel>> => {
        const position = positionFor(options.after, part.sourceName);
        const { from = null } = options;
        // Older than the part's floor, than where the source stands, and than where the filter lets jobs start.
        const bound = Math.min(part.completeAfter!, position?.createdAt ?? Number.POSITIVE_INFINITY, from?.createdAt ?? Number.POSITIVE_INFINITY);
        try {
          const older = await context.sources.readModel(part.sourceName)!.olderJobs(bound, context.reader);
          const start = Math.max(firstAfter(part.jobs!, position), firstAfter(part.jobs!, from));
          return { sourceName: part.sourceName, jobs: part.jobs!.slice(start).concat(older.jobs), completeAfter: floorFor(older.after) };
        } catch (error) {
          failed.set(part.sourceName, error);
          return part;
        }
      }),
    );
    const byName = new Map(extended.map((part) => [part.sourceName, part]));
    pageParts = pageParts.map((part) => byName.get(part.sourceName) ?? part);
    page = assemblePage(pageParts, options);
  }
  return { page, failed };
}

/** A part's status on the page; a missing part's error also goes to `errors`, a stale one's does not (the data is there). */
function describePart(part: SourcePart<BackupJobModel>, source: GatewaySource, heldBack: boolean, reportPartialError: (error: Error) => void): PageSource {
  const error = part.error === null ? null : toGraphQLError(part.error, part.sourceName);
  if (error && !part.snapshot) reportPartialError(error);
  const completeAfter = part.snapshot?.completeAfter ?? null;
  return {
    sourceName: part.sourceName,
    complete: !heldBack,
    completeAfter: completeAfter === null ? null : new Date(completeAfter),
    stale: part.stale,
    fetchedAt: part.snapshot ? new Date(part.snapshot.fetchedAt) : null,
    errorCode: error ? String(error.extensions.code) : null,
    skippedRecords: part.snapshot ? (source.skippedRecords ?? 0) : 0,
  };
}

/**
 * Every job that meets the filter, over all pages; counted once per snapshot and filter. Null when
 * a source is missing, still filling in, or keeps a retained window the filter reaches past.
 */
function countAll(parts: readonly SourcePart<BackupJobModel>[], filter: BackupJobFilter, accept: (job: BackupJobModel) => boolean): number | null {
  const createdAfter = filter.createdAfter?.getTime() ?? Number.NEGATIVE_INFINITY;
  const counted = ({ snapshot }: SourcePart<BackupJobModel>) =>
    snapshot !== null && snapshot.completeAfter === null && (snapshot.retainedAfter === null || createdAfter >= snapshot.retainedAfter);
  if (!parts.every(counted)) return null;
  const key = `count ${JSON.stringify(filter)}`;
  let total = 0;
  for (const { snapshot } of parts) {
    total += memoized(snapshot!, key, (jobs) => countAccepted(jobs, accept), (before, added, dropped) => before + added - dropped);
  }
  return total;
}

/**
 * An answer derived from a snapshot's jobs, kept in its memo: updated by what changed since the
 * version before when that one has it (`update` gets that answer, and the answers of the jobs added
 * and dropped since), else made anew.
 */
export function memoized<T>(
  snapshot: Snapshot<BackupJobModel>,
  key: string,
  derive: (jobs: readonly BackupJobModel[]) => T,
  update: (before: T, added: T, dropped: T) => T,
): T {
  let answer = snapshot.memo.get(key) as T | undefined;
  if (answer === undefined) {
    const before = snapshot.since?.memo.get(key) as T | undefined;
    answer = before === undefined ? derive(snapshot.jobs) : update(before, derive(snapshot.since!.added), derive(snapshot.since!.dropped));
    // Filters are the client's to vary; past a bound, answers are made anew rather than kept.
    if (snapshot.memo.size < MAX_COUNTS_KEPT) snapshot.memo.set(key, answer);
  }
  return answer;
}

function countAccepted(jobs: readonly BackupJobModel[], accept: (job: BackupJobModel) => boolean): number {
  let count = 0;
  for (const job of jobs) if (accept(job)) count++;
  return count;
}

/** Whether a job is of one of the selected sources and meets the filter: the common conditions and its kind's. */
export function acceptor(sources: readonly GatewaySource[], filter: BackupJobFilter): (job: BackupJobModel) => boolean {
  const bySource = new Map(sources.map((source) => [source.name, source]));
  return (job) => {
    const source = bySource.get(job.sourceName);
    return source !== undefined && matchesCommon(job, filter) && source.matches?.(job, filter) !== false;
  };
}

export function validateFilter(filter: BackupJobFilter, kindConditions: readonly KindConditions[], warn: (warning: Warning) => void): BackupJobFilter {
  for (const { validate } of kindConditions) validate?.(filter, warn);
  if (filter.createdAfter && filter.createdBefore && filter.createdAfter >= filter.createdBefore) {
    throw badUserInput('"filter.createdAfter" must be earlier than "filter.createdBefore"');
  }
  return filter;
}

/**
 * The sources the filter selects. A condition one kind adds leaves the sources of every other kind
 * out; the adapter rules on its own kind's conditions.
 */
export function selectSources(context: GatewayContext, filter: BackupJobFilter, kindConditions: readonly KindConditions[]): GatewaySource[] {
  if (filter.sourceNames) {
    const unknown = filter.sourceNames.filter((name) => !context.sources.get(name));
    if (unknown.length > 0) {
      const named = unknown.slice(0, NAMES_QUOTED).map(quoted).join(', ');
      const more = unknown.length > NAMES_QUOTED ? ` and ${unknown.length - NAMES_QUOTED} more` : '';
      throw badUserInput(`"filter.sourceNames" names sources this gateway does not serve: ${named}${more}`);
    }
  }
  const conditionedKinds = kindConditions.filter(({ names }) => names.some((name) => filter[name] != null)).map(({ kind }) => kind);
  const all: readonly GatewaySource<SourceKind>[] = context.sources.all;
  return all.filter(
    (source) =>
      (!filter.sourceKinds || filter.sourceKinds.includes(source.kind)) &&
      (!filter.sourceNames || filter.sourceNames.includes(source.name)) &&
      conditionedKinds.every((kind) => kind === source.kind) &&
      source.canMatch?.(filter) !== false,
  );
}

/** The conditions every kind of job understands. */
export function matchesCommon(job: BackupJobModel, filter: BackupJobFilter): boolean {
  const { createdAt } = job;
  return (
    (!filter.phases || filter.phases.includes(job.phase)) &&
    (!filter.createdAfter || (createdAt !== null && createdAt > filter.createdAfter.getTime())) &&
    (!filter.createdBefore || (createdAt !== null && createdAt < filter.createdBefore.getTime()))
  );
}
