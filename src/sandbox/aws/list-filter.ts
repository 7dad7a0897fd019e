// What a ListBackupJobs request asks for, once parsed, and the page a job store answers it with.
import { compareListKeys, type ListKey } from './list-order.js';
import type { DailyCount, JobStore, ListedJob, SandboxJob, WireBackupJob } from './store.js';

export interface ListFilter {
  /** undefined: every account of the organization (accountId=*). */
  account: string | undefined;
  resourceArn?: string;
  state?: string;
  backupVaultName?: string;
  createdBefore?: number;
  createdAfter?: number;
  resourceType?: string;
  completeAfter?: number;
  completeBefore?: number;
  parentJobId?: string;
  messageCategory?: string;
}

/** One page in list order, and the key of its last job when more jobs match after it. */
export interface ListPage {
  records: WireBackupJob[];
  next?: ListKey;
}

/** What ListBackupJobs, ListBackupJobSummaries, DescribeBackupJob and StartBackupJob need of a job store. */
export interface PagedJobStore {
  page(region: string, filter: ListFilter, after: ListKey | undefined, size: number): ListPage;
  countDaily(region: string, since: number): DailyCount[];
  job(region: string, backupJobId: string): SandboxJob | undefined;
  add(job: SandboxJob): void;
}

/** The seeded organization's store, which holds every job in list order, read by scanning it. */
export function scanned(store: JobStore): PagedJobStore {
  return {
    page: (region, filter, after, size) => scanPage(store.regionJobs(region), filter, after, size),
    countDaily: (region, since) => store.countDaily(region, since),
    job: (region, backupJobId) => store.job(region, backupJobId),
    add: (job) => store.add(job),
  };
}

/** A page of jobs held in list order, read from the position after `after`. */
export function scanPage(listed: readonly ListedJob[], filter: ListFilter, after: ListKey | undefined, size: number): ListPage {
  const records: WireBackupJob[] = [];
  let last: ListKey | undefined;
  for (const { job, key } of listed) {
    if (after && compareListKeys(key, after) <= 0) continue;
    if (!matches(job.record, filter)) continue;
    if (records.length === size) return { records, ...(last ? { next: last } : {}) };
    records.push(job.record);
    last = key;
  }
  return { records };
}

// Documented as matching every message category rather than naming one.
const ANY_CATEGORY = new Set(['ANY', 'AGGREGATE_ALL']);

export function matches(record: WireBackupJob, filter: ListFilter): boolean {
  const created = Math.round(record.CreationDate * 1000);
  const completed = record.CompletionDate === undefined ? undefined : Math.round(record.CompletionDate * 1000);
  return (
    (filter.account === undefined || record.AccountId === filter.account) &&
    (filter.resourceArn === undefined || record.ResourceArn === filter.resourceArn) &&
    (filter.state === undefined || record.State === filter.state) &&
    (filter.backupVaultName === undefined || record.BackupVaultName === filter.backupVaultName) &&
    (filter.createdBefore === undefined || created < filter.createdBefore) &&
    (filter.createdAfter === undefined || created > filter.createdAfter) &&
    (filter.resourceType === undefined || record.ResourceType === filter.resourceType) &&
    (filter.completeAfter === undefined || (completed !== undefined && completed > filter.completeAfter)) &&
    (filter.completeBefore === undefined || (completed !== undefined && completed < filter.completeBefore)) &&
    (filter.parentJobId === undefined || record.ParentJobId === filter.parentJobId) &&
    (filter.messageCategory === undefined || categoryMatches(record.MessageCategory, filter.messageCategory))
  );
}

/**
 * AWS's own documentation spells categories both "AccessDenied" and "ACCESS_DENIED", so they are
 * compared without regard to case or underscores.
 */
export function categoryMatches(category: string | undefined, wanted: string): boolean {
  if (category === undefined) return false;
  if (ANY_CATEGORY.has(wanted.toUpperCase())) return true;
  const fold = (value: string) => value.toUpperCase().replaceAll('_', '');
  return fold(category) === fold(wanted);
}
