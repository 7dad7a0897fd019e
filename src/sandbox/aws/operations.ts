// ListBackupJobs, ListBackupJobSummaries, DescribeBackupJob, StartBackupJob and StopBackupJob over the job store, with AWS Backup's validation rules.
import { randomUUID } from 'node:crypto';
import { accessDenied, invalidParameter, invalidRequest, missingParameter, notFound } from './errors.js';
import { startedJob, stoppedJob } from './live-jobs.js';
import { scanned, type ListFilter, type PagedJobStore } from './list-filter.js';
import type { ListKey } from './list-order.js';
import { NextTokens } from './next-token.js';
import { accountRegion, encryptionKeyFor, SPACED_RESOURCE_TYPES, type AccountRegion } from './seed.js';
import { LastAnswer, parseSummaryMaxResults, parseSummaryQuery, periodStart, summaryPage, summaryRows, type ListBackupJobSummariesAnswer, type SummaryRows } from './summaries.js';
import { BACKUP_JOB_STATES, JobStore, listElement, wireRecord, type DailyCount, type SandboxJob, type WireBackupJob, type WireLifecycle } from './store.js';

/** The operations the sandbox answers: these here, the records jobs point at in records.ts, and Account Management's ListRegions in account.ts. */
export const OPERATIONS = ['ListBackupJobs', 'ListBackupJobSummaries', 'DescribeBackupJob', 'StartBackupJob', 'StopBackupJob', 'DescribeRecoveryPoint', 'GetBackupPlan', 'DescribeBackupVault', 'ListRegions'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/**
 * Whether DescribeBackupJob answers for a job of another account of the organization. AWS
 * documents the organization-wide reach for ListBackupJobs only; 'deny' refuses such a job as AWS
 * refuses a resource the caller has no access to.
 */
export const CROSS_ACCOUNT_DESCRIBE = ['allow', 'deny'] as const;
export type CrossAccountDescribe = (typeof CROSS_ACCOUNT_DESCRIBE)[number];

/** The cross-account Describe policy a sandbox has unless told otherwise. */
export const DEFAULT_CROSS_ACCOUNT_DESCRIBE: CrossAccountDescribe = 'deny';

/** Who is asking, and where: the account is always the management account, the region comes from the signature. */
export interface Caller {
  account: string;
  region: string;
}

export interface ListBackupJobsAnswer {
  BackupJobs: Record<string, unknown>[];
  NextToken?: string;
}

export interface StartBackupJobAnswer {
  BackupJobId: string;
  RecoveryPointArn?: string;
  CreationDate: number;
  IsParent: boolean;
}

const MAX_RESULTS = 1000;
const MAX_WINDOW_MINUTES = 52_560_000;
const MAX_LIFECYCLE_DAYS = 36_500;
const STATES: ReadonlySet<string> = new Set(BACKUP_JOB_STATES);
const SPACED_TYPES: ReadonlySet<string> = new Set(SPACED_RESOURCE_TYPES);
const STOPPABLE_STATES: ReadonlySet<string> = new Set(['CREATED', 'PENDING', 'RUNNING']);
/** The resource types StopBackupJob's API reference says it does not support, of those the sandbox knows. */
const UNSTOPPABLE_TYPES: ReadonlySet<string> = new Set(['Aurora', 'FSx', 'RDS', 'SAP HANA on Amazon EC2']);

export class BackupOperations {
  private readonly tokens = new NextTokens();
  private readonly environments = new Map<string, AccountRegion>();
  private readonly idempotent = new Map<string, SandboxJob>();
  // The pages of one query at one instant (a frozen clock's) share their rows, and the queries of
  // one period at one instant their counts: a large organization is counted once, not per page.
  private readonly dailyCounts = new LastAnswer<DailyCount[]>();
  private readonly summaryRows = new LastAnswer<SummaryRows>();

  private readonly store: PagedJobStore;
  private readonly clock: () => number;
  private readonly crossAccountDescribe: CrossAccountDescribe;

  constructor(store: JobStore | PagedJobStore, options: { clock?: () => number; crossAccountDescribe?: CrossAccountDescribe } = {}) {
    this.store = store instanceof JobStore ? scanned(store) : store;
    this.clock = options.clock ?? Date.now;
    this.crossAccountDescribe = options.crossAccountDescribe ?? DEFAULT_CROSS_ACCOUNT_DESCRIBE;
  }

  list(caller: Caller, query: URLSearchParams): ListBackupJobsAnswer {
    const maxResults = parseMaxResults(query.get('maxResults'));
    const filter = parseListFilter(caller, query);
    const scope = JSON.stringify([caller.region, filter]);
    const token = query.get('nextToken');
    let after: ListKey | undefined;
    if (token !== null && token !== '') {
      after = this.tokens.read(token, scope);
      if (!after) throw invalidParameter('The NextToken is not valid: it was not issued for a request with these parameters.', 'NextToken');
    }

    const page = this.store.page(caller.region, filter, after, maxResults);
    return {
      BackupJobs: page.records.map(listElement),
      ...(page.next ? { NextToken: this.tokens.issue(scope, page.next) } : {}),
    };
  }

  /** Counts of the jobs `list` lists now, by UTC day of creation: exact at the time of the call. */
  summaries(caller: Caller, query: URLSearchParams): ListBackupJobSummariesAnswer {
    const maxResults = parseSummaryMaxResults(query.get('MaxResults'));
    const summary = parseSummaryQuery(query, caller.account);
    const now = this.clock();
    const scope = JSON.stringify(['summaries', caller.region, summary]);
    const since = periodStart(summary.period, now);
    const rows = this.summaryRows.get(JSON.stringify([scope, now]), () => {
      const counts = this.dailyCounts.get(JSON.stringify([caller.region, since, now]), () => this.store.countDaily(caller.region, since));
      return summaryRows(counts, caller.region, summary, now);
    });
    return summaryPage(rows, summary, { nextToken: query.get('NextToken'), maxResults, scope, tokens: this.tokens });
  }

  describe(caller: Caller, backupJobId: string): WireBackupJob {
    return this.ownJob(caller, backupJobId, 'DescribeBackupJob').record;
  }

  /**
   * Stops a job that has not finished: it is ABORTING, then ABORTED. AWS stops a job only while it
   * is CREATED, PENDING or RUNNING, and not for the resource types its API reference lists.
   */
  stop(caller: Caller, backupJobId: string): Record<string, never> {
    if (backupJobId === '') throw missingParameter('BackupJobId');
    const job = this.ownJob(caller, backupJobId, 'StopBackupJob');
    const { State, ResourceType } = job.record;
    if (!STOPPABLE_STATES.has(State)) {
      throw invalidRequest(`Backup job ${backupJobId} is ${State}; only a job that is CREATED, PENDING or RUNNING can be stopped.`, backupJobId);
    }
    if (UNSTOPPABLE_TYPES.has(ResourceType)) throw invalidRequest(`StopBackupJob is not supported for resource type ${ResourceType}.`, backupJobId);
    if (!this.store.replace(stoppedJob(job, this.clock(), this.clock))) {
      throw invalidRequest(`Backup job ${backupJobId} is a generated job of the large organization, whose life is fixed; stop a job StartBackupJob created.`, backupJobId);
    }
    return {};
  }

  /** A job of the caller's Region, refused as AWS refuses it when it belongs to another account and the sandbox says so. */
  private ownJob(caller: Caller, backupJobId: string, operation: string): SandboxJob {
    const job = this.store.job(caller.region, backupJobId);
    if (!job) throw notFound(`Cannot find a backup job with the ID ${backupJobId} in ${caller.region}.`, backupJobId);
    if (this.crossAccountDescribe === 'deny' && job.record.AccountId !== caller.account) {
      throw accessDenied(
        `User: arn:aws:iam::${caller.account}:root is not authorized to perform: backup:${operation} on backup job ${backupJobId} of account ${job.record.AccountId}`,
      );
    }
    return job;
  }

  start(caller: Caller, body: unknown): StartBackupJobAnswer {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidParameter('The request body must be a JSON object.');
    const input = body as Record<string, unknown>;
    const vaultName = requiredString(input, 'BackupVaultName');
    const resourceArn = requiredString(input, 'ResourceArn');
    const roleArn = requiredString(input, 'IamRoleArn');
    const idempotencyToken = optionalString(input, 'IdempotencyToken');

    const env = this.environment(caller);
    if (!/^[a-zA-Z0-9\-_]{2,50}$/.test(vaultName)) throw invalidParameter(`Invalid backup vault name: ${vaultName}`, 'BackupVaultName');
    const vault = env.vaults.get(vaultName);
    if (!vault) throw notFound(`Backup vault ${vaultName} does not exist in account ${caller.account} in ${caller.region}.`, vaultName);
    const resource = resourceOf(resourceArn, caller);
    if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) throw invalidParameter(`Invalid IAM role ARN: ${roleArn}`, 'IamRoleArn');
    const startWindow = windowMinutes(input, 'StartWindowMinutes', 60, 480);
    const completeWindow = windowMinutes(input, 'CompleteWindowMinutes', 1, 10_080);
    const lifecycle = parseLifecycle(input.Lifecycle);
    const backupOptions = parseBackupOptions(input.BackupOptions, resource.type);

    const key = idempotencyToken === undefined ? undefined : `${caller.account}/${caller.region}/${idempotencyToken}`;
    const earlier = key === undefined ? undefined : this.idempotent.get(key);
    if (earlier) return startAnswer(earlier.record);

    const createdAt = this.clock();
    const isParent = resource.type === 'CloudFormation';
    const record = wireRecord({
      AccountId: caller.account,
      BackupJobId: randomUUID().toUpperCase(),
      BackupVaultName: vault.name,
      ...(lifecycle ? { RecoveryPointLifecycle: lifecycle } : {}),
      BackupVaultArn: vault.arn,
      VaultType: vault.type,
      ...(vault.lockState ? { VaultLockState: vault.lockState } : {}),
      // AWS names the recovery point up front only for EFS and DynamoDB (see StartBackupJobOutput).
      ...(resource.type === 'EFS' || resource.type === 'DynamoDB'
        ? { RecoveryPointArn: `arn:aws:backup:${caller.region}:${caller.account}:recovery-point:${randomUUID().toUpperCase()}` }
        : {}),
      EncryptionKeyArn: encryptionKeyFor(resource.type, vault, env),
      IsEncrypted: true,
      ResourceArn: resourceArn,
      CreationDate: createdAt / 1000,
      State: 'CREATED',
      PercentDone: '0.0',
      BackupSizeInBytes: 0,
      IamRoleArn: roleArn,
      ResourceType: resource.type,
      BytesTransferred: 0,
      ExpectedCompletionDate: (createdAt + completeWindow * 60_000) / 1000,
      StartBy: (createdAt + startWindow * 60_000) / 1000,
      ...(backupOptions ? { BackupOptions: backupOptions } : {}),
      IsParent: isParent,
      ...(isParent ? { NumberOfChildJobs: 0, ChildJobsInState: {} } : {}),
      ResourceName: resource.name,
      InitiationDate: createdAt / 1000,
    });
    const job = startedJob(caller.region, record, this.clock);
    this.store.add(job);
    if (key !== undefined) this.idempotent.set(key, job);
    return startAnswer(record);
  }

  private environment(caller: Caller): AccountRegion {
    const key = `${caller.account}/${caller.region}`;
    let env = this.environments.get(key);
    if (!env) {
      env = accountRegion(caller.account, caller.region);
      this.environments.set(key, env);
    }
    return env;
  }
}

function startAnswer(record: WireBackupJob): StartBackupJobAnswer {
  return {
    BackupJobId: record.BackupJobId,
    ...(record.RecoveryPointArn ? { RecoveryPointArn: record.RecoveryPointArn } : {}),
    CreationDate: record.CreationDate,
    IsParent: record.IsParent,
  };
}

// ---- ListBackupJobs ----------------------------------------------------------------------------

function parseMaxResults(value: string | null): number {
  if (value === null) return MAX_RESULTS;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= MAX_RESULTS)) throw invalidParameter(`MaxResults must be an integer from 1 to ${MAX_RESULTS}; got '${value}'.`, 'MaxResults');
  return n;
}

function parseListFilter(caller: Caller, query: URLSearchParams): ListFilter {
  const text = (name: string) => {
    const value = query.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const time = (name: string) => {
    const value = text(name);
    return value === undefined ? undefined : parseTimestamp(value, name);
  };

  const accountId = text('accountId');
  if (accountId !== undefined && accountId !== '*' && !/^\d{12}$/.test(accountId)) {
    throw invalidParameter(`ByAccountId must be a 12-digit account ID or '*'; got '${accountId}'.`, 'ByAccountId');
  }
  const state = text('state');
  if (state !== undefined && !STATES.has(state)) {
    throw invalidParameter(`ByState '${state}' is not one of ${BACKUP_JOB_STATES.join(', ')}.`, 'ByState');
  }
  // The patterns of the ListBackupJobs API reference.
  const backupVaultName = text('backupVaultName');
  if (backupVaultName !== undefined && !/^[a-zA-Z0-9\-_]{2,50}$/.test(backupVaultName)) {
    throw invalidParameter(`ByBackupVaultName '${backupVaultName}' must match ^[a-zA-Z0-9\\-\\_]{2,50}$.`, 'ByBackupVaultName');
  }
  // The model's pattern, and the names with spaces the same API reference lists as values: AWS
  // accepts its own resource type names, whatever the pattern says.
  const resourceType = text('resourceType');
  if (resourceType !== undefined && !SPACED_TYPES.has(resourceType) && !/^[a-zA-Z0-9\-_.]{1,50}$/.test(resourceType)) {
    throw invalidParameter(
      `ByResourceType '${resourceType}' must match ^[a-zA-Z0-9\\-\\_\\.]{1,50}$ or be one of ${SPACED_RESOURCE_TYPES.join(', ')}.`,
      'ByResourceType',
    );
  }
  const filter: ListFilter = {
    // Without accountId, AWS answers with the caller's own jobs only, even in a management account.
    account: accountId === '*' ? undefined : (accountId ?? caller.account),
    resourceArn: text('resourceArn'),
    state,
    backupVaultName,
    createdBefore: time('createdBefore'),
    createdAfter: time('createdAfter'),
    resourceType,
    completeAfter: time('completeAfter'),
    completeBefore: time('completeBefore'),
    parentJobId: text('parentJobId'),
    messageCategory: text('messageCategory'),
  };
  return filter;
}

const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 date-time as the SDK sends it ("2026-10-20T00:00:00Z", ".123Z" when it has milliseconds). */
function parseTimestamp(value: string, parameter: string): number {
  const match = ISO_8601.exec(value);
  const invalid = () => invalidParameter(`${parameter} '${value}' is not an ISO 8601 date-time such as 2026-10-20T00:00:00Z.`, parameter);
  if (!match) throw invalid();
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  const local = Date.UTC(y, mo - 1, d, h, mi, s, Number(fraction.padEnd(3, '0').slice(0, 3)));
  const date = new Date(local);
  // Date.UTC rolls 2026-02-30 over into March; AWS rejects it, and so does the sandbox.
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw invalid();
  if (zone === 'Z') return local;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
  return local - sign * offsetMinutes * 60_000;
}

// ---- StartBackupJob ----------------------------------------------------------------------------

function requiredString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (value === undefined || value === null || value === '') throw missingParameter(member);
  if (typeof value !== 'string') throw invalidParameter(`${member} must be a string.`, member);
  return value;
}

function optionalString(input: Record<string, unknown>, member: string): string | undefined {
  const value = input[member];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalidParameter(`${member} must be a string.`, member);
  return value;
}

function windowMinutes(input: Record<string, unknown>, member: string, min: number, fallback: number): number {
  const value = input[member];
  if (value === undefined || value === null) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > MAX_WINDOW_MINUTES) {
    throw invalidParameter(`${member} must be an integer from ${min} to ${MAX_WINDOW_MINUTES}.`, member);
  }
  return value as number;
}

function parseLifecycle(value: unknown): WireLifecycle | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalidParameter('Lifecycle must be an object.', 'Lifecycle');
  const { MoveToColdStorageAfterDays: cold, DeleteAfterDays: deleteAfter, OptInToArchiveForSupportedResources: archive, DeleteAfterEvent: event } =
    value as Record<string, unknown>;
  const days = (member: string, n: unknown) => {
    if (n === undefined) return undefined;
    if (!Number.isInteger(n) || (n as number) < 1 || (n as number) > MAX_LIFECYCLE_DAYS) {
      throw invalidParameter(`Lifecycle.${member} must be an integer from 1 to ${MAX_LIFECYCLE_DAYS}.`, `Lifecycle.${member}`);
    }
    return n as number;
  };
  const coldDays = days('MoveToColdStorageAfterDays', cold);
  const deleteDays = days('DeleteAfterDays', deleteAfter);
  if (event !== undefined) throw invalidParameter('Lifecycle.DeleteAfterEvent is set by AWS Backup and is not valid as an input.', 'Lifecycle.DeleteAfterEvent');
  if (archive !== undefined && typeof archive !== 'boolean') {
    throw invalidParameter('Lifecycle.OptInToArchiveForSupportedResources must be a boolean.', 'Lifecycle.OptInToArchiveForSupportedResources');
  }
  if (coldDays !== undefined && deleteDays !== undefined && deleteDays < coldDays + 90) {
    throw invalidParameter('Lifecycle.DeleteAfterDays must be at least 90 days greater than MoveToColdStorageAfterDays.', 'Lifecycle.DeleteAfterDays');
  }
  return {
    ...(coldDays !== undefined ? { MoveToColdStorageAfterDays: coldDays } : {}),
    ...(deleteDays !== undefined ? { DeleteAfterDays: deleteDays } : {}),
    ...(archive !== undefined ? { OptInToArchiveForSupportedResources: archive } : {}),
  };
}

function parseBackupOptions(value: unknown, resourceType: string): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  const entries = typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : undefined;
  const valid = entries?.every(([key, option]) => key === 'WindowsVSS' && (option === 'enabled' || option === 'disabled'));
  if (!entries || !valid) throw invalidParameter('BackupOptions accepts only {"WindowsVSS": "enabled" | "disabled"}.', 'BackupOptions');
  if (resourceType !== 'EC2') throw invalidParameter('BackupOptions (Windows VSS) apply to EC2 instances only.', 'BackupOptions');
  return Object.fromEntries(entries) as Record<string, string>;
}

const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;

/** The resource type AWS Backup derives from an ARN, and a name for it (the sandbox knows no tags). */
function resourceOf(arn: string, caller: Caller): { type: string; name: string } {
  const match = ARN.exec(arn);
  if (!match) throw invalidParameter(`Invalid ARN: ${arn}`, 'ResourceArn');
  const [, service, region, account, resource = ''] = match;
  const [kind = '', ...path] = resource.split(/[/:]/);
  const found = ((): { type: string; name: string } | undefined => {
    const name = path[0] ?? '';
    if (service === 's3' && !region && !account && !resource.includes('/')) return { type: 'S3', name: resource };
    if (service === 'ec2' && kind === 'volume') return { type: 'EBS', name };
    if (service === 'ec2' && kind === 'instance') return { type: 'EC2', name };
    if (service === 'rds' && kind === 'db') return { type: 'RDS', name };
    if (service === 'rds' && kind === 'cluster') return { type: 'Aurora', name };
    if (service === 'dynamodb' && kind === 'table') return { type: 'DynamoDB', name };
    if (service === 'elasticfilesystem' && kind === 'file-system') return { type: 'EFS', name };
    if (service === 'fsx' && kind === 'file-system') return { type: 'FSx', name };
    if (service === 'cloudformation' && kind === 'stack') return { type: 'CloudFormation', name };
    return undefined;
  })();
  if (!found || !found.name) throw invalidParameter(`The resource ${arn} is not of a type AWS Backup supports in this sandbox.`, 'ResourceArn');
  if (found.type !== 'S3' && (region !== caller.region || account !== caller.account)) {
    throw invalidParameter(`The resource ${arn} is not in account ${caller.account} in ${caller.region}.`, 'ResourceArn');
  }
  return found;
}
