// The records the AWS sandbox's jobs point at (recovery points, plans, vaults), read with the unmodified SDK over real HTTP.
import {
  BackupClient,
  DescribeBackupVaultCommand,
  DescribeRecoveryPointCommand,
  GetBackupPlanCommand,
  InvalidParameterValueException,
  ResourceNotFoundException,
} from '@aws-sdk/client-backup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox, type WireBackupJob } from '../src/sandbox/aws/index.js';

const NOW = new Date('2026-11-01T12:00:00Z');
const CALLER = '111122223333';
const OTHER = '444455556666';
const REGION = 'us-east-1';
const DAY_MS = 86_400_000;

let sandbox: AwsSandbox;
let denying: AwsSandbox;
const clients: BackupClient[] = [];

function client(target = sandbox, region = REGION): BackupClient {
  const created = new BackupClient({ endpoint: target.url, region, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  clients.push(created);
  return created;
}

beforeAll(async () => {
  [sandbox, denying] = await Promise.all([startAwsSandbox({ now: NOW, crossAccountDescribe: 'allow' }), startAwsSandbox({ now: NOW })]);
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await Promise.all([sandbox.close(), denying.close()]);
});

const records = (account?: string): WireBackupJob[] =>
  sandbox.store.jobs(REGION).map((job) => job.record).filter((record) => account === undefined || record.AccountId === account);

function describePoint(record: WireBackupJob, target = sandbox) {
  return client(target).send(
    new DescribeRecoveryPointCommand({ BackupVaultName: record.BackupVaultName, RecoveryPointArn: record.RecoveryPointArn!, BackupVaultAccountId: record.AccountId }),
  );
}

describe('DescribeRecoveryPoint', () => {
  it('answers for every recovery point a settled job names, with the job’s size, key, creator and lifecycle', async () => {
    const settled = records().filter((record) => record.RecoveryPointArn && (record.State === 'COMPLETED' || record.State === 'PARTIAL'));
    expect(settled.length).toBeGreaterThan(100);
    for (const record of settled) {
      const point = await describePoint(record);
      expect(point).toMatchObject({
        RecoveryPointArn: record.RecoveryPointArn,
        BackupVaultName: record.BackupVaultName,
        BackupVaultArn: record.BackupVaultArn,
        ResourceArn: record.ResourceArn,
        ResourceType: record.ResourceType,
        BackupSizeInBytes: record.BackupSizeInBytes,
        EncryptionKeyArn: record.EncryptionKeyArn,
        IsEncrypted: true,
        IsParent: record.IsParent,
        VaultType: record.VaultType,
        Status: expect.stringMatching(record.State === 'PARTIAL' ? /^(PARTIAL|DELETING)$/ : /^(COMPLETED|DELETING)$/),
      });
      expect(point.CreatedBy).toEqual(record.CreatedBy);
      expect(point.CreationDate!.getTime()).toBe(Math.round(record.CreationDate * 1000));
      expect(point.CompletionDate!.getTime()).toBe(Math.round(record.CompletionDate! * 1000));
      const lifecycle = record.RecoveryPointLifecycle;
      const at = (days: number | undefined) => (days === undefined ? undefined : new Date(Math.round(record.CreationDate * 1000) + days * DAY_MS));
      expect(point.CalculatedLifecycle?.DeleteAt).toEqual(at(lifecycle?.DeleteAfterDays));
      expect(point.CalculatedLifecycle?.MoveToColdStorageAt).toEqual(at(lifecycle?.MoveToColdStorageAfterDays));
      const deleteAt = point.CalculatedLifecycle?.DeleteAt?.getTime();
      const coldAt = point.CalculatedLifecycle?.MoveToColdStorageAt?.getTime();
      const storage = deleteAt !== undefined && deleteAt <= NOW.getTime() ? 'DELETED' : coldAt !== undefined && coldAt <= NOW.getTime() ? 'COLD' : 'WARM';
      expect(point.StorageClass).toBe(storage);
      expect(point.Status === 'DELETING').toBe(storage === 'DELETED');
    }
    const classes = new Set<string>();
    for (const record of settled.slice(0, 400)) classes.add((await describePoint(record)).StorageClass!);
    expect([...classes].sort()).toEqual(['COLD', 'DELETED', 'WARM']);
  });

  it('links a nested recovery point to its composite parent, named by the stack member’s logical id', async () => {
    const child = records().find((record) => record.ParentJobId && record.State === 'COMPLETED' && sandbox.store.job(REGION, record.ParentJobId)?.record.RecoveryPointArn)!;
    const parent = sandbox.store.job(REGION, child.ParentJobId!)!.record;
    const point = await describePoint(child);
    expect(point.ParentRecoveryPointArn).toBe(parent.RecoveryPointArn);
    expect(point.CompositeMemberIdentifier).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect((await describePoint(parent)).IsParent).toBe(true);
  });

  it('finds no recovery point for a failed job’s vault, nor one in another vault', async () => {
    const completed = records(CALLER).find((record) => record.State === 'COMPLETED' && record.RecoveryPointArn)!;
    const otherVault = completed.BackupVaultName === 'Default' ? 'prod-backup-vault' : 'Default';
    await expect(describePoint({ ...completed, BackupVaultName: otherVault })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(describePoint({ ...completed, RecoveryPointArn: `${completed.RecoveryPointArn}0` })).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(describePoint({ ...completed, BackupVaultName: 'x' })).rejects.toBeInstanceOf(InvalidParameterValueException);
  });

  it('refuses another account’s recovery point where cross-account Describe is denied, and answers the caller’s own', async () => {
    const other = records(OTHER).find((record) => record.State === 'COMPLETED' && record.RecoveryPointArn)!;
    await expect(describePoint(other, denying)).rejects.toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } });
    const own = records(CALLER).find((record) => record.State === 'COMPLETED' && record.RecoveryPointArn)!;
    expect((await describePoint(own, denying)).RecoveryPointArn).toBe(own.RecoveryPointArn);
  });
});

describe('GetBackupPlan', () => {
  it('answers every plan a job names, its rules matching the jobs they started', async () => {
    const scheduled = records().filter((record) => record.CreatedBy?.BackupPlanId);
    const plans = new Map(scheduled.map((record) => [record.CreatedBy!.BackupPlanId!, record]));
    expect(plans.size).toBeGreaterThanOrEqual(10);
    for (const [planId, sample] of plans) {
      const answer = await client().send(new GetBackupPlanCommand({ BackupPlanId: planId, VersionId: sample.CreatedBy!.BackupPlanVersion }));
      expect(answer).toMatchObject({ BackupPlanId: planId, BackupPlanArn: sample.CreatedBy!.BackupPlanArn, VersionId: sample.CreatedBy!.BackupPlanVersion });
      expect(answer.BackupPlan!.BackupPlanName).toBe(sample.CreatedBy!.BackupPlanName);
      for (const job of scheduled.filter((record) => record.CreatedBy!.BackupPlanId === planId)) {
        const rule = answer.BackupPlan!.Rules!.find((candidate) => candidate.RuleId === job.CreatedBy!.BackupRuleId)!;
        expect(rule).toMatchObject({
          RuleName: job.CreatedBy!.BackupRuleName,
          ScheduleExpression: job.CreatedBy!.BackupRuleCron,
          ScheduleExpressionTimezone: job.CreatedBy!.BackupRuleTimezone,
          TargetBackupVaultName: job.BackupVaultName,
          StartWindowMinutes: (job.StartBy! - job.InitiationDate!) / 60,
          CompletionWindowMinutes: (job.ExpectedCompletionDate! - job.InitiationDate!) / 60,
        });
        expect(rule.Lifecycle?.DeleteAfterDays).toBe(job.RecoveryPointLifecycle?.DeleteAfterDays);
        expect(rule.Lifecycle?.MoveToColdStorageAfterDays).toBe(job.RecoveryPointLifecycle?.MoveToColdStorageAfterDays);
      }
      expect(answer.LastExecutionDate!.getTime()).toBeLessThanOrEqual(NOW.getTime());
    }
  });

  it('answers unknown plans and versions with ResourceNotFoundException, and another account’s plan with AccessDenied where that is denied', async () => {
    const sample = records(OTHER).find((record) => record.CreatedBy)!;
    await expect(client().send(new GetBackupPlanCommand({ BackupPlanId: 'no-such-plan' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client().send(new GetBackupPlanCommand({ BackupPlanId: sample.CreatedBy!.BackupPlanId!, VersionId: 'older' }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client(denying).send(new GetBackupPlanCommand({ BackupPlanId: sample.CreatedBy!.BackupPlanId! }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(client().send(new GetBackupPlanCommand({ BackupPlanId: sample.CreatedBy!.BackupPlanId!, MaxScheduledRunsPreview: 11 }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });
});

describe('DescribeBackupVault', () => {
  it('counts the recovery points its jobs left in it that are not being deleted', async () => {
    for (const account of [CALLER, OTHER]) {
      for (const name of ['Default', 'prod-backup-vault', 'compliance-vault', 'airgapped-vault']) {
        const vault = await client().send(new DescribeBackupVaultCommand({ BackupVaultName: name, BackupVaultAccountId: account }));
        let live = 0;
        for (const record of records(account).filter((r) => r.BackupVaultName === name && r.RecoveryPointArn && (r.State === 'COMPLETED' || r.State === 'PARTIAL'))) {
          if ((await describePoint(record)).StorageClass !== 'DELETED') live++;
        }
        expect(vault).toMatchObject({ BackupVaultName: name, BackupVaultArn: `arn:aws:backup:${REGION}:${account}:backup-vault:${name}`, VaultState: 'AVAILABLE', NumberOfRecoveryPoints: live });
        const job = records(account).find((record) => record.BackupVaultName === name);
        expect(vault.VaultType).toBe(job?.VaultType ?? vault.VaultType);
        expect(vault.Locked).toBe(name === 'airgapped-vault');
        if (vault.Locked) expect(vault).toMatchObject({ MinRetentionDays: 7, MaxRetentionDays: 3650, LockDate: vault.CreationDate });
      }
    }
  });

  it('refuses another account’s vault where cross-account Describe is denied, and knows no other vault', async () => {
    await expect(client(denying).send(new DescribeBackupVaultCommand({ BackupVaultName: 'Default', BackupVaultAccountId: OTHER }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    expect((await client(denying).send(new DescribeBackupVaultCommand({ BackupVaultName: 'Default' }))).BackupVaultName).toBe('Default');
    await expect(client().send(new DescribeBackupVaultCommand({ BackupVaultName: 'no-such-vault' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(client().send(new DescribeBackupVaultCommand({ BackupVaultName: 'Default', BackupVaultAccountId: '12' }))).rejects.toBeInstanceOf(
      InvalidParameterValueException,
    );
  });

  it('counts each call under its operation', async () => {
    sandbox.calls.reset();
    await client().send(new DescribeBackupVaultCommand({ BackupVaultName: 'Default' }));
    await client().send(new DescribeBackupVaultCommand({ BackupVaultName: 'Default' }));
    expect(sandbox.calls.byOperation()).toMatchObject({ DescribeBackupVault: 2, DescribeRecoveryPoint: 0, GetBackupPlan: 0 });
  });
});

describe('the large organization', () => {
  it('serves the plans and vaults its generated jobs name, and their recovery points', async () => {
    const large = await startAwsSandbox({ now: NOW, jobs: 200, crossAccountDescribe: 'allow' });
    try {
      const job = large.store.jobs(REGION).map((j) => j.record).find((record) => record.CreatedBy && record.State === 'COMPLETED' && record.RecoveryPointArn)!;
      const plan = await client(large).send(new GetBackupPlanCommand({ BackupPlanId: job.CreatedBy!.BackupPlanId! }));
      expect(plan.BackupPlan!.Rules!.map((rule) => rule.RuleId)).toContain(job.CreatedBy!.BackupRuleId);
      const vault = await client(large).send(new DescribeBackupVaultCommand({ BackupVaultName: job.BackupVaultName, BackupVaultAccountId: job.AccountId }));
      expect(vault.NumberOfRecoveryPoints).toBeGreaterThan(0);
      expect((await describePoint(job, large)).BackupSizeInBytes).toBe(job.BackupSizeInBytes);
    } finally {
      await large.close();
    }
  });
});
