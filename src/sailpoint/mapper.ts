// Pure mapping from a SailPoint Configuration Hub BackupResponse to the graph's SailPointBackupJob,
// and how SailPoint statuses map onto the source-neutral phases.
import { jobKey, type BackupJobModel } from '../model/job.js';
import type { BackupJobPhase } from '../model/phase.js';
import type { SailPointBackupRecord, SailPointBackupStatus } from './index.js';

/** Which Configuration Hub list a record comes from: backups and uploads are separate endpoints upstream. */
export type SailPointCollection = 'backup' | 'upload';

const SAILPOINT_STATUS_PHASE: Record<SailPointBackupStatus, BackupJobPhase> = {
  NOT_STARTED: 'QUEUED',
  IN_PROGRESS: 'RUNNING',
  COMPLETE: 'COMPLETED',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
};

function isSailPointStatus(value: unknown): value is SailPointBackupStatus {
  return typeof value === 'string' && Object.hasOwn(SAILPOINT_STATUS_PHASE, value);
}

/**
 * The phase of a SailPoint backup: how the job went. A COMPLETE backup whose copy to the customer's
 * cloud storage failed is COMPLETED_WITH_ISSUES: it finished, but not as asked. `fileExists` plays
 * no part: SailPoint ties it to no outcome, and a file removed after a good run would otherwise
 * turn that run into an issue.
 */
export function sailPointPhase(status: string | undefined, cloudStorageStatus: string | undefined): BackupJobPhase {
  if (!isSailPointStatus(status)) return 'UNKNOWN';
  if (status === 'COMPLETE' && cloudStorageStatus === 'SYNC_FAILED') return 'COMPLETED_WITH_ISSUES';
  return SAILPOINT_STATUS_PHASE[status];
}

export interface SailPointObjectOption {
  objectType: string;
  includedNames: string[];
}

export interface SailPointBackupJobModel extends BackupJobModel {
  sourceKind: 'SAILPOINT';
  sourceName: string;
  collection: SailPointCollection;
  /** The loader key and the local part of the global id: `<sourceName>:<collection>:<jobId>`. */
  key: string;
  phase: BackupJobPhase;
  displayName: string;
  /** SailPoint's `created` (epoch ms, as every time here), which the graph also names `created`. */
  createdAt: number | null;
  /** SailPoint's `completed`, which the graph also names `completed`. */
  completedAt: number | null;
  jobId: string;
  status: string | null;
  type: string | null;
  tenant: string | null;
  requesterName: string | null;
  fileExists: boolean;
  modified: number | null;
  name: string | null;
  userCanDelete: boolean;
  isPartial: boolean;
  backupType: string | null;
  options: { includeTypes: string[] | null; objectOptions: SailPointObjectOption[] | null } | null;
  hydrationStatus: string | null;
  totalObjectCount: number | null;
  cloudStorageStatus: string | null;
}

export function sailPointJobKey(sourceName: string, collection: SailPointCollection, jobId: string): string {
  return jobKey(sourceName, `${collection}:${jobId}`);
}

/** Applies SailPoint's documented defaults for absent members (fileExists and userCanDelete true, isPartial false). */
export function mapSailPointBackupJob(
  record: SailPointBackupRecord,
  sourceName: string,
  collection: SailPointCollection,
): SailPointBackupJobModel {
  const jobId = record.jobId ?? '';
  return {
    sourceKind: 'SAILPOINT',
    sourceName,
    collection,
    key: sailPointJobKey(sourceName, collection, jobId),
    phase: sailPointPhase(record.status, record.cloudStorageStatus),
    displayName: record.name ?? jobId,
    createdAt: epochMs(record.created),
    completedAt: epochMs(record.completed),
    jobId,
    status: record.status ?? null,
    type: record.type ?? null,
    tenant: record.tenant ?? null,
    requesterName: record.requesterName ?? null,
    fileExists: record.fileExists ?? true,
    modified: epochMs(record.modified),
    name: record.name ?? null,
    userCanDelete: record.userCanDelete ?? true,
    isPartial: record.isPartial ?? false,
    backupType: record.backupType ?? null,
    options: record.options
      ? {
          includeTypes: record.options.includeTypes ?? null,
          objectOptions: record.options.objectOptions
            ? Object.entries(record.options.objectOptions).map(([objectType, selection]) => ({
                objectType,
                includedNames: selection.includedNames ?? [],
              }))
            : null,
        }
      : null,
    hydrationStatus: record.hydrationStatus ?? null,
    totalObjectCount: record.totalObjectCount ?? null,
    cloudStorageStatus: record.cloudStorageStatus ?? null,
  };
}

/** An ISO 8601 time as epoch milliseconds; null when absent or unreadable. */
function epochMs(value: string | undefined): number | null {
  if (value === undefined) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : time;
}
