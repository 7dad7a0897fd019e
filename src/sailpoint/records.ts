// Configuration Hub's BackupResponse as it travels on the wire, and the shape check the client applies to it.
import { z } from 'zod';

export const SAILPOINT_BACKUP_STATUSES = ['NOT_STARTED', 'IN_PROGRESS', 'COMPLETE', 'CANCELLED', 'FAILED'] as const;
/** AUTOMATED_DRAFT is missing from the published enum but named in its description, so it counts as a real value. */
export const SAILPOINT_BACKUP_TYPES = ['UPLOADED', 'AUTOMATED', 'MANUAL', 'AUTOMATED_DRAFT'] as const;
export const SAILPOINT_HYDRATION_STATUSES = ['HYDRATED', 'NOT_HYDRATED'] as const;
export const SAILPOINT_CLOUD_STORAGE_STATUSES = ['SYNCED', 'NOT_SYNCED', 'SYNC_FAILED'] as const;
export const SAILPOINT_OBJECT_TYPES = [
  'ACCESS_PROFILE',
  'ACCESS_REQUEST_CONFIG',
  'ATTR_SYNC_SOURCE_CONFIG',
  'AUTH_ORG',
  'CAMPAIGN_FILTER',
  'FORM_DEFINITION',
  'GOVERNANCE_GROUP',
  'IDENTITY_OBJECT_CONFIG',
  'IDENTITY_PROFILE',
  'LIFECYCLE_STATE',
  'NOTIFICATION_TEMPLATE',
  'PASSWORD_POLICY',
  'PASSWORD_SYNC_GROUP',
  'PUBLIC_IDENTITIES_CONFIG',
  'ROLE',
  'RULE',
  'SEGMENT',
  'SERVICE_DESK_INTEGRATION',
  'SOD_POLICY',
  'SOURCE',
  'TAG',
  'TRANSFORM',
  'TRIGGER_SUBSCRIPTION',
  'WORKFLOW',
] as const;

/** A documented value or one SailPoint adds later: its enums grow, and a value nobody knows yet must survive. */
export type OpenEnum<T extends string> = T | (string & {});

export type SailPointBackupStatus = (typeof SAILPOINT_BACKUP_STATUSES)[number];
export type SailPointBackupType = (typeof SAILPOINT_BACKUP_TYPES)[number];
export type SailPointHydrationStatus = (typeof SAILPOINT_HYDRATION_STATUSES)[number];
export type SailPointCloudStorageStatus = (typeof SAILPOINT_CLOUD_STORAGE_STATUSES)[number];
export type SailPointObjectType = (typeof SAILPOINT_OBJECT_TYPES)[number];

/** v2024's ObjectExportImportNames: the objects of one type, by name; the model has no other member. */
export interface SailPointObjectSelection {
  includedNames?: string[];
}

export interface SailPointBackupOptions {
  includeTypes?: OpenEnum<SailPointObjectType>[];
  /** Keyed by object type: the objects of that type a partial backup was limited to. */
  objectOptions?: Record<string, SailPointObjectSelection>;
}

/**
 * One backup or uploaded configuration. Every member is optional upstream; an absent fileExists or
 * userCanDelete means true and an absent isPartial means false, as SailPoint documents.
 */
export interface SailPointBackupRecord {
  jobId?: string;
  status?: OpenEnum<SailPointBackupStatus>;
  type?: OpenEnum<'BACKUP'>;
  tenant?: string;
  requesterName?: string;
  fileExists?: boolean;
  /** ISO 8601 date-times. */
  created?: string;
  modified?: string;
  completed?: string;
  name?: string;
  userCanDelete?: boolean;
  isPartial?: boolean;
  backupType?: OpenEnum<SailPointBackupType>;
  options?: SailPointBackupOptions;
  hydrationStatus?: OpenEnum<SailPointHydrationStatus>;
  totalObjectCount?: number;
  cloudStorageStatus?: OpenEnum<SailPointCloudStorageStatus>;
}

const selectionSchema = z.object({ includedNames: z.array(z.string()).optional() }).passthrough();

const optionsSchema = z
  .object({ includeTypes: z.array(z.string()).optional(), objectOptions: z.record(selectionSchema).optional() })
  .passthrough();

// Only the member types are checked, never enum values, so that a new upstream value passes through.
const recordSchema = z
  .object({
    jobId: z.string().optional(),
    status: z.string().optional(),
    type: z.string().optional(),
    tenant: z.string().optional(),
    requesterName: z.string().optional(),
    fileExists: z.boolean().optional(),
    created: z.string().optional(),
    modified: z.string().optional(),
    completed: z.string().optional(),
    name: z.string().optional(),
    userCanDelete: z.boolean().optional(),
    isPartial: z.boolean().optional(),
    backupType: z.string().optional(),
    options: optionsSchema.optional(),
    hydrationStatus: z.string().optional(),
    totalObjectCount: z.number().int().optional(),
    cloudStorageStatus: z.string().optional(),
  })
  .passthrough();

/** A record of a list that was left out because a member has the wrong type: its id (when it has a usable one) and those members. */
export interface SkippedRecord {
  jobId: string | null;
  members: string[];
}

/** A list answer: the records that read as BackupResponse records, and the ones left out. */
export interface SailPointBackupList {
  records: SailPointBackupRecord[];
  skipped: SkippedRecord[];
}

/**
 * A list answer read record by record, so that one record with a wrongly typed member costs that
 * record, not the tenant's whole list; null when the answer is not a list at all. Null members are
 * dropped first because upstream sends null and absence alike (options is nullable).
 */
export function readBackupList(value: unknown): SailPointBackupList | null {
  if (!Array.isArray(value)) return null;
  const list: SailPointBackupList = { records: [], skipped: [] };
  for (const raw of value) {
    const parsed = recordSchema.safeParse(withoutNulls(raw));
    if (parsed.success) {
      list.records.push(parsed.data);
      continue;
    }
    const jobId = typeof raw === 'object' && raw !== null ? (raw as { jobId?: unknown }).jobId : undefined;
    const members = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(the record itself)'))];
    list.skipped.push({ jobId: typeof jobId === 'string' ? jobId : null, members });
  }
  return list;
}

function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, member]) => member !== null)
      .map(([key, member]) => [key, withoutNulls(member)]),
  );
}
