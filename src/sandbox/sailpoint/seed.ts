// Deterministic Configuration Hub records for the SailPoint sandbox tenants: the same anchor time gives
// the same records, and the same clock the same progress of the jobs still under way.
import type { SailPointBackupStatus, SailPointObjectType } from '../../sailpoint/records.js';

export interface SailPointSandboxTenant {
  name: string;
  clientId: string;
  clientSecret: string;
}

/** Sandbox-only credentials, documented so that anyone can point a client or curl at the sandbox. */
export const SAILPOINT_SANDBOX_TENANTS: readonly SailPointSandboxTenant[] = [
  { name: 'acme-prod', clientId: '6f1c2a9e4d7b4e0a9c3f5b8d1e2a4c6f', clientSecret: 'acme-prod-sandbox-secret' },
  { name: 'acme-sandbox', clientId: '0b8e7d6c5a4f4e3d8c2b1a0f9e8d7c6b', clientSecret: 'acme-sandbox-sandbox-secret' },
];

export type WireRecord = Record<string, unknown>;

export interface TenantSeed {
  /** What the token endpoint reports about the tenant and the identity behind the credentials. */
  identity: { tenantId: string; pod: string; identityId: string; userName: string };
  /** Newest first, as List Backups answers. */
  backups: WireRecord[];
  /**
   * Newest first, as List Uploaded Configurations answers. Uploads are kept out of the backups list:
   * SailPoint gives them their own list, get-by-id and delete endpoints, and describes List Backups
   * as the tenant's backups only; BackupResponse merely shares the model (hence backupType UPLOADED).
   * A gateway that wants both therefore lists both.
   */
  uploads: WireRecord[];
  /** What becomes of the jobs under way as the sandbox's clock passes each step, by job id. */
  progress: ReadonlyMap<string, readonly ProgressStep[]>;
}

/** From `at` (epoch ms of the sandbox's clock) on, a job's record holds `members` too. */
export interface ProgressStep {
  readonly at: number;
  readonly members: WireRecord;
}

/**
 * When the jobs under way move, after the clock's start: a backup not started yet starts, the
 * running backup and upload complete, then the other backup. Far enough that a test's own seconds
 * see none of it, near enough that a person watching sees each within minutes.
 */
const STARTS_AFTER_MS = 45_000;
const COMPLETES_AFTER_MS = [90_000, 120_000, 240_000] as const;

interface TenantProfile {
  backups: number;
  uploads: number;
  /** Serves one backup whose enum members hold values newer than the gateway knows, as tenants see first. */
  newerValues: boolean;
  pod: string;
  userName: string;
  people: readonly string[];
}

const PROFILES: Record<string, TenantProfile> = {
  'acme-prod': {
    backups: 36,
    uploads: 6,
    newerValues: false,
    pod: 'prd02-useast1',
    userName: 'svc.confighub.prod',
    people: ['Maria Lopez', 'Daniel Okafor', 'Priya Raman', 'Tom Becker'],
  },
  'acme-sandbox': {
    backups: 28,
    uploads: 5,
    newerValues: true,
    pod: 'prd02-useast1',
    userName: 'svc.confighub.sandbox',
    people: ['Priya Raman', 'Chen Wei', 'Lena Fischer'],
  },
};

/** Objects a partial backup can name, per type; the other types appear only in includeTypes. */
const NAMED_OBJECTS: Partial<Record<SailPointObjectType, readonly string[]>> = {
  SOURCE: ['Workday HR', 'Active Directory - CORP', 'ServiceNow ITSM', 'Okta Workforce', 'Salesforce'],
  ROLE: ['Finance Analyst', 'Helpdesk Tier 1', 'Engineering Manager', 'Contractor Baseline'],
  ACCESS_PROFILE: ['AD - VPN Users', 'Salesforce - Read Only', 'GitHub - Maintainers', 'ServiceNow - ITIL'],
  IDENTITY_PROFILE: ['Employees', 'Contractors', 'Service Accounts'],
  TRANSFORM: ['Normalize Email', 'Lookup Department Code', 'Derive Username'],
  RULE: ['BeforeProvisioning - AD OU Moves', 'Correlation - Contractor Match'],
  WORKFLOW: ['Joiner Welcome Mail', 'Leaver Access Cleanup', 'Manager Change Review'],
  GOVERNANCE_GROUP: ['Security Reviewers', 'Finance Approvers'],
  LIFECYCLE_STATE: ['active', 'prehire', 'terminated'],
};
const NAMED_TYPES = Object.keys(NAMED_OBJECTS) as SailPointObjectType[];
const UNNAMED_TYPES: readonly SailPointObjectType[] = [
  'FORM_DEFINITION',
  'NOTIFICATION_TEMPLATE',
  'PASSWORD_POLICY',
  'SOD_POLICY',
  'TRIGGER_SUBSCRIPTION',
  'SEGMENT',
  'TAG',
];

const MANUAL_NAMES = [
  'Before role model cleanup',
  'Pre-release snapshot',
  'Quarterly audit baseline',
  'Before Workday source changes',
  'Transform refactor checkpoint',
  'Access profile rework',
  'Before SoD policy rollout',
];
const DRAFT_SUBJECTS = ['Promote roles from sandbox', 'Workflow updates', 'Source schema change', 'Transform fixes'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/**
 * The oldest backups of each tenant whose file is gone: a COMPLETE job with fileExists false, as a
 * file removed after a good run leaves it.
 */
const BACKUPS_WITHOUT_FILE = 4;

/** The records of one tenant. Structure depends only on the tenant's name; times count back from `now`. */
/** The records of a tenant at `now`; the jobs under way progress from `progressFrom` (epoch ms of the clock) on. */
export function seedTenant(tenant: string, now: Date, progressFrom: number = now.getTime()): TenantSeed {
  const profile = PROFILES[tenant];
  if (!profile) throw new Error(`No sandbox profile for SailPoint tenant "${tenant}"`);
  const random = new Random(`${tenant}/records`);
  const identifiers = new Random(`${tenant}/identity`);
  const anchor = now.getTime();

  const backups = Array.from({ length: profile.backups }, (_, index) =>
    backupRecord(tenant, profile, random, anchor, index),
  );
  if (profile.newerValues) backups.push(newerValuesRecord(tenant, new Random(`${tenant}/newer`), anchor));
  const uploads = Array.from({ length: profile.uploads }, (_, index) =>
    uploadRecord(tenant, profile, random, anchor, index),
  );
  return {
    identity: {
      tenantId: identifiers.uuid(),
      pod: profile.pod,
      identityId: identifiers.hex(32),
      userName: profile.userName,
    },
    backups: newestFirst(backups),
    uploads: newestFirst(uploads),
    progress: progressOf([...backups, ...uploads], new Random(`${tenant}/progress`), progressFrom),
  };
}

/** Each job under way starts (if queued) and completes, in the order it was created, at the steps' times. */
function progressOf(records: readonly WireRecord[], random: Random, from: number): Map<string, ProgressStep[]> {
  const underWay = records.filter((record) => record.status === 'IN_PROGRESS' || record.status === 'NOT_STARTED');
  // The running ones first, so that the queued one completes last.
  underWay.sort((a, b) => Number(b.status === 'IN_PROGRESS') - Number(a.status === 'IN_PROGRESS') || String(a.created).localeCompare(String(b.created)));
  return new Map(
    underWay.map((record, index) => {
      const completedAt = from + COMPLETES_AFTER_MS[Math.min(index, COMPLETES_AFTER_MS.length - 1)]!;
      const steps: ProgressStep[] = record.status === 'NOT_STARTED' ? [{ at: from + STARTS_AFTER_MS, members: { status: 'IN_PROGRESS', modified: iso(from + STARTS_AFTER_MS) } }] : [];
      steps.push({
        at: completedAt,
        members: {
          status: 'COMPLETE',
          completed: iso(completedAt),
          modified: iso(completedAt),
          fileExists: true,
          totalObjectCount: record.backupType === 'UPLOADED' ? random.int(12, 320) : random.int(350, 1_800),
        },
      });
      return [String(record.jobId), steps];
    }),
  );
}

/** A record as it stands at `now`: its seeded members with those of each progress step reached. */
export function recordAt(record: WireRecord, progress: TenantSeed['progress'], now: number): WireRecord {
  const steps = progress.get(String(record.jobId));
  if (!steps || steps[0]!.at > now) return record;
  return Object.assign({}, record, ...steps.filter((step) => step.at <= now).map((step) => step.members)) as WireRecord;
}

function backupRecord(
  tenant: string,
  profile: TenantProfile,
  random: Random,
  anchor: number,
  index: number,
): WireRecord {
  // The two newest jobs are still running or queued; the rest spread over about six weeks.
  const status: SailPointBackupStatus =
    index === 0
      ? 'IN_PROGRESS'
      : index === 1
        ? 'NOT_STARTED'
        : random.weighted([
            ['COMPLETE', 16],
            ['FAILED', 3],
            ['CANCELLED', 1],
          ] as const);
  const backupType = random.weighted([
    ['AUTOMATED', 10],
    ['MANUAL', 7],
    ['AUTOMATED_DRAFT', 3],
  ] as const);
  const finished = status === 'COMPLETE' || status === 'FAILED' || status === 'CANCELLED';
  const created = finished
    ? anchor - index * 28 * HOUR - random.int(0, 20 * HOUR)
    : anchor - random.int(MINUTE, 40 * MINUTE);
  const completed = finished ? created + random.int(MINUTE, (status === 'COMPLETE' ? 25 : 8) * MINUTE) : undefined;
  // Hydration and the storage sync touch a finished backup again a little later; a running one moves as it works.
  const modified =
    completed !== undefined
      ? completed + (status === 'COMPLETE' ? random.int(5_000, 30 * MINUTE) : 0)
      : status === 'IN_PROGRESS'
        ? created + random.int(10_000, anchor - created)
        : created;
  const partial = backupType === 'AUTOMATED_DRAFT' || (backupType === 'MANUAL' && random.chance(0.5));
  const options = partial ? partialOptions(random) : undefined;

  const record: WireRecord = {
    jobId: random.uuid(),
    status,
    type: 'BACKUP',
    tenant,
    requesterName: backupType === 'AUTOMATED' ? 'SailPoint Services' : random.pick(profile.people),
    fileExists: status === 'COMPLETE' && index < profile.backups - BACKUPS_WITHOUT_FILE,
    created: iso(created),
    modified: iso(modified),
    completed: completed === undefined ? undefined : iso(completed),
    name: backupName(backupType, created, random),
    // Scheduled and draft backups belong to the platform; only the ones a person took can be deleted by users.
    userCanDelete: backupType === 'MANUAL',
    isPartial: partial,
    backupType,
    options: options ?? (random.chance(0.5) ? null : undefined),
    hydrationStatus: status === 'COMPLETE' && (index > 4 || random.chance(0.5)) ? 'HYDRATED' : 'NOT_HYDRATED',
    totalObjectCount: status === 'COMPLETE' ? objectCount(options, random) : 0,
    cloudStorageStatus:
      status === 'COMPLETE'
        ? random.weighted([
            ['SYNCED', 6],
            ['NOT_SYNCED', 3],
            ['SYNC_FAILED', 1],
          ] as const)
        : 'NOT_SYNCED',
  };
  return omitDefaults(record, index % 4 === 3);
}

/**
 * A finished backup in a status, type, hydration and cloud-storage status (and an object type)
 * that SailPoint could add after this gateway was built. It has its own random stream, so the
 * other records stay as they are.
 */
function newerValuesRecord(tenant: string, random: Random, anchor: number): WireRecord {
  const created = anchor - 3 * 24 * HOUR - random.int(0, 6 * HOUR);
  const completed = created + random.int(2 * MINUTE, 12 * MINUTE);
  return {
    jobId: random.uuid(),
    status: 'ARCHIVED',
    type: 'BACKUP',
    tenant,
    requesterName: 'SailPoint Services',
    fileExists: true,
    created: iso(created),
    modified: iso(completed + random.int(5_000, 60_000)),
    completed: iso(completed),
    name: `Scheduled export ${iso(created).slice(0, 10)}`,
    userCanDelete: false,
    isPartial: true,
    backupType: 'SCHEDULED_EXPORT',
    options: { includeTypes: ['MACHINE_IDENTITY', 'SOURCE'], objectOptions: { MACHINE_IDENTITY: { includedNames: ['build-agent-01'] } } },
    hydrationStatus: 'DEHYDRATED',
    totalObjectCount: random.int(2, 40),
    cloudStorageStatus: 'SYNC_PENDING',
  };
}

function uploadRecord(
  tenant: string,
  profile: TenantProfile,
  random: Random,
  anchor: number,
  index: number,
): WireRecord {
  const status: SailPointBackupStatus = index === 0 ? 'IN_PROGRESS' : index === 3 ? 'FAILED' : 'COMPLETE';
  const created =
    status === 'IN_PROGRESS'
      ? anchor - random.int(2 * MINUTE, 15 * MINUTE)
      : anchor - index * 5 * 24 * HOUR - random.int(0, 12 * HOUR);
  const completed = status === 'IN_PROGRESS' ? undefined : created + random.int(20_000, 6 * MINUTE);
  const modified = completed === undefined ? created : completed + random.int(1_000, 90_000);
  const source = tenant === 'acme-prod' ? 'acme-sandbox' : 'acme-prod';
  const record: WireRecord = {
    jobId: random.uuid(),
    status,
    type: 'BACKUP',
    tenant,
    requesterName: random.pick(profile.people),
    fileExists: status === 'COMPLETE',
    created: iso(created),
    modified: iso(modified),
    completed: completed === undefined ? undefined : iso(completed),
    name: `${source}-export-${iso(created).slice(0, 10)}.json`,
    // Uploads stay undeletable and whole, as SailPoint documents for upload jobs.
    userCanDelete: false,
    isPartial: false,
    backupType: 'UPLOADED',
    hydrationStatus: status === 'COMPLETE' ? 'HYDRATED' : 'NOT_HYDRATED',
    totalObjectCount: status === 'COMPLETE' ? random.int(12, 320) : 0,
    cloudStorageStatus: 'NOT_SYNCED',
  };
  return omitDefaults(record, index % 2 === 1);
}

/** A selection of object types, some narrowed down to named objects, as a partial backup carries. */
function partialOptions(random: Random): WireRecord {
  const named = random.sample(NAMED_TYPES, random.int(1, 3));
  const includeTypes = [...named, ...random.sample(UNNAMED_TYPES, random.int(0, 2))];
  const objectOptions: Record<string, WireRecord> = {};
  for (const type of named.slice(0, random.int(1, named.length))) {
    objectOptions[type] = { includedNames: random.sample(NAMED_OBJECTS[type] ?? [], random.int(1, 3)) };
  }
  return { includeTypes, objectOptions };
}

function objectCount(options: WireRecord | undefined, random: Random): number {
  if (!options) return random.int(350, 1_800);
  const selections = Object.values(options.objectOptions as Record<string, { includedNames: string[] }>);
  const named = selections.reduce((sum, selection) => sum + selection.includedNames.length, 0);
  const unnamedTypes = (options.includeTypes as string[]).length - selections.length;
  return named + unnamedTypes * random.int(2, 40);
}

function backupName(backupType: string, created: number, random: Random): string {
  if (backupType === 'AUTOMATED') return `Automated backup ${iso(created).slice(0, 10)}`;
  if (backupType === 'AUTOMATED_DRAFT') return `Draft: ${random.pick(DRAFT_SUBJECTS)}`;
  return random.pick(MANUAL_NAMES);
}

/**
 * Leaves out the members whose value is the documented default (and a null options), as real
 * tenants often do, so that clients must apply the defaults themselves.
 */
function omitDefaults(record: WireRecord, omit: boolean): WireRecord {
  const defaults: WireRecord = { fileExists: true, userCanDelete: true, isPartial: false };
  return Object.fromEntries(
    Object.entries(record).filter(
      ([key, value]) =>
        value !== undefined && !(omit && (defaults[key] === value || (key === 'options' && value === null))),
    ),
  );
}

function newestFirst(records: WireRecord[]): WireRecord[] {
  return records.sort((a, b) => String(b.created).localeCompare(String(a.created)));
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** mulberry32 seeded from an FNV-1a hash of a label: small, fast and the same on every platform. */
class Random {
  private state: number;

  constructor(label: string) {
    let hash = 0x811c9dc5;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 0x01000193);
    this.state = hash >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  weighted<T>(choices: readonly (readonly [T, number])[]): T {
    let roll = this.next() * choices.reduce((sum, [, weight]) => sum + weight, 0);
    for (const [value, weight] of choices) {
      roll -= weight;
      if (roll < 0) return value;
    }
    return choices[choices.length - 1]![0];
  }

  /** `count` distinct items in a random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const pool = [...items];
    for (let i = pool.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    }
    return pool.slice(0, count);
  }

  hex(length: number): string {
    return Array.from({ length }, () => this.int(0, 15).toString(16)).join('');
  }

  uuid(): string {
    const hex = this.hex(32);
    const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20)}`;
  }
}
