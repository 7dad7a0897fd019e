// ListBackupJobSummaries over the job store: counts of the jobs ListBackupJobs lists, per UTC day
// of creation (or per 7 or 14 days), by account, state, resource type and message category.
import { invalidParameter } from './errors.js';
import { categoryMatches } from './list-filter.js';
import { compareListKeys, type ListKey } from './list-order.js';
import type { NextTokens } from './next-token.js';
import { SPACED_RESOURCE_TYPES } from './seed.js';
import { BACKUP_JOB_STATES, utcDayOf, type DailyCount } from './store.js';

export const AGGREGATION_PERIODS = ['ONE_DAY', 'SEVEN_DAYS', 'FOURTEEN_DAYS'] as const;
type AggregationPeriod = (typeof AGGREGATION_PERIODS)[number];

/** The days each period covers: today (up to now) and the days before it. */
const PERIOD_DAYS: Record<AggregationPeriod, number> = { ONE_DAY: 14, SEVEN_DAYS: 7, FOURTEEN_DAYS: 14 };
const DAY = 24 * 60 * 60 * 1000;
/** The model's text says 1 to 500 items; its range allows 1000, which the sandbox accepts too. */
const DEFAULT_RESULTS = 500;
const MAX_RESULTS = 1000;
const STATES: ReadonlySet<string> = new Set(BACKUP_JOB_STATES);
const SPACED_TYPES: ReadonlySet<string> = new Set(SPACED_RESOURCE_TYPES);

/**
 * One dimension of the request: a value counts only the jobs that have it; ANY breaks the counts
 * out by every value; AGGREGATE_ALL sums over every value (the member is then left out of the rows).
 */
type Selector = { kind: 'ANY' } | { kind: 'AGGREGATE_ALL' } | { kind: 'value'; value: string };

export interface SummaryQuery {
  account: Selector;
  state: Selector;
  resourceType: Selector;
  messageCategory: Selector;
  period: AggregationPeriod;
}

export interface ListBackupJobSummariesAnswer {
  BackupJobSummaries: Record<string, unknown>[];
  AggregationPeriod: AggregationPeriod;
  NextToken?: string;
}

/** A summary row before it goes on the wire, and its place in the answer's order. */
interface Row {
  key: ListKey;
  wire: Record<string, unknown>;
}

/** Every row of one query's answer, in order. */
export type SummaryRows = readonly Row[];

export function parseSummaryQuery(query: URLSearchParams, callerAccount: string): SummaryQuery {
  const text = (name: string) => {
    const value = query.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const selector = (name: string, valid: (value: string) => boolean, rule: string, absent: Selector): Selector => {
    const value = text(name);
    if (value === undefined) return absent;
    if (value === 'ANY' || value === 'AGGREGATE_ALL') return { kind: value };
    if (!valid(value)) throw invalidParameter(`${name} '${value}' ${rule}, ANY or AGGREGATE_ALL.`, name);
    return { kind: 'value', value };
  };
  const period = text('AggregationPeriod') ?? 'ONE_DAY';
  if (!(AGGREGATION_PERIODS as readonly string[]).includes(period)) {
    throw invalidParameter(`AggregationPeriod '${period}' is not one of ${AGGREGATION_PERIODS.join(', ')}.`, 'AggregationPeriod');
  }
  return {
    // As ListBackupJobs: without AccountId, the caller's own account, even a management account's.
    account: selector('AccountId', (value) => /^\d{12}$/.test(value), 'must be a 12-digit account ID', { kind: 'value', value: callerAccount }),
    state: selector('State', (value) => STATES.has(value), `must be one of ${BACKUP_JOB_STATES.join(', ')}`, { kind: 'ANY' }),
    resourceType: selector(
      'ResourceType',
      (value) => SPACED_TYPES.has(value) || /^[a-zA-Z0-9\-_.]{1,50}$/.test(value),
      'must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$',
      { kind: 'ANY' },
    ),
    messageCategory: selector('MessageCategory', (value) => value.length <= 100, 'must be at most 100 characters', { kind: 'ANY' }),
    period: period as AggregationPeriod,
  };
}

export function parseSummaryMaxResults(value: string | null): number {
  if (value === null) return DEFAULT_RESULTS;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_RESULTS)) throw invalidParameter(`MaxResults must be an integer from 1 to ${MAX_RESULTS}; got '${value}'.`, 'MaxResults');
  return n;
}

/** The first millisecond of the period's oldest day, at `now`. */
export function periodStart(period: AggregationPeriod, now: number): number {
  return utcDayOf(now) - (PERIOD_DAYS[period] - 1) * DAY;
}

/**
 * The answer's rows, sorted by start time and then by the members that tell them apart, each
 * summing the daily counts that fall in it and meet the query.
 */
export function summaryRows(counts: readonly DailyCount[], region: string, query: SummaryQuery, now: number): SummaryRows {
  const since = periodStart(query.period, now);
  const keep = (selector: Selector, value: string | undefined, equal: (a: string | undefined, b: string) => boolean) =>
    selector.kind !== 'value' || equal(value, selector.value);
  const shown = (selector: Selector, value: string | undefined) => (selector.kind === 'AGGREGATE_ALL' ? undefined : value);
  const rows = new Map<string, { start: number; end: number; account?: string; state?: string; type?: string; category?: string; count: number }>();
  for (const count of counts) {
    if (count.day < since) continue;
    if (!keep(query.account, count.account, (a, b) => a === b)) continue;
    if (!keep(query.state, count.state, (a, b) => a === b)) continue;
    if (!keep(query.resourceType, count.resourceType, (a, b) => a === b)) continue;
    if (!keep(query.messageCategory, count.category, categoryMatches)) continue;
    const start = query.period === 'ONE_DAY' ? count.day : since;
    const end = query.period === 'ONE_DAY' ? count.day + DAY : utcDayOf(now) + DAY;
    const account = shown(query.account, count.account);
    const state = shown(query.state, count.state);
    const type = shown(query.resourceType, count.resourceType);
    const category = shown(query.messageCategory, count.category);
    // Joined rather than JSON.stringify'd: this runs once per daily count, tens of thousands of
    // them per query in a large organization. A left-out member is a character no value holds.
    const key = `${start}|${account ?? '\u0000'}|${state ?? '\u0000'}|${type ?? '\u0000'}|${category ?? '\u0000'}`;
    const row = rows.get(key);
    if (row) row.count += count.count;
    else rows.set(key, { start, end, account, state, type, category, count: count.count });
  }
  return [...rows.values()]
    .map((row) => ({
      key: [row.start, row.account ?? '', row.state ?? '', row.type ?? '', row.category ?? ''],
      // BackupJobSummary's member order in the SDK's schema.
      wire: {
        Region: region,
        ...(row.account !== undefined ? { AccountId: row.account } : {}),
        ...(row.state !== undefined ? { State: row.state } : {}),
        ...(row.type !== undefined ? { ResourceType: row.type } : {}),
        ...(row.category !== undefined ? { MessageCategory: row.category } : {}),
        Count: row.count,
        StartTime: row.start / 1000,
        EndTime: row.end / 1000,
      },
    }))
    .sort((a, b) => compareListKeys(a.key, b.key));
}

/** One page of rows after the row a NextToken names, and the token of the next page. */
export function summaryPage(rows: SummaryRows, query: SummaryQuery, params: { nextToken: string | null; maxResults: number; scope: string; tokens: NextTokens }): ListBackupJobSummariesAnswer {
  const { nextToken, maxResults, scope, tokens } = params;
  let after: ListKey | undefined;
  if (nextToken !== null && nextToken !== '') {
    after = tokens.read(nextToken, scope);
    if (!after) throw invalidParameter('The NextToken is not valid: it was not issued for a request with these parameters.', 'NextToken');
  }
  const start = after === undefined ? 0 : rows.findIndex((row) => compareListKeys(row.key, after) > 0);
  const page = start < 0 ? [] : rows.slice(start, start + maxResults);
  const more = start >= 0 && start + maxResults < rows.length;
  return {
    BackupJobSummaries: page.map((row) => row.wire),
    AggregationPeriod: query.period,
    ...(more ? { NextToken: tokens.issue(scope, page.at(-1)!.key) } : {}),
  };
}

/** The answer to the last question asked, kept so that the same question again costs nothing. */
export class LastAnswer<T> {
  private last: { question: string; answer: T } | undefined;

  get(question: string, answer: () => T): T {
    if (this.last?.question !== question) this.last = { question, answer: answer() };
    return this.last.answer;
  }
}
