// DescribeRecoveryPoint, GetBackupPlan and DescribeBackupVault: the records the sandbox's jobs point at, derived from those jobs and the plan rules that made them.
import { accessDenied, invalidParameter, notFound } from './errors.js';
import type { Caller, CrossAccountDescribe } from './operations.js';
import { Rng } from './rng.js';
import { accountRegion, cronOf, DAY, type Rule, type Vault } from './seed.js';
import type { SandboxJob, WireBackupJob, WireLifecycle, WireRecoveryPointCreator } from './store.js';

/** What the records are read from: the organization's accounts, a Region's jobs, an account's plan rules. */
export interface RecordSource {
  readonly accounts: readonly string[];
  /** Every job of the Region ListBackupJobs lists now. */
  jobs(region: string): readonly SandboxJob[];
  job(region: string, backupJobId: string): SandboxJob | undefined;
  /** The plan rules of an account in a Region, whose plans its scheduled jobs name in CreatedBy. */
  rules(account: string, region: string): readonly Rule[];
}

/** A DescribeRecoveryPoint answer as sent: PascalCase members, timestamps as epoch seconds. */
export type WireRecoveryPoint = {
  readonly RecoveryPointArn: string;
  readonly BackupVaultName: string;
  readonly BackupVaultArn: string;
  readonly ResourceArn: string;
  readonly ResourceType: string;
  readonly CreatedBy?: WireRecoveryPointCreator;
  readonly IamRoleArn: string;
  readonly Status: 'COMPLETED' | 'PARTIAL' | 'CREATING' | 'DELETING';
  readonly StatusMessage?: string;
  readonly CreationDate: number;
  readonly InitiationDate?: number;
  readonly CompletionDate?: number;
  readonly BackupSizeInBytes?: number;
  readonly CalculatedLifecycle?: { readonly MoveToColdStorageAt?: number; readonly DeleteAt?: number };
  readonly Lifecycle?: WireLifecycle;
  readonly EncryptionKeyArn?: string;
  readonly IsEncrypted: boolean;
  readonly StorageClass: 'WARM' | 'COLD' | 'DELETED';
  readonly ParentRecoveryPointArn?: string;
  readonly CompositeMemberIdentifier?: string;
  readonly IsParent: boolean;
  readonly ResourceName?: string;
  readonly VaultType: WireBackupJob['VaultType'];
};

/** A DescribeBackupVault answer as sent. */
export type WireBackupVault = {
  readonly BackupVaultName: string;
  readonly BackupVaultArn: string;
  readonly VaultType: Vault['type'];
  readonly VaultState: 'AVAILABLE';
  readonly EncryptionKeyArn: string;
  readonly CreationDate: number;
  readonly NumberOfRecoveryPoints: number;
  readonly Locked: boolean;
  readonly MinRetentionDays?: number;
  readonly MaxRetentionDays?: number;
  readonly LockDate?: number;
};

type WireBackupRule = {
  readonly RuleName: string;
  readonly TargetBackupVaultName: string;
  readonly ScheduleExpression: string;
  readonly StartWindowMinutes: number;
  readonly CompletionWindowMinutes: number;
  readonly Lifecycle?: WireLifecycle;
  readonly RuleId: string;
  readonly CopyActions?: readonly { readonly DestinationBackupVaultArn: string; readonly Lifecycle?: WireLifecycle }[];
  readonly ScheduleExpressionTimezone: string;
};

/** A GetBackupPlan answer as sent. */
export type WireBackupPlan = {
  readonly BackupPlan: {
    readonly BackupPlanName: string;
    readonly Rules: readonly WireBackupRule[];
    readonly AdvancedBackupSettings?: readonly { readonly ResourceType: string; readonly BackupOptions: Readonly<Record<string, string>> }[];
  };
  readonly BackupPlanId: string;
  readonly BackupPlanArn: string;
  readonly VersionId: string;
  readonly CreationDate: number;
  readonly LastExecutionDate?: number;
  readonly AdvancedBackupSettings?: WireBackupPlan['BackupPlan']['AdvancedBackupSettings'];
};

/** How long a copy in the air-gapped vault is kept, for the rule that stages its backups in another vault. */
const AIR_GAP_COPY_DAYS = 90;
/** The retention range the air-gapped vault's lock enforces; every lifecycle that stores into it lies within. */
const LOCKED_RETENTION_DAYS = { min: 7, max: 3650 } as const;
const VAULT_NAME = /^[a-zA-Z0-9\-_]{2,50}$/;
const seconds = (ms: number): number => ms / 1000;

export class RecordOperations {
  constructor(
    private readonly source: RecordSource,
    private readonly options: { clock: () => number; crossAccountDescribe: CrossAccountDescribe },
  ) {}

  recoveryPoint(caller: Caller, vaultName: string, recoveryPointArn: string, query: URLSearchParams): WireRecoveryPoint {
    const vault = this.vaultOf(caller, vaultName, query, 'DescribeRecoveryPoint');
    const job = this.source.jobs(caller.region).find((candidate) => candidate.record.RecoveryPointArn === recoveryPointArn)?.record;
    const point = job && job.AccountId === vault.account && job.BackupVaultName === vaultName ? this.pointOf(caller.region, job) : undefined;
    if (!point) throw notFound(`Recovery point ${recoveryPointArn} is not in backup vault ${vaultName}.`, recoveryPointArn);
    return point;
  }

  vault(caller: Caller, vaultName: string, query: URLSearchParams): WireBackupVault {
    const { vault, account } = this.vaultOf(caller, vaultName, query, 'DescribeBackupVault');
    const points = this.source
      .jobs(caller.region)
      .filter(({ record }) => record.AccountId === account && record.BackupVaultName === vaultName)
      .map(({ record }) => this.pointOf(caller.region, record))
      .filter((point) => point !== undefined && point.StorageClass !== 'DELETED').length;
    const created = creationOf(vault.arn);
    const locked = vault.lockState === 'LOCKED';
    return {
      BackupVaultName: vault.name,
      BackupVaultArn: vault.arn,
      VaultType: vault.type,
      VaultState: 'AVAILABLE',
      EncryptionKeyArn: vault.keyArn,
      CreationDate: seconds(created),
      NumberOfRecoveryPoints: points,
      Locked: locked,
      ...(locked ? { MinRetentionDays: LOCKED_RETENTION_DAYS.min, MaxRetentionDays: LOCKED_RETENTION_DAYS.max, LockDate: seconds(created) } : {}),
    };
  }

  plan(caller: Caller, backupPlanId: string, query: URLSearchParams): WireBackupPlan {
    const preview = query.get('MaxScheduledRunsPreview');
    if (preview !== null && !/^(?:[0-9]|10)$/.test(preview)) {
      throw invalidParameter(`MaxScheduledRunsPreview must be an integer from 0 to 10; got '${preview}'.`, 'MaxScheduledRunsPreview');
    }
    const owner = this.source.accounts.find((account) => this.source.rules(account, caller.region).some((rule) => rule.plan.id === backupPlanId));
    if (owner === undefined) throw notFound(`Backup plan ${backupPlanId} does not exist in ${caller.region}.`, backupPlanId);
    this.checkAccount(caller, owner, 'GetBackupPlan', `backup plan ${backupPlanId}`);
    const rules = this.source.rules(owner, caller.region).filter((rule) => rule.plan.id === backupPlanId);
    const { plan } = rules[0]!;
    const versionId = query.get('versionId');
    if (versionId !== null && versionId !== '' && versionId !== plan.version) {
      throw notFound(`Backup plan ${backupPlanId} has no version ${versionId}.`, versionId);
    }
    const vaults = accountRegion(owner, caller.region).vaults;
    const windows = rules.some((rule) => rule.resources.some((resource) => resource.windows));
    const advanced = windows ? [{ ResourceType: 'EC2', BackupOptions: { WindowsVSS: 'enabled' } }] : undefined;
    const executions = this.source
      .jobs(caller.region)
      .filter(({ record }) => record.CreatedBy?.BackupPlanId === backupPlanId && record.InitiationDate !== undefined)
      .map(({ record }) => record.InitiationDate!);
    return {
      BackupPlan: {
        BackupPlanName: plan.name,
        Rules: rules.map((rule) => ruleOf(rule, vaults)),
        ...(advanced ? { AdvancedBackupSettings: advanced } : {}),
      },
      BackupPlanId: plan.id,
      BackupPlanArn: plan.arn,
      VersionId: plan.version,
      CreationDate: seconds(creationOf(plan.arn)),
      ...(executions.length > 0 ? { LastExecutionDate: Math.max(...executions) } : {}),
      ...(advanced ? { AdvancedBackupSettings: advanced } : {}),
    };
  }

  /** The vault a request names, in the account `backupVaultAccountId` names (the caller's without one). */
  private vaultOf(caller: Caller, vaultName: string, query: URLSearchParams, operation: string): { vault: Vault; account: string } {
    if (!VAULT_NAME.test(vaultName)) throw invalidParameter(`Invalid backup vault name: ${vaultName}`, 'BackupVaultName');
    const named = query.get('backupVaultAccountId');
    if (named !== null && !/^\d{12}$/.test(named)) {
      throw invalidParameter(`BackupVaultAccountId must be a 12-digit account ID; got '${named}'.`, 'BackupVaultAccountId');
    }
    const account = named ?? caller.account;
    this.checkAccount(caller, account, operation, `backup vault ${vaultName}`);
    const vault = this.source.accounts.includes(account) ? accountRegion(account, caller.region).vaults.get(vaultName) : undefined;
    if (!vault) throw notFound(`Backup vault ${vaultName} does not exist in account ${account} in ${caller.region}.`, vaultName);
    return { vault, account };
  }

  /** Another account's record is refused as DescribeBackupJob refuses another account's job. */
  private checkAccount(caller: Caller, account: string, operation: string, what: string): void {
    if (account !== caller.account && this.options.crossAccountDescribe === 'deny') {
      throw accessDenied(`User: arn:aws:iam::${caller.account}:root is not authorized to perform: backup:${operation} on ${what} of account ${account}`);
    }
  }

  /** The recovery point a job made, as it stands now; none for a job that made none. */
  private pointOf(region: string, job: WireBackupJob): WireRecoveryPoint | undefined {
    const status = job.State === 'COMPLETED' ? 'COMPLETED' : job.State === 'PARTIAL' ? 'PARTIAL' : job.CompletionDate === undefined ? 'CREATING' : undefined;
    if (job.RecoveryPointArn === undefined || status === undefined) return undefined;
    const created = job.CreationDate * 1000;
    const lifecycle = job.RecoveryPointLifecycle;
    // AWS counts a lifecycle's days from the recovery point's creation.
    const at = (days: number | undefined) => (days === undefined ? undefined : created + days * DAY);
    const coldAt = at(lifecycle?.MoveToColdStorageAfterDays);
    const deleteAt = at(lifecycle?.DeleteAfterDays);
    const now = this.options.clock();
    const deleted = status !== 'CREATING' && deleteAt !== undefined && now >= deleteAt;
    const storageClass = deleted ? 'DELETED' : status !== 'CREATING' && coldAt !== undefined && now >= coldAt ? 'COLD' : 'WARM';
    const message = deleted
      ? 'The recovery point reached the end of its retention and is being deleted.'
      : status === 'PARTIAL'
        ? 'Some nested recovery points of this composite recovery point were not created.'
        : undefined;
    const parent = job.ParentJobId === undefined ? undefined : this.source.job(region, job.ParentJobId)?.record.RecoveryPointArn;
    return {
      RecoveryPointArn: job.RecoveryPointArn,
      BackupVaultName: job.BackupVaultName,
      BackupVaultArn: job.BackupVaultArn,
      ResourceArn: job.ResourceArn,
      ResourceType: job.ResourceType,
      ...(job.CreatedBy ? { CreatedBy: job.CreatedBy } : {}),
      IamRoleArn: job.IamRoleArn,
      Status: deleted ? 'DELETING' : status,
      ...(message ? { StatusMessage: message } : {}),
      CreationDate: job.CreationDate,
      ...(job.InitiationDate !== undefined ? { InitiationDate: job.InitiationDate } : {}),
      ...(job.CompletionDate !== undefined ? { CompletionDate: job.CompletionDate } : {}),
      ...(job.BackupSizeInBytes !== undefined ? { BackupSizeInBytes: job.BackupSizeInBytes } : {}),
      ...(coldAt !== undefined || deleteAt !== undefined
        ? { CalculatedLifecycle: { ...(coldAt !== undefined ? { MoveToColdStorageAt: seconds(coldAt) } : {}), ...(deleteAt !== undefined ? { DeleteAt: seconds(deleteAt) } : {}) } }
        : {}),
      ...(lifecycle ? { Lifecycle: lifecycle } : {}),
      ...(job.EncryptionKeyArn ? { EncryptionKeyArn: job.EncryptionKeyArn } : {}),
      IsEncrypted: job.IsEncrypted,
      StorageClass: storageClass,
      ...(parent ? { ParentRecoveryPointArn: parent, CompositeMemberIdentifier: logicalId(job.ResourceName ?? job.ResourceArn) } : {}),
      IsParent: job.IsParent,
      ...(job.ResourceName !== undefined ? { ResourceName: job.ResourceName } : {}),
      VaultType: job.VaultType,
    };
  }
}

function ruleOf(rule: Rule, vaults: ReadonlyMap<string, Vault>): WireBackupRule {
  // A lifecycle's DeleteAfterEvent is AWS Backup's to set on a recovery point, never part of a rule:
  // the rule that stages its backups copies them into the air-gapped vault instead.
  const { DeleteAfterEvent: afterCopy, ...lifecycle } = rule.lifecycle ?? {};
  const airGapped = vaults.get('airgapped-vault')!;
  return {
    RuleName: rule.name,
    TargetBackupVaultName: rule.vault,
    ScheduleExpression: cronOf(rule),
    StartWindowMinutes: rule.startWindowMinutes,
    CompletionWindowMinutes: rule.completionWindowMinutes,
    ...(rule.lifecycle ? { Lifecycle: lifecycle } : {}),
    RuleId: rule.id,
    ...(afterCopy ? { CopyActions: [{ DestinationBackupVaultArn: airGapped.arn, Lifecycle: { DeleteAfterDays: AIR_GAP_COPY_DAYS } }] } : {}),
    ScheduleExpressionTimezone: rule.timezone,
  };
}

/** When a vault or plan was made: a fixed time before any job, drawn from its ARN. */
function creationOf(arn: string): number {
  const rng = new Rng(`created/${arn}`);
  return Date.UTC(2024, 0, 1) + rng.int(0, 364) * DAY + rng.int(0, 86_399) * 1000;
}

/** A stack member's logical id as CloudFormation templates spell one: `order-events` becomes `OrderEvents`. */
function logicalId(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
