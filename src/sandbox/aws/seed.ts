// Deterministic AWS Backup jobs for the sandbox organization: the same anchor time yields byte-identical records.
import {
  SANDBOX_ACCOUNTS,
  SANDBOX_REGIONS,
  wireRecord,
  type BackupJobState,
  type SandboxJob,
  type WireBackupJob,
  type WireLifecycle,
  type WireRecoveryPointCreator,
} from './store.js';
import { Rng } from './rng.js';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
const HISTORY_DAYS = 29;
/**
 * 2 accounts x 2 regions x (160 + the 5 of spacedTypeRecords) = 660 jobs, the number the README
 * promises.
 */
const JOBS_PER_ACCOUNT_REGION = 160;
const GIB = 2 ** 30;
const TIB = 2 ** 40;

// ---- the organization's resources, vaults and plans --------------------------------------------

export type VaultName = 'Default' | 'prod-backup-vault' | 'compliance-vault' | 'airgapped-vault';

export interface Vault {
  name: VaultName;
  arn: string;
  type: WireBackupJob['VaultType'];
  lockState?: WireBackupJob['VaultLockState'];
  keyArn: string;
}

/** What an account has in a region before any job runs: vaults, KMS keys, roles. */
export interface AccountRegion {
  account: string;
  region: string;
  vaults: ReadonlyMap<string, Vault>;
  /** The AWS managed keys EBS, RDS and FSx encrypt with; their backups keep the source's key. */
  serviceKeys: { ebs: string; rds: string; fsx: string };
  defaultRoleArn: string;
}

export function accountRegion(account: string, region: string): AccountRegion {
  const rng = new Rng(`vaults/${account}/${region}`);
  const key = () => `arn:aws:kms:${region}:${account}:key/${rng.uuid()}`;
  const vault = (name: VaultName, type: Vault['type'] = 'BACKUP_VAULT', lockState?: Vault['lockState']): Vault => ({
    name,
    arn: `arn:aws:backup:${region}:${account}:backup-vault:${name}`,
    type,
    ...(lockState ? { lockState } : {}),
    keyArn: key(),
  });
  const vaults = [
    vault('Default'),
    vault('prod-backup-vault'),
    vault('compliance-vault'),
    vault('airgapped-vault', 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT', 'LOCKED'),
  ];
  return {
    account,
    region,
    vaults: new Map(vaults.map((v) => [v.name, v])),
    serviceKeys: { ebs: key(), rds: key(), fsx: key() },
    defaultRoleArn: `arn:aws:iam::${account}:role/service-role/AWSBackupDefaultServiceRole`,
  };
}

/**
 * Resource types whose AWS names hold spaces. The ListBackupJobs API reference lists them among the
 * ByResourceType values, although the model's pattern for that member allows no space.
 */
export const SPACED_RESOURCE_TYPES = ['SAP HANA on Amazon EC2', 'Storage Gateway'] as const;

type ResourceType = 'EBS' | 'EC2' | 'RDS' | 'Aurora' | 'EFS' | 'DynamoDB' | 'S3' | 'FSx' | 'CloudFormation' | (typeof SPACED_RESOURCE_TYPES)[number];

export interface Resource {
  type: ResourceType;
  name: string;
  arn: string;
  /** BackupSizeInBytes of a full backup; 0 where AWS reports none (RDS, Aurora, FSx). */
  sizeBytes: number;
  /** Share of sizeBytes an incremental backup transfers. */
  changeRate: readonly [number, number];
  /** How long a backup runs, in minutes. */
  minutes: readonly [number, number];
  windows?: boolean;
  children?: Resource[];
}

interface Plan {
  id: string;
  arn: string;
  name: string;
  version: string;
}

export interface Rule {
  plan: Plan;
  id: string;
  name: string;
  minute: number;
  hour: number;
  /** AWS cron day of week (SUN, MON, ...); every day when absent. */
  weekday?: 'SUN' | 'SAT';
  timezone: string;
  startWindowMinutes: number;
  completionWindowMinutes: number;
  vault: VaultName;
  lifecycle?: WireLifecycle;
  roleArn?: string;
  resources: Resource[];
}

const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

export function cronOf(rule: Rule): string {
  return `cron(${rule.minute} ${rule.hour} ? * ${rule.weekday ?? '*'} *)`;
}

/** The names an account's resources are built from. */
export interface Workload {
  prefix: string;
  db: string;
  aurora: string;
  table: string;
  stack: string;
  stackTables: [string, string];
}

/** The two accounts run different workloads, so that their jobs are told apart at a glance. */
const WORKLOADS: Record<string, Workload> = {
  '111122223333': { prefix: 'acme-prod', db: 'orders-db', aurora: 'payments-aurora', table: 'customer-profiles', stack: 'orders-service', stackTables: ['orders', 'order-events'] },
  '444455556666': { prefix: 'acme-data', db: 'warehouse-db', aurora: 'reporting-aurora', table: 'ingest-checkpoints', stack: 'ingest-pipeline', stackTables: ['ingest-jobs', 'ingest-offsets'] },
};

interface Inventory {
  /** Every backed-up resource that is not a stack or part of one, for on-demand jobs. */
  standalone: Resource[];
  rules: Rule[];
}

function backupPlan(rng: Rng, env: AccountRegion, name: string): Plan {
  const id = rng.uuid();
  return { id, arn: `arn:aws:backup:${env.region}:${env.account}:backup-plan:${id}`, name, version: Buffer.from(rng.uuid()).toString('base64') };
}

/** The Region's time zone, in which its plans' daily rules fire. */
function localZone(region: string): string {
  if (region.startsWith('eu-')) return 'Europe/Berlin';
  if (region.startsWith('ap-')) return 'Asia/Singapore';
  if (region.startsWith('sa-')) return 'America/Sao_Paulo';
  return 'America/New_York';
}

function workloadOf(account: string): Workload {
  const workload = WORKLOADS[account];
  if (!workload) throw new Error(`No sandbox workload for account ${account}`);
  return workload;
}

/** What an account backs up in a Region, and the plans that do it (the stack rule last). */
export function inventory(env: AccountRegion, rng: Rng, workload: Workload = workloadOf(env.account)): Inventory {
  const { account, region } = env;
  const ec2 = (kind: string, id: string) => `arn:aws:ec2:${region}:${account}:${kind}/${id}`;

  const appData: Resource = { type: 'EBS', name: 'app-data', arn: ec2('volume', `vol-0${rng.hex(16)}`), sizeBytes: 500 * GIB, changeRate: [0.01, 0.06], minutes: [6, 40] };
  const scratch: Resource = { type: 'EBS', name: 'analytics-scratch', arn: ec2('volume', `vol-0${rng.hex(16)}`), sizeBytes: 2 * TIB, changeRate: [0.02, 0.08], minutes: [60, 240] };
  const fileServer: Resource = { type: 'EC2', name: 'win-fileserver-01', arn: ec2('instance', `i-0${rng.hex(16)}`), sizeBytes: 1.25 * TIB, changeRate: [0.01, 0.05], minutes: [40, 180], windows: true };
  const db: Resource = { type: 'RDS', name: workload.db, arn: `arn:aws:rds:${region}:${account}:db:${workload.db}`, sizeBytes: 0, changeRate: [0, 0], minutes: [5, 35] };
  const aurora: Resource = { type: 'Aurora', name: workload.aurora, arn: `arn:aws:rds:${region}:${account}:cluster:${workload.aurora}`, sizeBytes: 0, changeRate: [0, 0], minutes: [4, 20] };
  const home: Resource = { type: 'EFS', name: 'shared-home', arn: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0${rng.hex(16)}`, sizeBytes: 180 * GIB, changeRate: [0.002, 0.02], minutes: [15, 90] };
  const media: Resource = { type: 'EFS', name: 'media-archive', arn: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0${rng.hex(16)}`, sizeBytes: 3.5 * TIB, changeRate: [0.01, 0.03], minutes: [90, 300] };
  const shares: Resource = { type: 'FSx', name: 'corp-shares', arn: `arn:aws:fsx:${region}:${account}:file-system/fs-0${rng.hex(16)}`, sizeBytes: 0, changeRate: [0, 0], minutes: [10, 60] };
  const bucketName = `${workload.prefix}-assets-${region}`;
  const bucket: Resource = { type: 'S3', name: bucketName, arn: `arn:aws:s3:::${bucketName}`, sizeBytes: 740 * GIB, changeRate: [0.005, 0.03], minutes: [20, 150] };
  const table: Resource = { type: 'DynamoDB', name: workload.table, arn: `arn:aws:dynamodb:${region}:${account}:table/${workload.table}`, sizeBytes: 38 * GIB, changeRate: [1, 1], minutes: [2, 15] };

  const stackMembers: Resource[] = [
    ...workload.stackTables.map((name) => ({ type: 'DynamoDB' as const, name, arn: `arn:aws:dynamodb:${region}:${account}:table/${name}`, sizeBytes: rng.int(2, 90) * GIB, changeRate: [1, 1] as const, minutes: [2, 12] as const })),
    { type: 'EBS', name: `${workload.stack}-worker-data`, arn: ec2('volume', `vol-0${rng.hex(16)}`), sizeBytes: 200 * GIB, changeRate: [0.01, 0.05], minutes: [5, 30] },
    { type: 'S3', name: `${workload.prefix}-${workload.stack}-exports`, arn: `arn:aws:s3:::${workload.prefix}-${workload.stack}-exports`, sizeBytes: 64 * GIB, changeRate: [0.01, 0.1], minutes: [5, 45] },
    { type: 'EFS', name: `${workload.stack}-cache`, arn: `arn:aws:elasticfilesystem:${region}:${account}:file-system/fs-0${rng.hex(16)}`, sizeBytes: 20 * GIB, changeRate: [0.01, 0.05], minutes: [5, 30] },
  ];
  // Each account and region runs a stack of a different size, so composite jobs have 2 to 5 children.
  const stack: Resource = {
    type: 'CloudFormation',
    name: workload.stack,
    arn: `arn:aws:cloudformation:${region}:${account}:stack/${workload.stack}/${rng.uuid()}`,
    sizeBytes: 0,
    changeRate: [0, 0],
    minutes: [1, 3],
    children: stackMembers.slice(0, rng.int(2, 5)),
  };

  const daily = backupPlan(rng, env, 'daily-35d-retention');
  const weekly = backupPlan(rng, env, 'weekly-cold-and-airgap');
  const stackPlan = backupPlan(rng, env, `${workload.stack}-stack`);
  const zone = localZone(region);

  const rules: Rule[] = [
    {
      plan: daily, id: rng.uuid(), name: 'DailyBackups', minute: 0, hour: 5, timezone: zone,
      startWindowMinutes: 60, completionWindowMinutes: 1440, vault: 'prod-backup-vault',
      lifecycle: { DeleteAfterDays: 35 },
      resources: [appData, db],
    },
    {
      // Staged in a standard vault and deleted once copied to the air-gapped vault.
      plan: daily, id: rng.uuid(), name: 'NightlyToAirGap', minute: 0, hour: 1, timezone: zone,
      startWindowMinutes: 120, completionWindowMinutes: 720, vault: 'Default',
      lifecycle: { DeleteAfterDays: 7, DeleteAfterEvent: 'DELETE_AFTER_COPY' },
      resources: [home],
    },
    {
      plan: weekly, id: rng.uuid(), name: 'WeeklyColdStorage', minute: 0, hour: 3, weekday: 'SUN', timezone: 'UTC',
      startWindowMinutes: 480, completionWindowMinutes: 10080, vault: 'compliance-vault',
      lifecycle: { MoveToColdStorageAfterDays: 30, DeleteAfterDays: 365, OptInToArchiveForSupportedResources: true },
      resources: [scratch, media, fileServer],
    },
    {
      plan: weekly, id: rng.uuid(), name: 'WeeklyAirGapped', minute: 30, hour: 3, weekday: 'SUN', timezone: 'UTC',
      startWindowMinutes: 480, completionWindowMinutes: 10080, vault: 'airgapped-vault',
      lifecycle: { DeleteAfterDays: 90 },
      resources: [aurora, shares, bucket],
    },
    {
      plan: stackPlan, id: rng.uuid(), name: 'WeeklyStack', minute: 30, hour: 1, weekday: 'SAT', timezone: 'UTC',
      startWindowMinutes: 60, completionWindowMinutes: 4320, vault: 'prod-backup-vault',
      lifecycle: { MoveToColdStorageAfterDays: 7, DeleteAfterDays: 97 },
      roleArn: `arn:aws:iam::${account}:role/AWSBackupCloudFormationRole`,
      resources: [stack],
    },
  ];
  return { standalone: [appData, scratch, fileServer, db, aurora, home, media, shares, bucket, table], rules };
}

// ---- schedules ---------------------------------------------------------------------------------

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zonedParts(ms: number, timeZone: string): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    const numeric = 'numeric';
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: numeric,
      month: numeric,
      day: numeric,
      hour: numeric,
      minute: numeric,
      second: numeric,
    });
    zoneFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(ms).map((part) => [part.type, Number(part.value)]));
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!, second: parts.second! };
}

/** UTC milliseconds of a wall-clock time in a time zone, right across daylight-saving changes. */
function zonedTime(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const offsetAt = (ms: number) => {
    const p = zonedParts(ms, timeZone);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
  };
  return wall - offsetAt(wall - offsetAt(wall));
}

/** When the rule fired in the history window, oldest first. */
function occurrences(rule: Rule, anchor: number): number[] {
  const from = anchor - HISTORY_DAYS * DAY;
  // Leaves room for the creation jitter, so that no job is created at or after the anchor.
  const until = anchor - 15 * MINUTE;
  const seen = new Set<string>();
  const times: number[] = [];
  for (let back = HISTORY_DAYS + 1; back >= 0; back--) {
    const { year, month, day } = zonedParts(anchor - back * DAY, rule.timezone);
    const key = `${year}-${month}-${day}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (rule.weekday && WEEKDAYS[new Date(Date.UTC(year, month - 1, day)).getUTCDay()] !== rule.weekday) continue;
    const at = zonedTime(year, month, day, rule.hour, rule.minute, rule.timezone);
    if (at >= from && at < until) times.push(at);
  }
  return times;
}

// ---- jobs --------------------------------------------------------------------------------------

export type Outcome =
  | { state: 'COMPLETED'; issue?: Issue }
  | { state: 'FAILED'; issue: Issue; at: number }
  | { state: 'ABORTED'; at: number }
  | { state: 'EXPIRED' };

interface Issue {
  category: string;
  message: string;
}

/** A job before it is written out: its timeline, and its fate once the anchor has passed its end. */
export interface Draft {
  id: string;
  resource: Resource;
  rule?: Rule;
  vault: Vault;
  roleArn: string;
  lifecycle?: WireLifecycle;
  initiatedAt: number;
  createdAt: number;
  startedAt: number;
  endsAt: number;
  startBy: number;
  expectedCompletion: number;
  transferBytes: number;
  /** In-flight state forced on the jobs created just before the anchor. */
  forced?: 'CREATED' | 'PENDING' | 'RUNNING' | 'ABORTING';
  outcome?: Outcome;
  parent?: Draft;
  children?: Draft[];
}

interface JobSetup {
  rule?: Rule;
  vault: VaultName;
  lifecycle?: WireLifecycle;
  startWindowMinutes: number;
  completionWindowMinutes: number;
  roleArn?: string;
}

export function draftJob(
  rng: Rng,
  env: AccountRegion,
  resource: Resource,
  initiatedAt: number,
  createdAt: number,
  setup: JobSetup,
  /** An id of the caller's; without one, the job draws a random one. */
  id?: string,
): Draft {
  const startedAt = createdAt + rng.int(1, 20) * MINUTE + rng.int(0, 59_999);
  // Now and then a full backup instead of an incremental one.
  const [low, high] = resource.changeRate;
  const share = rng.chance(0.04) ? 1 : low + rng.next() * (high - low);
  return {
    id: id ?? rng.uuid().toUpperCase(),
    resource,
    ...(setup.rule ? { rule: setup.rule } : {}),
    vault: env.vaults.get(setup.vault)!,
    roleArn: setup.roleArn ?? env.defaultRoleArn,
    ...(setup.lifecycle ? { lifecycle: setup.lifecycle } : {}),
    initiatedAt,
    createdAt,
    startedAt,
    endsAt: startedAt + rng.int(resource.minutes[0], resource.minutes[1]) * MINUTE + rng.int(0, 59_999),
    startBy: initiatedAt + setup.startWindowMinutes * MINUTE,
    expectedCompletion: initiatedAt + setup.completionWindowMinutes * MINUTE,
    transferBytes: Math.round(resource.sizeBytes * share),
  };
}

/** How a rule's jobs are set up: its vault, windows, lifecycle and role. */
export function setupOf(rule: Rule): JobSetup {
  return {
    rule,
    vault: rule.vault,
    startWindowMinutes: rule.startWindowMinutes,
    completionWindowMinutes: rule.completionWindowMinutes,
    ...(rule.lifecycle ? { lifecycle: rule.lifecycle } : {}),
    ...(rule.roleArn ? { roleArn: rule.roleArn } : {}),
  };
}

function planDrafts(rng: Rng, env: AccountRegion, rules: Rule[], anchor: number): Draft[] {
  const drafts: Draft[] = [];
  for (const rule of rules) {
    const setup = setupOf(rule);
    for (const at of occurrences(rule, anchor)) {
      for (const resource of rule.resources) {
        const createdAt = at + rng.int(0, 240) * 1000 + rng.int(0, 999);
        const draft = draftJob(rng, env, resource, at, createdAt, setup);
        drafts.push(draft);
        if (!resource.children) continue;
        // A composite job starts its children within seconds and ends when the last of them does.
        draft.children = resource.children.map((child) => {
          const childDraft = draftJob(rng, env, child, at, draft.createdAt + rng.int(2_000, 30_000), setup);
          childDraft.parent = draft;
          return childDraft;
        });
        draft.startedAt = Math.min(...draft.children.map((c) => c.startedAt));
        draft.endsAt = Math.max(...draft.children.map((c) => c.endsAt)) + rng.int(5_000, 90_000);
      }
    }
  }
  return drafts;
}

function onDemandDrafts(rng: Rng, env: AccountRegion, resources: Resource[], count: number, anchor: number): Draft[] {
  const drafts: Draft[] = [];
  const window = { startWindowMinutes: 480, completionWindowMinutes: 10080 };
  const byType = (type: ResourceType) => {
    const found = resources.find((r) => r.type === type);
    if (!found) throw new Error(`The sandbox inventory has no ${type} resource`);
    return found;
  };
  // The newest jobs of every account and region are still in flight, one in each in-flight state.
  const recent: [NonNullable<Draft['forced']>, Resource, number][] = [
    ['RUNNING', byType('EBS'), 80],
    ['ABORTING', byType('S3'), 45],
    ['PENDING', byType('RDS'), 16],
    ['CREATED', byType('DynamoDB'), 3],
  ];
  for (const [state, resource, minutesAgo] of recent) {
    const createdAt = anchor - minutesAgo * MINUTE + rng.int(0, 59_999);
    const draft = draftJob(rng, env, resource, createdAt, createdAt, { vault: 'Default', ...window });
    draft.forced = state;
    if (state === 'RUNNING' || state === 'ABORTING') {
      draft.startedAt = createdAt + rng.int(1, 5) * MINUTE;
      draft.endsAt = anchor + rng.int(30, 180) * MINUTE;
    } else {
      draft.startedAt = anchor + rng.int(1, 30) * MINUTE;
      draft.endsAt = draft.startedAt + rng.int(resource.minutes[0], resource.minutes[1]) * MINUTE;
    }
    drafts.push(draft);
  }
  while (drafts.length < count) {
    // Spread over the history window, in UTC working hours, clear of the in-flight jobs above.
    const day = anchor - rng.int(1, HISTORY_DAYS - 1) * DAY;
    const createdAt = Math.floor(day / DAY) * DAY + rng.int(7 * 60, 18 * 60) * MINUTE + rng.int(0, 59_999);
    if (createdAt >= anchor - 3 * HOUR) continue;
    const resource = rng.pick(resources);
    const days = rng.pick([0, 7, 14, 30]);
    drafts.push(
      draftJob(rng, env, resource, createdAt, createdAt, { vault: 'Default', ...window, ...(days > 0 ? { lifecycle: { DeleteAfterDays: days } } : {}) }),
    );
  }
  return drafts;
}

// ---- fates -------------------------------------------------------------------------------------

export const SUCCESS = 'SUCCESS';
const TAGS_NOT_COPIED: Issue = {
  category: 'INVALIDPARAMETERS',
  message: 'The recovery point was created, but the resource tags could not be copied to it: the limit of 50 tags was exceeded.',
};

function failureFor(rng: Rng, draft: Draft): Issue {
  const { resource, roleArn, vault } = draft;
  const id = resource.arn.split(/[/:]/).pop();
  const byType: Partial<Record<ResourceType, Issue[]>> = {
    RDS: [{ category: 'INVALIDPARAMETERS', message: `DB instance ${resource.name} is in the state 'modifying'; it must be 'available' for a snapshot to be taken.` }],
    Aurora: [{ category: 'INVALIDPARAMETERS', message: `DB cluster ${resource.name} is in the state 'backing-up'; it must be 'available' for a snapshot to be taken.` }],
    EBS: [{ category: 'INVALIDPARAMETERS', message: `Backup job failed because there was a running job for the same resource. The snapshot of volume ${id} was not created.` }],
    EC2: [{ category: 'INVALIDPARAMETERS', message: `Backup job failed because there was a running job for the same resource. No AMI was created for instance ${id}.` }],
    EFS: [{ category: 'INVALIDPARAMETERS', message: `File system ${id} is not in the 'available' state: a backup of it is already in progress.` }],
    S3: [{ category: 'ACCESS_DENIED', message: `Access denied to bucket ${resource.name}: IAM role ${roleArn} is not allowed to call s3:GetBucketVersioning. Attach AWSBackupServiceRolePolicyForS3Backup to the role.` }],
    DynamoDB: [{ category: 'INVALIDPARAMETERS', message: `Table ${resource.name} is being updated (status UPDATING); on-demand backups need an ACTIVE table.` }],
    FSx: [{ category: 'INVALIDPARAMETERS', message: `File system ${id} has an administrative action in progress; the backup cannot be taken now.` }],
  };
  return rng.pick([
    ...(byType[resource.type] ?? []),
    { category: 'ACCESS_DENIED', message: `IAM role ${roleArn} does not have sufficient permissions to execute the backup.` },
    { category: 'ACCESS_DENIED', message: `Unable to use KMS key ${vault.keyArn}: the key policy does not allow ${roleArn} to call kms:CreateGrant.` },
  ]);
}

function issueFor(rng: Rng, draft: Draft): Issue | undefined {
  const { resource } = draft;
  if (resource.windows && rng.chance(0.3)) {
    return {
      category: 'ACCESS_DENIED',
      message: 'Windows VSS Backup attempt failed because either Instance or SSM Agent has invalid state or insufficient privileges. A regular (crash-consistent) backup was taken instead.',
    };
  }
  if (resource.type === 'S3' && rng.chance(0.15)) {
    return { category: 'ACCESS_DENIED', message: `${rng.int(2, 40)} objects were not backed up because AWS Backup was denied access to the KMS key that encrypts them.` };
  }
  return rng.chance(0.03) ? TAGS_NOT_COPIED : undefined;
}

export function rollOutcome(rng: Rng, draft: Draft, anchor: number): Outcome {
  const roll = rng.next();
  if (roll < 0.03 && draft.startBy < anchor && !draft.parent) return { state: 'EXPIRED' };
  const partway = () => draft.startedAt + Math.round((draft.endsAt - draft.startedAt) * rng.next() * 0.9);
  if (roll < 0.055) return { state: 'ABORTED', at: partway() };
  if (roll < 0.13) return { state: 'FAILED', issue: failureFor(rng, draft), at: partway() };
  const issue = issueFor(rng, draft);
  return issue ? { state: 'COMPLETED', issue } : { state: 'COMPLETED' };
}

function isFinished(draft: Draft, anchor: number): boolean {
  return !draft.forced && draft.endsAt <= anchor;
}

/**
 * Settles every finished job, then makes sure each account and region has every terminal state:
 * a chance draw alone could leave one out, and the data promises all nine states in every region.
 */
function settle(rng: Rng, drafts: Draft[], anchor: number): void {
  const leaves = drafts.filter((d) => !d.children && isFinished(d, anchor));
  for (const draft of leaves) draft.outcome = rollOutcome(rng, draft, anchor);

  const ensure = (has: (o: Outcome) => boolean, eligible: (d: Draft) => boolean, make: (d: Draft) => Outcome) => {
    if (leaves.some((d) => !d.parent && d.outcome && has(d.outcome))) return;
    const candidates = leaves.filter((d) => !d.parent && d.outcome?.state === 'COMPLETED' && !d.outcome.issue && eligible(d));
    if (candidates.length === 0) return;
    const chosen = rng.pick(candidates);
    chosen.outcome = make(chosen);
  };
  const always = () => true;
  ensure((o) => o.state === 'FAILED', always, (d) => ({ state: 'FAILED', issue: failureFor(rng, d), at: d.startedAt + Math.round((d.endsAt - d.startedAt) / 3) }));
  ensure((o) => o.state === 'ABORTED', always, (d) => ({ state: 'ABORTED', at: d.startedAt + Math.round((d.endsAt - d.startedAt) / 2) }));
  ensure((o) => o.state === 'EXPIRED', (d) => d.startBy < anchor, () => ({ state: 'EXPIRED' }));
  ensure((o) => o.state === 'COMPLETED' && o.issue !== undefined, always, () => ({ state: 'COMPLETED', issue: TAGS_NOT_COPIED }));

  // A composite job with one failed child ends PARTIAL; make sure one does.
  const parents = drafts.filter((d) => d.children && isFinished(d, anchor));
  const isPartial = (p: Draft) => {
    const states = new Set(p.children!.map((c) => c.outcome?.state));
    return states.has('COMPLETED') && states.size > 1;
  };
  if (parents.length > 0 && !parents.some(isPartial)) {
    const parent = rng.pick(parents);
    const child = rng.pick(parent.children!);
    child.outcome = { state: 'FAILED', issue: failureFor(rng, child), at: child.startedAt + Math.round((child.endsAt - child.startedAt) / 2) };
    if (!isPartial(parent)) parent.children!.find((c) => c !== child)!.outcome = { state: 'COMPLETED' };
  }
}

// ---- records -----------------------------------------------------------------------------------

const seconds = (ms: number): number => ms / 1000;
const percent = (fraction: number): string => (Math.min(1, Math.max(0, fraction)) * 100).toFixed(1);

function recoveryPointArn(rng: Rng, draft: Draft, env: AccountRegion): string {
  const { region, account } = env;
  switch (draft.resource.type) {
    case 'EBS':
    case 'Storage Gateway':
      // A Storage Gateway volume is backed up as an EBS snapshot.
      return `arn:aws:ec2:${region}::snapshot/snap-0${rng.hex(16)}`;
    case 'EC2':
      return `arn:aws:ec2:${region}::image/ami-0${rng.hex(16)}`;
    case 'RDS':
      return `arn:aws:rds:${region}:${account}:snapshot:awsbackup:job-${draft.id.toLowerCase()}`;
    case 'Aurora':
      return `arn:aws:rds:${region}:${account}:cluster-snapshot:awsbackup:job-${draft.id.toLowerCase()}`;
    case 'FSx':
      return `arn:aws:fsx:${region}:${account}:backup/backup-0${rng.hex(16)}`;
    default:
      // Fully managed resources (EFS, DynamoDB with advanced features, S3, stacks) get Backup's own ARN.
      return `arn:aws:backup:${region}:${account}:recovery-point:${rng.uuid().toUpperCase()}`;
  }
}

export function encryptionKeyFor(type: string, vault: Vault, env: AccountRegion): string {
  // Snapshot-based backups keep the key of the source; fully managed ones take the vault's key.
  if (type === 'EBS' || type === 'EC2') return env.serviceKeys.ebs;
  if (type === 'RDS' || type === 'Aurora') return env.serviceKeys.rds;
  if (type === 'FSx') return env.serviceKeys.fsx;
  return vault.keyArn;
}

function creatorOf(rule: Rule | undefined): WireRecoveryPointCreator | undefined {
  if (!rule) return undefined;
  return {
    BackupPlanId: rule.plan.id,
    BackupPlanArn: rule.plan.arn,
    BackupPlanName: rule.plan.name,
    BackupPlanVersion: rule.plan.version,
    BackupRuleId: rule.id,
    BackupRuleName: rule.name,
    BackupRuleCron: cronOf(rule),
    BackupRuleTimezone: rule.timezone,
  };
}

/** Members every job has, whatever its state. */
function common(draft: Draft, env: AccountRegion): Omit<WireBackupJob, 'State' | 'IsParent'> {
  const { resource, vault } = draft;
  const createdBy = creatorOf(draft.rule);
  return {
    AccountId: env.account,
    BackupJobId: draft.id,
    BackupVaultName: vault.name,
    ...(draft.lifecycle ? { RecoveryPointLifecycle: draft.lifecycle } : {}),
    BackupVaultArn: vault.arn,
    VaultType: vault.type,
    ...(vault.lockState ? { VaultLockState: vault.lockState } : {}),
    EncryptionKeyArn: encryptionKeyFor(resource.type, vault, env),
    IsEncrypted: true,
    ResourceArn: resource.arn,
    CreationDate: seconds(draft.createdAt),
    IamRoleArn: draft.roleArn,
    ...(createdBy ? { CreatedBy: createdBy } : {}),
    ResourceType: resource.type,
    ExpectedCompletionDate: seconds(draft.expectedCompletion),
    StartBy: seconds(draft.startBy),
    ...(resource.windows ? { BackupOptions: { WindowsVSS: 'enabled' } } : {}),
    ...(draft.parent ? { ParentJobId: draft.parent.id } : {}),
    ResourceName: resource.name,
    InitiationDate: seconds(draft.initiatedAt),
  };
}

/** What EBS and EC2 report as BackupSizeInBytes: the provisioned size, known from the start. */
const provisionedSize = (resource: Resource): number => (resource.type === 'EBS' || resource.type === 'EC2' ? resource.sizeBytes : 0);

export function leafRecord(rng: Rng, draft: Draft, env: AccountRegion, anchor: number): WireBackupJob {
  const base = { ...common(draft, env), IsParent: false };
  const { resource } = draft;
  const progress = (at: number) => (at - draft.startedAt) / (draft.endsAt - draft.startedAt);

  if (!draft.outcome) {
    const state = draft.forced ?? (anchor < draft.startedAt ? 'PENDING' : 'RUNNING');
    const done = state === 'RUNNING' || state === 'ABORTING' ? progress(anchor) : 0;
    return wireRecord({
      ...base,
      State: state,
      ...(state === 'ABORTING' ? { StatusMessage: 'Stop requested by the user; the backup job is being aborted.' } : {}),
      PercentDone: percent(done),
      BackupSizeInBytes: provisionedSize(resource),
      BytesTransferred: Math.round(draft.transferBytes * Math.min(1, done)),
    });
  }

  const outcome = draft.outcome;
  switch (outcome.state) {
    case 'COMPLETED': {
      const size = resource.type === 'EFS' ? draft.transferBytes : resource.sizeBytes;
      const vss = resource.windows && !outcome.issue;
      return wireRecord({
        ...base,
        RecoveryPointArn: recoveryPointArn(rng, draft, env),
        CompletionDate: seconds(draft.endsAt),
        State: 'COMPLETED',
        ...(outcome.issue ? { StatusMessage: outcome.issue.message } : {}),
        PercentDone: '100.0',
        BackupSizeInBytes: size,
        BytesTransferred: draft.transferBytes,
        ...(vss ? { BackupType: 'WindowsVSS' } : {}),
        MessageCategory: outcome.issue?.category ?? SUCCESS,
      });
    }
    case 'FAILED':
    case 'ABORTED': {
      const done = progress(outcome.at);
      return wireRecord({
        ...base,
        CompletionDate: seconds(outcome.at),
        State: outcome.state,
        StatusMessage: outcome.state === 'FAILED' ? outcome.issue.message : 'Backup job was stopped by the user.',
        PercentDone: percent(done),
        BackupSizeInBytes: provisionedSize(resource),
        BytesTransferred: Math.round(draft.transferBytes * done),
        ...(outcome.state === 'FAILED' ? { MessageCategory: outcome.issue.category } : {}),
      });
    }
    case 'EXPIRED':
      return wireRecord({
        ...base,
        CompletionDate: seconds(draft.startBy),
        State: 'EXPIRED',
        StatusMessage: 'Backup job expired: it did not start within the start window of the backup rule.',
        PercentDone: '0.0',
        BackupSizeInBytes: 0,
        BytesTransferred: 0,
      });
  }
}

const IN_FLIGHT: ReadonlySet<BackupJobState> = new Set(['CREATED', 'PENDING', 'RUNNING', 'ABORTING']);

/**
 * A composite job's record follows from its children's. Given the anchor, it stays RUNNING until
 * its own completion, which comes a little after its last child's.
 */
export function parentRecord(rng: Rng, draft: Draft, children: WireBackupJob[], env: AccountRegion, anchor?: number): WireBackupJob {
  const inState: Partial<Record<BackupJobState, number>> = {};
  for (const child of children) inState[child.State] = (inState[child.State] ?? 0) + 1;
  const finished = children.filter((c) => !IN_FLIGHT.has(c.State)).length;
  const completed = inState.COMPLETED ?? 0;
  const failedChild = children.find((c) => c.State !== 'COMPLETED' && c.MessageCategory !== undefined);
  // The parent closes a little after its last child: the gap its timeline was drafted with.
  const wrapUp = draft.endsAt - Math.max(...draft.children!.map((c) => c.endsAt));
  const completion = Math.max(...children.map((c) => Math.round((c.CompletionDate ?? 0) * 1000))) + wrapUp;
  const running = finished < children.length || (anchor !== undefined && anchor < completion);
  const state: BackupJobState = running ? 'RUNNING' : completed === children.length ? 'COMPLETED' : completed > 0 ? 'PARTIAL' : 'FAILED';
  const sum = (member: 'BackupSizeInBytes' | 'BytesTransferred') => children.reduce((total, c) => total + (c[member] ?? 0), 0);
  return wireRecord({
    ...common(draft, env),
    ...(state === 'COMPLETED' || state === 'PARTIAL' ? { RecoveryPointArn: recoveryPointArn(rng, draft, env) } : {}),
    ...(state !== 'RUNNING' ? { CompletionDate: seconds(completion) } : {}),
    State: state,
    ...(state === 'PARTIAL' ? { StatusMessage: `${children.length - completed} of ${children.length} nested backup jobs did not complete. See the nested jobs for details.` } : {}),
    ...(state === 'FAILED' ? { StatusMessage: 'None of the nested backup jobs completed. See the nested jobs for details.' } : {}),
    PercentDone: percent(finished / children.length),
    BackupSizeInBytes: sum('BackupSizeInBytes'),
    BytesTransferred: sum('BytesTransferred'),
    IsParent: true,
    NumberOfChildJobs: children.length,
    ChildJobsInState: inState,
    ...(state === 'COMPLETED' ? { MessageCategory: SUCCESS } : {}),
    ...(state !== 'COMPLETED' && state !== 'RUNNING' && failedChild?.MessageCategory ? { MessageCategory: failedChild.MessageCategory } : {}),
  });
}

/**
 * A few jobs of each resource type whose name holds a space: the newest three daily backups of an
 * SAP HANA database on EC2 and the newest two weekly backups of a Storage Gateway volume. They
 * draw from a random stream of their own, so every other job stays as it was without them.
 */
function spacedTypeRecords(env: AccountRegion, anchor: number): WireBackupJob[] {
  const rng = new Rng(`spaced-types/${env.account}/${env.region}`);
  const [hanaRule, volumeRule] = spacedTypeRules(env, rng, workloadOf(env.account));
  const drafts = [...planDrafts(rng, env, [hanaRule], anchor).slice(-3), ...planDrafts(rng, env, [volumeRule], anchor).slice(-2)];
  for (const draft of drafts) if (isFinished(draft, anchor)) draft.outcome = rollOutcome(rng, draft, anchor);
  return drafts.map((draft) => leafRecord(rng, draft, env, anchor));
}

/** The plans that back up the two resource types whose names hold a space: SAP HANA daily, a Storage Gateway volume weekly. */
export function spacedTypeRules(env: AccountRegion, rng: Rng, workload: Workload): [Rule, Rule] {
  const { account, region } = env;
  const application = `${workload.prefix}-s4hana`;
  const hana: Resource = {
    type: 'SAP HANA on Amazon EC2',
    name: `${application}-HDB`,
    arn: `arn:aws:ssm-sap:${region}:${account}:HANA/${application}/DB/HDB`,
    sizeBytes: 420 * GIB,
    changeRate: [1, 1],
    minutes: [25, 90],
  };
  const gatewayId = rng.hex(8).toUpperCase();
  const volume: Resource = {
    type: 'Storage Gateway',
    name: 'branch-office-files',
    arn: `arn:aws:storagegateway:${region}:${account}:gateway/sgw-${gatewayId}/volume/vol-${rng.hex(8).toUpperCase()}`,
    sizeBytes: 1 * TIB,
    changeRate: [0.01, 0.04],
    minutes: [30, 150],
  };
  const rule = (plan: string, fields: Omit<Rule, 'plan' | 'id'>): Rule => ({ plan: backupPlan(rng, env, plan), id: rng.uuid(), ...fields });
  const hanaRule = rule('sap-hana-daily', {
    name: 'DailyHanaFull', minute: 0, hour: 23, timezone: localZone(region),
    startWindowMinutes: 60, completionWindowMinutes: 720, vault: 'prod-backup-vault',
    lifecycle: { DeleteAfterDays: 35 },
    roleArn: `arn:aws:iam::${account}:role/AWSBackupSapHanaRole`,
    resources: [hana],
  });
  const volumeRule = rule('storage-gateway-weekly', {
    name: 'WeeklyGatewayVolumes', minute: 0, hour: 4, weekday: 'SUN', timezone: 'UTC',
    startWindowMinutes: 480, completionWindowMinutes: 10080, vault: 'compliance-vault',
    lifecycle: { DeleteAfterDays: 90 },
    resources: [volume],
  });
  return [hanaRule, volumeRule];
}

/** Every plan rule of a seeded account in a Region, drawn from the same streams as its jobs: the plans its jobs name. */
export function seededRules(account: string, region: string): Rule[] {
  const env = accountRegion(account, region);
  const { rules } = inventory(env, new Rng(`jobs/${account}/${region}`));
  return [...rules, ...spacedTypeRules(env, new Rng(`spaced-types/${account}/${region}`), workloadOf(account))];
}

/** Every seeded job of the organization, for an anchor time ("now" as far as the data knows). */
export function seedJobs(now: Date): SandboxJob[] {
  const anchor = now.getTime();
  if (!Number.isFinite(anchor)) throw new RangeError('The sandbox anchor time is not a valid date');
  const jobs: SandboxJob[] = [];
  for (const region of SANDBOX_REGIONS) {
    for (const account of SANDBOX_ACCOUNTS) {
      // One generator per account and region, seeded by name only: whatever the anchor, the
      // resources, vaults and plans stay the same.
      const rng = new Rng(`jobs/${account}/${region}`);
      const env = accountRegion(account, region);
      const { standalone, rules } = inventory(env, rng);
      const planned = planDrafts(rng, env, rules, anchor);
      const plannedCount = planned.reduce((n, d) => n + 1 + (d.children?.length ?? 0), 0);
      let drafts = [...planned, ...planned.flatMap((d) => d.children ?? [])];
      drafts = [...drafts, ...onDemandDrafts(rng, env, standalone, JOBS_PER_ACCOUNT_REGION - plannedCount, anchor)];
      settle(rng, drafts, anchor);

      const records = new Map<Draft, WireBackupJob>();
      for (const draft of drafts) if (!draft.children) records.set(draft, leafRecord(rng, draft, env, anchor));
      for (const draft of drafts) {
        if (draft.children) records.set(draft, parentRecord(rng, draft, draft.children.map((c) => records.get(c)!), env));
      }
      for (const record of [...records.values(), ...spacedTypeRecords(env, anchor)]) jobs.push({ region, record });
    }
  }
  return jobs;
}
