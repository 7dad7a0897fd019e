// The sandbox's backup jobs as DescribeBackupJob records, held per region in ListBackupJobs order.
import { BackupJobState } from '@aws-sdk/client-backup';
import { compareListKeys, DEFAULT_LIST_ORDER, listKeyOf, type ListKey, type ListOrder } from './list-order.js';

export const SANDBOX_ACCOUNTS = ['111122223333', '444455556666'] as const;
export const SANDBOX_REGIONS = ['us-east-1', 'eu-west-1'] as const;

/** The states AWS Backup defines, taken from the SDK's own enum so the sandbox validates as AWS does. */
export const BACKUP_JOB_STATES = Object.values(BackupJobState);
export type { BackupJobState };

export type WireLifecycle = {
  readonly MoveToColdStorageAfterDays?: number;
  readonly DeleteAfterDays?: number;
  readonly OptInToArchiveForSupportedResources?: boolean;
  readonly DeleteAfterEvent?: 'DELETE_AFTER_COPY';
};

export type WireRecoveryPointCreator = {
  readonly BackupPlanId?: string;
  readonly BackupPlanArn?: string;
  readonly BackupPlanName?: string;
  readonly BackupPlanVersion?: string;
  readonly BackupRuleId?: string;
  readonly BackupRuleName?: string;
  readonly BackupRuleCron?: string;
  readonly BackupRuleTimezone?: string;
};

/**
 * A DescribeBackupJob answer exactly as sent: PascalCase members, timestamps as epoch seconds.
 * A type alias rather than an interface, so that it stays assignable to Record<string, unknown>.
 */
export type WireBackupJob = {
  readonly AccountId: string;
  readonly BackupJobId: string;
  readonly BackupVaultName: string;
  readonly RecoveryPointLifecycle?: WireLifecycle;
  readonly BackupVaultArn: string;
  readonly VaultType: 'BACKUP_VAULT' | 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT';
  readonly VaultLockState?: 'LOCKED' | 'UNLOCKED';
  readonly RecoveryPointArn?: string;
  readonly EncryptionKeyArn?: string;
  readonly IsEncrypted: boolean;
  readonly ResourceArn: string;
  readonly CreationDate: number;
  readonly CompletionDate?: number;
  readonly State: BackupJobState;
  readonly StatusMessage?: string;
  readonly PercentDone?: string;
  readonly BackupSizeInBytes?: number;
  readonly IamRoleArn: string;
  readonly CreatedBy?: WireRecoveryPointCreator;
  readonly ResourceType: string;
  readonly BytesTransferred?: number;
  readonly ExpectedCompletionDate?: number;
  readonly StartBy?: number;
  readonly BackupOptions?: Readonly<Record<string, string>>;
  readonly BackupType?: string;
  readonly ParentJobId?: string;
  readonly IsParent: boolean;
  readonly NumberOfChildJobs?: number;
  readonly ChildJobsInState?: Readonly<Partial<Record<BackupJobState, number>>>;
  readonly ResourceName?: string;
  readonly InitiationDate?: number;
  readonly MessageCategory?: string;
};

export interface SandboxJob {
  readonly region: string;
  readonly record: WireBackupJob;
}

/** A span of creation times in epoch ms, both ends excluded, as ByCreatedAfter and ByCreatedBefore take them. */
export interface CreationRange {
  after?: number;
  before?: number;
}

export interface AwsSandboxStore {
  /** The organization's accounts; the first is the management account every request acts as. */
  readonly accounts: readonly string[];
  /** The regions that hold seeded jobs; other regions start empty. */
  readonly regions: readonly string[];
  /** Every job (of one region, or of all) in the order ListBackupJobs pages through them. */
  jobs(region?: string): readonly SandboxJob[];
  job(region: string, backupJobId: string): SandboxJob | undefined;
  /** The region's jobs ListBackupJobs lists now, created within the range, oldest first. */
  created(region: string, range?: CreationRange): Iterable<SandboxJob>;
  /** How many jobs `created` yields, without building them. */
  countCreated(region: string, range?: CreationRange): number;
  /**
   * The region's jobs ListBackupJobs lists now, created at or after `since` (epoch ms), counted per
   * UTC day of creation, without building them. Two rows may share a key; their counts add up.
   */
  countDaily(region: string, since: number): DailyCount[];
}

/** How many listed jobs of one UTC day share an account, a state, a resource type and a message category. */
export interface DailyCount {
  /** The day's first millisecond (epoch ms, UTC). */
  readonly day: number;
  readonly account: string;
  readonly state: string;
  readonly resourceType: string;
  /** Absent for a job that has none (yet). */
  readonly category: string | undefined;
  readonly count: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first millisecond of the UTC day that holds `at` (epoch ms). */
export function utcDayOf(at: number): number {
  return Math.floor(at / DAY_MS) * DAY_MS;
}

/** Tallies daily counts one job at a time, keyed by what tells them apart. */
export class DailyTally {
  private readonly counts = new Map<string, { row: Omit<DailyCount, 'count'>; count: number }>();

  add(day: number, account: string, state: string, resourceType: string, category: string | undefined, count = 1): void {
    const key = JSON.stringify([day, account, state, resourceType, category ?? null]);
    const entry = this.counts.get(key);
    if (entry) entry.count += count;
    else this.counts.set(key, { row: { day, account, state, resourceType, category }, count });
  }

  addRecords(jobs: Iterable<SandboxJob>): this {
    for (const { record } of jobs) {
      this.add(utcDayOf(Math.round(record.CreationDate * 1000)), record.AccountId, record.State, record.ResourceType, record.MessageCategory);
    }
    return this;
  }

  rows(): DailyCount[] {
    return [...this.counts.values()].map(({ row, count }) => ({ ...row, count }));
  }
}

// DescribeBackupJobOutput's member order in the SDK's schema; records are built in it so that the
// JSON on the wire is stable byte for byte.
const DESCRIBE_MEMBERS = [
  'AccountId', 'BackupJobId', 'BackupVaultName', 'RecoveryPointLifecycle', 'BackupVaultArn', 'VaultType',
  'VaultLockState', 'RecoveryPointArn', 'EncryptionKeyArn', 'IsEncrypted', 'ResourceArn', 'CreationDate',
  'CompletionDate', 'State', 'StatusMessage', 'PercentDone', 'BackupSizeInBytes', 'IamRoleArn', 'CreatedBy',
  'ResourceType', 'BytesTransferred', 'ExpectedCompletionDate', 'StartBy', 'BackupOptions', 'BackupType',
  'ParentJobId', 'IsParent', 'NumberOfChildJobs', 'ChildJobsInState', 'ResourceName', 'InitiationDate',
  'MessageCategory',
] as const satisfies readonly (keyof WireBackupJob)[];

// The ListBackupJobs element (BackupJob) has every member above except the two child-job statistics.
const LIST_MEMBERS = [
  'AccountId', 'BackupJobId', 'BackupVaultName', 'BackupVaultArn', 'VaultType', 'VaultLockState',
  'RecoveryPointArn', 'RecoveryPointLifecycle', 'EncryptionKeyArn', 'IsEncrypted', 'ResourceArn', 'CreationDate',
  'CompletionDate', 'State', 'StatusMessage', 'PercentDone', 'BackupSizeInBytes', 'IamRoleArn', 'CreatedBy',
  'ExpectedCompletionDate', 'StartBy', 'ResourceType', 'BytesTransferred', 'BackupOptions', 'BackupType',
  'ParentJobId', 'IsParent', 'ResourceName', 'InitiationDate', 'MessageCategory',
] as const satisfies readonly (keyof WireBackupJob)[];

/** A frozen record with its members in the SDK's order and without undefined members. */
export function wireRecord(fields: WireBackupJob): WireBackupJob {
  return deepFreeze(pick(fields, DESCRIBE_MEMBERS)) as WireBackupJob;
}

/** The record as a ListBackupJobs element. */
export function listElement(record: WireBackupJob): Record<string, unknown> {
  return pick(record, LIST_MEMBERS);
}

function pick(source: WireBackupJob, members: readonly (keyof WireBackupJob)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const member of members) if (source[member] !== undefined) out[member] = source[member];
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A job with its place in list order. */
export interface ListedJob {
  readonly job: SandboxJob;
  readonly key: ListKey;
}

export class JobStore implements AwsSandboxStore {
  readonly accounts: readonly string[] = SANDBOX_ACCOUNTS;
  readonly regions: readonly string[] = SANDBOX_REGIONS;
  private readonly keyOf: (record: WireBackupJob) => ListKey;
  private readonly byRegion = new Map<string, ListedJob[]>();
  private readonly byId = new Map<string, SandboxJob>();

  constructor(seed: readonly SandboxJob[], order: ListOrder = DEFAULT_LIST_ORDER) {
    this.keyOf = listKeyOf(order);
    for (const job of seed) this.add(job);
  }

  /** The management account: AWS answers every sandbox request as if it came from it. */
  get caller(): string {
    return SANDBOX_ACCOUNTS[0];
  }

  add(job: SandboxJob): void {
    const listed: ListedJob = { job, key: this.keyOf(job.record) };
    const jobs = this.byRegion.get(job.region) ?? [];
    // Binary insertion keeps the region's list in list order, whatever the creation time.
    let low = 0;
    let high = jobs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareListKeys(jobs[middle]!.key, listed.key) < 0) low = middle + 1;
      else high = middle;
    }
    jobs.splice(low, 0, listed);
    this.byRegion.set(job.region, jobs);
    this.byId.set(`${job.region}/${job.record.BackupJobId}`, job);
  }

  jobs(region?: string): readonly SandboxJob[] {
    const listed =
      region !== undefined
        ? (this.byRegion.get(region) ?? [])
        : [...this.byRegion.values()].flat().sort((a, b) => compareListKeys(a.key, b.key));
    return listed.map(({ job }) => job);
  }

  job(region: string, backupJobId: string): SandboxJob | undefined {
    return this.byId.get(`${region}/${backupJobId}`);
  }

  created(region: string, range: CreationRange = {}): SandboxJob[] {
    const within = (job: SandboxJob) => {
      const at = Math.round(job.record.CreationDate * 1000);
      return (range.after === undefined || at > range.after) && (range.before === undefined || at < range.before);
    };
    return this.regionJobs(region)
      .map(({ job }) => job)
      .filter(within)
      .sort((a, b) => a.record.CreationDate - b.record.CreationDate);
  }

  countCreated(region: string, range?: CreationRange): number {
    return this.created(region, range).length;
  }

  countDaily(region: string, since: number): DailyCount[] {
    return new DailyTally().addRecords(this.created(region, { after: since - 1 })).rows();
  }

  /** The region's jobs in list order, with their keys, without a copy: callers only read it. */
  regionJobs(region: string): readonly ListedJob[] {
    return this.byRegion.get(region) ?? [];
  }
}
