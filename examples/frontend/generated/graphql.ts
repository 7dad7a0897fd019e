/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  /** The `ID` scalar type represents a unique identifier, often used to refetch an object or as key for a cache. The ID type appears in a JSON response as a String; however, it is not intended to be human-readable. When expected as an input type, any string (such as `"4"`) or integer (such as `4`) input value will be accepted as an ID. */
  ID: { input: string; output: string; }
  /** The `String` scalar type represents textual data, represented as UTF-8 character sequences. The String type is most often used by GraphQL to represent free-form human-readable text. */
  String: { input: string; output: string; }
  /** The `Boolean` scalar type represents `true` or `false`. */
  Boolean: { input: boolean; output: boolean; }
  /** The `Int` scalar type represents non-fractional signed whole numeric values. Int can represent values between -(2^31) and 2^31 - 1. */
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A point in time as an ISO 8601 string in UTC, such as `2026-11-20T05:00:12.345Z`. */
  DateTime: { input: string; output: string; }
  /** An integer up to 2^53-1 (9 PiB as a byte count), sent as a JSON number that JavaScript reads exactly. Used where 32-bit `Int` would overflow; 2^53 is also the precision the AWS SDK itself decodes byte counts with. */
  SafeInt: { input: number; output: number; }
  _Any: { input: any; output: any; }
};

/** The state of a job exactly as AWS Backup reports it. */
export type AwsBackupJobState =
  /** Stopped before it finished. */
  | 'ABORTED'
  /** A stop was requested; the job is cleaning up. */
  | 'ABORTING'
  /** Finished; check `messageCategory` for warnings. */
  | 'COMPLETED'
  /** Created and not started yet. A job stays here through its start window while AWS Backup keeps trying to start it (it retries a failed start at least every 10 minutes). */
  | 'CREATED'
  /** Never ran: its start window (`startBy`) passed before AWS Backup could start it, so nothing was backed up. */
  | 'EXPIRED'
  /** Ended with an error; `statusMessage` says why. */
  | 'FAILED'
  /** Finished with only some of the resource backed up. */
  | 'PARTIAL'
  /** About to run: AWS Backup has not begun copying data yet. */
  | 'PENDING'
  /** Copying data into the vault. */
  | 'RUNNING'
  /** AWS Backup sent a value this gateway version does not know yet (its enums grow over time). The job is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN';

/** How long the recovery point a started job makes is kept, and when it moves to cold storage (AWS Backup's `Lifecycle`). */
export type AwsRecoveryPointLifecycleInput = {
  /** Days after creation before the recovery point is deleted; at least 90 more than `moveToColdStorageAfterDays` when both are set. */
  deleteAfterDays?: InputMaybe<Scalars['Int']['input']>;
  /** Days after creation before the recovery point moves to cold storage. */
  moveToColdStorageAfterDays?: InputMaybe<Scalars['Int']['input']>;
};

/** The state of a recovery point as AWS Backup reports it. */
export type AwsRecoveryPointStatus =
  /** Made without issues and ready to restore from. */
  | 'AVAILABLE'
  /** Made and ready to restore from. */
  | 'COMPLETED'
  /** The backup job that makes it is still running. */
  | 'CREATING'
  /** Being deleted, at the end of its retention or on request. */
  | 'DELETING'
  /** Past its retention, but AWS Backup could not delete it (permissions, usually); it still costs storage. */
  | 'EXPIRED'
  /** A composite recovery point some of whose nested recovery points were not made. */
  | 'PARTIAL'
  /** A continuous backup that stopped (lost permissions, versioning turned off, a changed retention); the next run of its rule starts a new one. */
  | 'STOPPED'
  /** AWS Backup sent a value this gateway version does not know yet (its enums grow over time). The recovery point is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN';

/** Where a recovery point is stored now, which sets what it costs and how fast it restores. */
export type AwsRecoveryPointStorageClass =
  /** Cold storage, after the lifecycle moved it there: cheaper, slower to restore, kept there at least 90 days. */
  | 'COLD'
  /** No longer stored: its lifecycle deleted it. */
  | 'DELETED'
  /** AWS Backup sent a value this gateway version does not know yet (its enums grow over time). The recovery point is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN'
  /** Standard storage: restores start at once. */
  | 'WARM';

/** What made the gateway send a `BackupJobUpdate`: a new job, or a change to one of the fields subscribers are told of (the phase and completion of every job, progress and outcome fields of each kind). Changes to other fields send nothing. */
export type BackupJobChange =
  /** The job is new: the gateway had not listed it before. */
  | 'APPEARED'
  /** An AWS job reported another `backupSizeInBytes`. */
  | 'BACKUP_SIZE'
  /** An AWS job reported another `bytesTransferred`. */
  | 'BYTES_TRANSFERRED'
  /** The job finished: `completedAt` was set. */
  | 'COMPLETED'
  /** A SailPoint backup reported another `hydrationStatus`. */
  | 'HYDRATION_STATUS'
  /** A SailPoint backup reported another `totalObjectCount`. */
  | 'OBJECT_COUNT'
  /** An AWS job reported another `percentDone`. */
  | 'PERCENT_DONE'
  /** The job moved to another `phase`. */
  | 'PHASE'
  /** A SailPoint job reported another `status`. */
  | 'STATUS'
  /** An AWS job reported another `statusMessage`. */
  | 'STATUS_MESSAGE';

/** How a source's jobs were counted for a summary. */
export type BackupJobCountMethod =
  /** By counting the source's jobs in its shared read model, as `backupJobs` pages them: no upstream call while the read model is fresh. */
  | 'READ_MODEL'
  /** From the counts the upstream keeps itself (AWS Backup's ListBackupJobSummaries): a few calls whatever the source's size, cached for the source's `refreshAfterMs`. */
  | 'UPSTREAM_SUMMARY';

/** Narrows `backupJobs`. Every condition must hold. The gateway applies them to the jobs each source's read model holds, so a page holds `first` jobs while matching ones remain, and no condition costs an upstream call. */
export type BackupJobFilter = {
  /** AWS only: only jobs of this 12-digit account. Leaves sources of other kinds out, and AWS sources pinned to another account. */
  accountId?: InputMaybe<Scalars['String']['input']>;
  /** AWS only: only jobs storing into this vault. Leaves sources of other kinds out. */
  backupVaultName?: InputMaybe<Scalars['String']['input']>;
  /** Only jobs created after this instant. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only jobs created before this instant. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  /** Only jobs in one of these phases. */
  phases?: InputMaybe<Array<BackupJobPhase>>;
  /** AWS only: only jobs for this resource type, as AWS names it, case-sensitive: `Aurora`, `CloudFormation`, `DocumentDB`, `DynamoDB`, `EBS`, `EC2`, `EFS`, `FSx`, `Neptune`, `RDS`, `Redshift`, `S3`, `SAP HANA on Amazon EC2`, `Storage Gateway`, `Timestream`, `VirtualMachine`. A value that is one of these in another case matches nothing and adds a warning to the answer's `extensions.warnings`. Leaves sources of other kinds out. */
  resourceType?: InputMaybe<Scalars['String']['input']>;
  /** Only jobs of sources of these kinds (an empty list: none). */
  sourceKinds?: InputMaybe<Array<BackupSourceKind>>;
  /** Only jobs from these configured sources (see `backupSources`). An unknown name is an error. */
  sourceNames?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** Where a backup job is in its life, the same vocabulary for every source. Each value names the upstream states it stands for; docs/graph.md has the full table. */
export type BackupJobPhase =
  /** Stopped before it finished; no usable backup. AWS: ABORTED. SailPoint: CANCELLED. */
  | 'CANCELLED'
  /** A stop was requested and the job is winding down. AWS: ABORTING. SailPoint: none. */
  | 'CANCELLING'
  /** Finished and the backup is usable. AWS: COMPLETED with message category SUCCESS (or none). SailPoint: COMPLETE without a failed cloud copy, whatever fileExists says (that the file is gone now does not make the run a bad one). */
  | 'COMPLETED'
  /** Finished, but not cleanly; worth a look (the AWS console calls it "Completed with issues"). AWS: COMPLETED with another message category. SailPoint: COMPLETE with cloudStorageStatus SYNC_FAILED. */
  | 'COMPLETED_WITH_ISSUES'
  /** Never ran: its start window passed before the upstream could start it, so nothing was backed up. AWS: EXPIRED. SailPoint: none. */
  | 'EXPIRED'
  /** Ended without a backup. AWS: FAILED. SailPoint: FAILED. */
  | 'FAILED'
  /** Finished with only part of the data backed up. AWS: PARTIAL. SailPoint: none (isPartial backups were asked to be partial). */
  | 'PARTIAL'
  /** Accepted but not started yet, including the start window during which AWS Backup keeps trying to start a job. AWS: CREATED, PENDING. SailPoint: NOT_STARTED. */
  | 'QUEUED'
  /** Working now. AWS: RUNNING. SailPoint: IN_PROGRESS. */
  | 'RUNNING'
  /** In a state this gateway does not know yet (upstreams add states): AWS `state` or SailPoint `status` is UNKNOWN, and `stateRaw` or `statusRaw` holds the value the upstream sent. `completedAt` tells whether it finished. */
  | 'UNKNOWN';

/** What `backupJobSummary` can group jobs by. A job that has no value of a dimension counts in the group whose value is null. */
export type BackupJobSummaryDimension =
  /** The AWS account that owns the job; null for a job of another kind. */
  | 'ACCOUNT_ID'
  /** The UTC day the job was created on. */
  | 'DAY'
  /** The job's `phase`. */
  | 'PHASE'
  /** The AWS Region of the job; null for a job of another kind. */
  | 'REGION'
  /** The type of the AWS resource backed up (`EBS`, `RDS`, ...); null for a job of another kind. */
  | 'RESOURCE_TYPE'
  /** The kind of the job's source (`sourceKind`). */
  | 'SOURCE'
  /** The job's configured source (`sourceName`). */
  | 'SOURCE_NAME';

/** Which upstream system a source is, and so which API the gateway reads its jobs through. A configured source (`BackupSource`) has one kind; several sources can share it. */
export type BackupSourceKind =
  /** AWS Backup: jobs that back up AWS resources (EBS, RDS, EFS, DynamoDB, S3, ...) into backup vaults. */
  | 'AWS_BACKUP'
  /** SailPoint Identity Security Cloud: Configuration Hub backups and uploaded configurations of a tenant. */
  | 'SAILPOINT';

/** Where a source's circuit breaker stands: whether the gateway calls the source at all. */
export type CircuitState =
  /** Calls go through as usual. */
  | 'CLOSED'
  /** The probe interval passed: the next call goes through and decides whether the circuit closes again. */
  | 'HALF_OPEN'
  /** The source failed too many calls in a row: calls fail at once with UPSTREAM_UNAVAILABLE, without reaching it, until the probe interval passes. */
  | 'OPEN';

/** The Configuration Hub backup or uploaded configuration to delete. */
export type DeleteSailPointRecordInput = {
  /** Any string the client chooses; the payload returns it unchanged (Relay), so a client can match answers to requests. */
  clientMutationId?: InputMaybe<Scalars['String']['input']>;
  /** Its SailPoint job id (jobId). */
  jobId: Scalars['String']['input'];
  /** The configured source to act on; the caller needs write permission on it. */
  sourceName: Scalars['String']['input'];
};

/** The status of a Configuration Hub backup exactly as SailPoint reports it. */
export type SailPointBackupStatus =
  /** Stopped before it finished. */
  | 'CANCELLED'
  /** Finished successfully. Whether its file is still kept is `fileExists`, a separate matter. */
  | 'COMPLETE'
  /** Ended without a usable backup. */
  | 'FAILED'
  /** Collecting the tenant configuration now. */
  | 'IN_PROGRESS'
  /** Requested, not started yet. */
  | 'NOT_STARTED'
  /** SailPoint sent a value this gateway version does not know yet (its enums grow over time). The job is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN';

/** How a Configuration Hub backup came to be. */
export type SailPointBackupType =
  /** Made automatically by SailPoint operations. */
  | 'AUTOMATED'
  /** Made automatically while a draft was being prepared. */
  | 'AUTOMATED_DRAFT'
  /** Made by a user on request. */
  | 'MANUAL'
  /** SailPoint sent a value this gateway version does not know yet (its enums grow over time). The job is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN'
  /** Made by uploading an existing configuration file. */
  | 'UPLOADED';

/** Whether a backup has been copied to the customer-managed cloud storage. */
export type SailPointCloudStorageStatus =
  /** Not copied (no storage configured, or not yet). */
  | 'NOT_SYNCED'
  /** Copied to the customer storage. */
  | 'SYNCED'
  /** The copy failed; the phase is COMPLETED_WITH_ISSUES. */
  | 'SYNC_FAILED'
  /** SailPoint sent a value this gateway version does not know yet (its enums grow over time). The job is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN';

/** Whether the object details of a backup are ready to browse. */
export type SailPointHydrationStatus =
  /** The object details are ready. */
  | 'HYDRATED'
  /** The object details are not ready yet. */
  | 'NOT_HYDRATED'
  /** SailPoint sent a value this gateway version does not know yet (its enums grow over time). The job is still returned; upgrade the gateway to see the value. */
  | 'UNKNOWN';

/** An on-demand backup job to start (AWS Backup's StartBackupJob). */
export type StartAwsBackupJobInput = {
  /** The vault to store the recovery point in, such as `Default`. */
  backupVaultName: Scalars['String']['input'];
  /** Any string the client chooses; the payload returns it unchanged (Relay), so a client can match answers to requests. */
  clientMutationId?: InputMaybe<Scalars['String']['input']>;
  /** Minutes after its start within which the job must complete, or AWS cancels it. */
  completeWindowMinutes?: InputMaybe<Scalars['Int']['input']>;
  /** The IAM role AWS Backup assumes to make the backup, such as `arn:aws:iam::111122223333:role/service-role/AWSBackupDefaultServiceRole`. */
  iamRoleArn: Scalars['String']['input'];
  /** AWS's idempotency token: the same token again starts no second job and answers with the first. Without one, the gateway derives one from the caller, the input (`clientMutationId` included) and, when there is no `clientMutationId`, the current ten minutes (UTC), so that a request sent again starts nothing new (docs/graph.md). */
  idempotencyToken?: InputMaybe<Scalars['String']['input']>;
  /** The recovery point's lifecycle; the vault's default when omitted. */
  lifecycle?: InputMaybe<AwsRecoveryPointLifecycleInput>;
  /** The ARN of the resource to back up; it must be in the account and Region of the source. */
  resourceArn: Scalars['String']['input'];
  /** The configured source to act on; the caller needs write permission on it. */
  sourceName: Scalars['String']['input'];
  /** Minutes after which the job is canceled if it has not started (AWS's default 8 hours; at least 60). */
  startWindowMinutes?: InputMaybe<Scalars['Int']['input']>;
};

/** A job to stop (AWS Backup's StopBackupJob). */
export type StopAwsBackupJobInput = {
  /** The AWS job id (BackupJobId) of a job that is `CREATED`, `PENDING` or `RUNNING`. */
  backupJobId: Scalars['String']['input'];
  /** Any string the client chooses; the payload returns it unchanged (Relay), so a client can match answers to requests. */
  clientMutationId?: InputMaybe<Scalars['String']['input']>;
  /** The configured source to act on; the caller needs write permission on it. */
  sourceName: Scalars['String']['input'];
};

export type DashboardQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type DashboardQuery = { __typename?: 'Query', backupSources: Array<{ __typename?: 'BackupSource', name: string, kind: BackupSourceKind, lastCall?: { __typename?: 'SourceLastCall', reachable: boolean, errorCode?: string | null } | null }>, backupJobs: { __typename?: 'BackupJobConnection', edges: Array<{ __typename?: 'BackupJobEdge', node?:
        | { __typename?: 'AwsBackupJob', accountId?: string | null, region: string, resourceType?: string | null, backupSizeInBytes?: number | null, id: string, sourceKind: BackupSourceKind, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null, completedAt?: string | null, createdBy?: { __typename?: 'AwsRecoveryPointCreator', backupPlanName?: string | null, backupRuleName?: string | null } | null, recoveryPointLifecycle?: { __typename?: 'AwsRecoveryPointLifecycle', moveToColdStorageAfterDays?: number | null, deleteAfterDays?: number | null } | null }
        | { __typename?: 'SailPointBackupJob', tenant?: string | null, backupType?: SailPointBackupType | null, requesterName?: string | null, totalObjectCount?: number | null, id: string, sourceKind: BackupSourceKind, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null, completedAt?: string | null, options?: { __typename?: 'SailPointBackupOptions', includeTypes?: Array<string> | null } | null }
       | null } | null>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type FailedJobsQueryVariables = Exact<{
  since: Scalars['DateTime']['input'];
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type FailedJobsQuery = { __typename?: 'Query', backupJobs: { __typename?: 'BackupJobConnection', edges: Array<{ __typename?: 'BackupJobEdge', node?:
        | { __typename?: 'AwsBackupJob', statusMessage?: string | null, messageCategory?: string | null, resourceArn?: string | null, id: string, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null }
        | { __typename?: 'SailPointBackupJob', status?: SailPointBackupStatus | null, cloudStorageStatus?: SailPointCloudStorageStatus | null, fileExists: boolean, id: string, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null }
       | null } | null>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor?: string | null } } };

export type JobDetailQueryVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type JobDetailQuery = { __typename?: 'Query', backupJob?:
    | { __typename?: 'AwsBackupJob', accountId?: string | null, region: string, backupJobId: string, state?: AwsBackupJobState | null, statusMessage?: string | null, messageCategory?: string | null, percentDone?: string | null, resourceArn?: string | null, resourceName?: string | null, resourceType?: string | null, backupVaultName?: string | null, vaultType?: string | null, vaultLockState?: string | null, recoveryPointArn?: string | null, encryptionKeyArn?: string | null, iamRoleArn?: string | null, backupSizeInBytes?: number | null, bytesTransferred?: number | null, startBy?: string | null, expectedCompletionDate?: string | null, backupType?: string | null, isParent?: boolean | null, numberOfChildJobs?: number | null, id: string, sourceKind: BackupSourceKind, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null, completedAt?: string | null, backupOptions?: Array<{ __typename?: 'AwsBackupOption', key: string, value: string }> | null, createdBy?: { __typename?: 'AwsRecoveryPointCreator', backupPlanId?: string | null, backupPlanName?: string | null, backupPlanVersion?: string | null, backupRuleName?: string | null, backupRuleCron?: string | null, backupRuleTimezone?: string | null } | null, recoveryPointLifecycle?: { __typename?: 'AwsRecoveryPointLifecycle', moveToColdStorageAfterDays?: number | null, deleteAfterDays?: number | null, optInToArchiveForSupportedResources?: boolean | null, deleteAfterEvent?: string | null } | null, childJobsInState?: Array<{ __typename?: 'AwsChildJobStateCount', state: AwsBackupJobState, count: number }> | null, parentJob?: { __typename?: 'AwsBackupJob', id: string, displayName?: string | null } | null, childJobs?: Array<{ __typename?: 'AwsBackupJob', id: string, displayName?: string | null, phase: BackupJobPhase }> | null }
    | { __typename?: 'SailPointBackupJob', jobId: string, status?: SailPointBackupStatus | null, tenant?: string | null, name?: string | null, requesterName?: string | null, created?: string | null, modified?: string | null, completed?: string | null, fileExists: boolean, userCanDelete: boolean, isPartial: boolean, hydrationStatus?: SailPointHydrationStatus | null, cloudStorageStatus?: SailPointCloudStorageStatus | null, totalObjectCount?: number | null, id: string, sourceKind: BackupSourceKind, sourceName: string, displayName?: string | null, phase: BackupJobPhase, createdAt?: string | null, completedAt?: string | null, configurationBackupType?: SailPointBackupType | null, options?: { __typename?: 'SailPointBackupOptions', includeTypes?: Array<string> | null, objectOptions?: Array<{ __typename?: 'SailPointObjectOption', objectType: string, includedNames: Array<string> }> | null } | null }
   | null };

export type JobUpdatesSubscriptionVariables = Exact<{
  filter?: InputMaybe<BackupJobFilter>;
}>;


export type JobUpdatesSubscription = { __typename?: 'Subscription', backupJobUpdated: { __typename?: 'BackupJobUpdate', changes: Array<BackupJobChange>, job:
      | { __typename?: 'AwsBackupJob', backupJobId: string, percentDone?: string | null, bytesTransferred?: number | null, id: string, sourceName: string, displayName?: string | null, phase: BackupJobPhase, completedAt?: string | null }
      | { __typename?: 'SailPointBackupJob', status?: SailPointBackupStatus | null, totalObjectCount?: number | null, id: string, sourceName: string, displayName?: string | null, phase: BackupJobPhase, completedAt?: string | null }
     } };


export const DashboardDocument = {"__meta__":{"hash":"7860f5625fbdbb6411afea4aa5249aa539b2794b4afda4144cbfbbe01e62f475"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Dashboard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"50"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupSources"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"lastCall"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reachable"}},{"kind":"Field","name":{"kind":"Name","value":"errorCode"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"backupJobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sourceKind"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AwsBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountId"}},{"kind":"Field","name":{"kind":"Name","value":"region"}},{"kind":"Field","name":{"kind":"Name","value":"resourceType"}},{"kind":"Field","name":{"kind":"Name","value":"backupSizeInBytes"}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupPlanName"}},{"kind":"Field","name":{"kind":"Name","value":"backupRuleName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recoveryPointLifecycle"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"moveToColdStorageAfterDays"}},{"kind":"Field","name":{"kind":"Name","value":"deleteAfterDays"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SailPointBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenant"}},{"kind":"Field","name":{"kind":"Name","value":"backupType"}},{"kind":"Field","name":{"kind":"Name","value":"requesterName"}},{"kind":"Field","name":{"kind":"Name","value":"totalObjectCount"}},{"kind":"Field","name":{"kind":"Name","value":"options"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"includeTypes"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<DashboardQuery, DashboardQueryVariables>;
export const FailedJobsDocument = {"__meta__":{"hash":"6e0e66013464999d1fde0a05ebfcbb8822ca4dc208f97ea8c67d256dfdf58dc5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FailedJobs"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupJobs"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"phases"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"FAILED"},{"kind":"EnumValue","value":"COMPLETED_WITH_ISSUES"},{"kind":"EnumValue","value":"PARTIAL"}]}},{"kind":"ObjectField","name":{"kind":"Name","value":"createdAfter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AwsBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"messageCategory"}},{"kind":"Field","name":{"kind":"Name","value":"resourceArn"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SailPointBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"cloudStorageStatus"}},{"kind":"Field","name":{"kind":"Name","value":"fileExists"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<FailedJobsQuery, FailedJobsQueryVariables>;
export const JobDetailDocument = {"__meta__":{"hash":"7a18db61db75adc55ed8399be72228284f0683a6ca1a25bfa277c4c3c4fcc91e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"JobDetail"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupJob"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sourceKind"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AwsBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accountId"}},{"kind":"Field","name":{"kind":"Name","value":"region"}},{"kind":"Field","name":{"kind":"Name","value":"backupJobId"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"statusMessage"}},{"kind":"Field","name":{"kind":"Name","value":"messageCategory"}},{"kind":"Field","name":{"kind":"Name","value":"percentDone"}},{"kind":"Field","name":{"kind":"Name","value":"resourceArn"}},{"kind":"Field","name":{"kind":"Name","value":"resourceName"}},{"kind":"Field","name":{"kind":"Name","value":"resourceType"}},{"kind":"Field","name":{"kind":"Name","value":"backupVaultName"}},{"kind":"Field","name":{"kind":"Name","value":"vaultType"}},{"kind":"Field","name":{"kind":"Name","value":"vaultLockState"}},{"kind":"Field","name":{"kind":"Name","value":"recoveryPointArn"}},{"kind":"Field","name":{"kind":"Name","value":"encryptionKeyArn"}},{"kind":"Field","name":{"kind":"Name","value":"iamRoleArn"}},{"kind":"Field","name":{"kind":"Name","value":"backupSizeInBytes"}},{"kind":"Field","name":{"kind":"Name","value":"bytesTransferred"}},{"kind":"Field","name":{"kind":"Name","value":"startBy"}},{"kind":"Field","name":{"kind":"Name","value":"expectedCompletionDate"}},{"kind":"Field","name":{"kind":"Name","value":"backupType"}},{"kind":"Field","name":{"kind":"Name","value":"backupOptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"createdBy"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupPlanId"}},{"kind":"Field","name":{"kind":"Name","value":"backupPlanName"}},{"kind":"Field","name":{"kind":"Name","value":"backupPlanVersion"}},{"kind":"Field","name":{"kind":"Name","value":"backupRuleName"}},{"kind":"Field","name":{"kind":"Name","value":"backupRuleCron"}},{"kind":"Field","name":{"kind":"Name","value":"backupRuleTimezone"}}]}},{"kind":"Field","name":{"kind":"Name","value":"recoveryPointLifecycle"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"moveToColdStorageAfterDays"}},{"kind":"Field","name":{"kind":"Name","value":"deleteAfterDays"}},{"kind":"Field","name":{"kind":"Name","value":"optInToArchiveForSupportedResources"}},{"kind":"Field","name":{"kind":"Name","value":"deleteAfterEvent"}}]}},{"kind":"Field","name":{"kind":"Name","value":"isParent"}},{"kind":"Field","name":{"kind":"Name","value":"numberOfChildJobs"}},{"kind":"Field","name":{"kind":"Name","value":"childJobsInState"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"parentJob"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"childJobs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SailPointBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"jobId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"requesterName"}},{"kind":"Field","alias":{"kind":"Name","value":"configurationBackupType"},"name":{"kind":"Name","value":"backupType"}},{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"modified"}},{"kind":"Field","name":{"kind":"Name","value":"completed"}},{"kind":"Field","name":{"kind":"Name","value":"fileExists"}},{"kind":"Field","name":{"kind":"Name","value":"userCanDelete"}},{"kind":"Field","name":{"kind":"Name","value":"isPartial"}},{"kind":"Field","name":{"kind":"Name","value":"hydrationStatus"}},{"kind":"Field","name":{"kind":"Name","value":"cloudStorageStatus"}},{"kind":"Field","name":{"kind":"Name","value":"totalObjectCount"}},{"kind":"Field","name":{"kind":"Name","value":"options"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"includeTypes"}},{"kind":"Field","name":{"kind":"Name","value":"objectOptions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"objectType"}},{"kind":"Field","name":{"kind":"Name","value":"includedNames"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<JobDetailQuery, JobDetailQueryVariables>;
export const JobUpdatesDocument = {"__meta__":{"hash":"c777e8fd5621313a4e6072884e62ce72a722aeff3d7c152ee4aa3b0edb06485e"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"JobUpdates"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"BackupJobFilter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupJobUpdated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"}},{"kind":"Field","name":{"kind":"Name","value":"job"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"sourceName"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"phase"}},{"kind":"Field","name":{"kind":"Name","value":"completedAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"AwsBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"backupJobId"}},{"kind":"Field","name":{"kind":"Name","value":"percentDone"}},{"kind":"Field","name":{"kind":"Name","value":"bytesTransferred"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SailPointBackupJob"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"totalObjectCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<JobUpdatesSubscription, JobUpdatesSubscriptionVariables>;