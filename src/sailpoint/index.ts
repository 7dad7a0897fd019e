// The SailPoint Identity Security Cloud upstream: its client and its Configuration Hub wire records.
export {
  SailPointClient,
  SailPointError,
  type SailPointClientOptions,
  type SailPointListFilter,
  type SailPointTenantConfig,
} from './client.js';
export {
  SAILPOINT_BACKUP_STATUSES,
  SAILPOINT_BACKUP_TYPES,
  SAILPOINT_CLOUD_STORAGE_STATUSES,
  SAILPOINT_HYDRATION_STATUSES,
  SAILPOINT_OBJECT_TYPES,
  type OpenEnum,
  type SailPointBackupOptions,
  type SailPointBackupList,
  type SailPointBackupRecord,
  type SailPointBackupStatus,
  type SailPointBackupType,
  type SailPointCloudStorageStatus,
  type SailPointHydrationStatus,
  type SailPointObjectSelection,
  type SailPointObjectType,
  type SkippedRecord,
} from './records.js';
