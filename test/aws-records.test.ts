// The records an AWS job points at (recovery point, backup plan, vault), read through the gateway
// over real HTTP from the sandbox: their values, what they cost upstream, federation, authorization
// and a failing Describe.
import { BackupClient, DescribeBackupVaultCommand } from '@aws-sdk/client-backup';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, type WireBackupJob } from '../src/sandbox/aws/index.js';
import { startTestGateway, steady, type TestGateway } from './support/gateway.js';
import { apiKeyEntry } from './support/secrets.js';

const CALLER = '111122223333';
const OTHER = '444455556666';
const REGION = 'us-east-1';
const SOURCE = 'aws-us-east-1';
const KEYS = { all: 'records-all-0123456789abcdef', europe: 'records-eu-0123456789abcdef' };

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway({
    configure: steady,
    security: {
      auth: {
        apiKeys: [
          apiKeyEntry('all', KEYS.all, ['*']),
          apiKeyEntry('europe', KEYS.europe, ['aws-eu-west-1']),
        ],
      },
    },
  });
  // Every source's list is read once; after it, the records are the only calls.
  await ask('{ backupJobs(first: 1) { edges { node { id } } } }');
});
afterAll(() => gateway.close());
beforeEach(() => {
  gateway.sandbox.aws.faults.clear();
  gateway.sandbox.aws.calls.reset();
});

function ask(query: string, variables?: Record<string, unknown>, key = KEYS.all) {
  return gateway.query(query, variables, { 'x-api-key': key });
}

const records = (): WireBackupJob[] => gateway.sandbox.aws.store.jobs(REGION).map((job) => job.record);
const own = () => records().filter((record) => record.AccountId === CALLER);

const RECORDS = `
  recoveryPoint {
    sourceName accountId recoveryPointArn backupVaultName backupVaultArn resourceArn resourceType resourceName
    status statusRaw storageClass backupSizeInBytes encryptionKeyArn isEncrypted isParent vaultType iamRoleArn
    creationDate completionDate calculatedLifecycle { moveToColdStorageAt deleteAt } lifecycle { deleteAfterDays moveToColdStorageAfterDays }
    createdBy { backupPlanId backupRuleName } parentRecoveryPointArn compositeMemberIdentifier
    backupVault { backupVaultName }
  }
  backupPlan {
    backupPlanId backupPlanArn versionId backupPlanName
    rules { ruleName ruleId targetBackupVaultName scheduleExpression scheduleExpressionTimezone startWindowMinutes completionWindowMinutes
      lifecycle { deleteAfterDays moveToColdStorageAfterDays } copyActions { destinationBackupVaultArn lifecycle { deleteAfterDays } } }
  }
  backupVault { backupVaultName backupVaultArn vaultType vaultState encryptionKeyArn numberOfRecoveryPoints locked minRetentionDays maxRetentionDays lockDate creationDate }`;

const iso = (seconds: number | undefined) => (seconds === undefined ? null : new Date(Math.round(seconds * 1000)).toISOString());
const DAY_S = 86_400;

async function jobWithRecords(backupJobId: string, key?: string) {
  return ask(`query ($id: String!) { job: awsBackupJob(backupJobId: $id, sourceName: "${SOURCE}") { backupJobId ${RECORDS} } }`, { id: backupJobId }, key);
}

/** What the sandbox says of a vault, asked directly (the counts are reset after it). */
async function vaultInSandbox(name: string) {
  const client = new BackupClient({ endpoint: gateway.sandbox.aws.url, region: REGION, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  try {
    return await client.send(new DescribeBackupVaultCommand({ BackupVaultName: name, BackupVaultAccountId: CALLER }));
  } finally {
    client.destroy();
    gateway.sandbox.aws.calls.reset();
  }
}

describe('a job’s records', () => {
  it('resolve for a completed job with the sandbox’s recovery point, plan and vault', async () => {
    // A scheduled job with a lifecycle whose recovery point is still kept.
    const job = own().find(
      (record) =>
        record.State === 'COMPLETED' &&
        record.BackupVaultName !== 'airgapped-vault' &&
        record.CreatedBy &&
        record.RecoveryPointLifecycle?.DeleteAfterDays &&
        (record.CreationDate + record.RecoveryPointLifecycle.DeleteAfterDays * DAY_S) * 1000 > gateway.sandbox.aws.clock.now(),
    )!;
    const result = await jobWithRecords(job.BackupJobId);
    expect(result.errors).toBeUndefined();
    const { recoveryPoint, backupPlan, backupVault } = result.data!.job;
    expect(recoveryPoint).toMatchObject({
      sourceName: SOURCE,
      accountId: CALLER,
      recoveryPointArn: job.RecoveryPointArn,
      backupVaultName: job.BackupVaultName,
      backupVaultArn: job.BackupVaultArn,
      resourceArn: job.ResourceArn,
      resourceType: job.ResourceType,
      resourceName: job.ResourceName,
      status: 'COMPLETED',
      statusRaw: 'COMPLETED',
      backupSizeInBytes: job.BackupSizeInBytes,
      encryptionKeyArn: job.EncryptionKeyArn,
      isEncrypted: true,
      isParent: job.IsParent,
      vaultType: job.VaultType,
      iamRoleArn: job.IamRoleArn,
      creationDate: iso(job.CreationDate),
      completionDate: iso(job.CompletionDate),
      calculatedLifecycle: {
        deleteAt: iso(job.CreationDate + job.RecoveryPointLifecycle!.DeleteAfterDays! * DAY_S),
        moveToColdStorageAt: iso(
          job.RecoveryPointLifecycle!.MoveToColdStorageAfterDays === undefined ? undefined : job.CreationDate + job.RecoveryPointLifecycle!.MoveToColdStorageAfterDays * DAY_S,
        ),
      },
      lifecycle: { deleteAfterDays: job.RecoveryPointLifecycle!.DeleteAfterDays, moveToColdStorageAfterDays: job.RecoveryPointLifecycle!.MoveToColdStorageAfterDays ?? null },
      createdBy: { backupPlanId: job.CreatedBy!.BackupPlanId, backupRuleName: job.CreatedBy!.BackupRuleName },
      backupVault: { backupVaultName: job.BackupVaultName },
    });
    expect(['WARM', 'COLD']).toContain(recoveryPoint.storageClass);

    expect(backupPlan).toMatchObject({
      backupPlanId: job.CreatedBy!.BackupPlanId,
      backupPlanArn: job.CreatedBy!.BackupPlanArn,
      versionId: job.CreatedBy!.BackupPlanVersion,
      backupPlanName: job.CreatedBy!.BackupPlanName,
    });
    const rule = backupPlan.rules.find((candidate: { ruleId: string }) => candidate.ruleId === job.CreatedBy!.BackupRuleId);
    expect(rule).toMatchObject({
      ruleName: job.CreatedBy!.BackupRuleName,
      targetBackupVaultName: job.BackupVaultName,
      scheduleExpression: job.CreatedBy!.BackupRuleCron,
      scheduleExpressionTimezone: job.CreatedBy!.BackupRuleTimezone,
      startWindowMinutes: (job.StartBy! - job.InitiationDate!) / 60,
      completionWindowMinutes: (job.ExpectedCompletionDate! - job.InitiationDate!) / 60,
      lifecycle: { deleteAfterDays: job.RecoveryPointLifecycle!.DeleteAfterDays },
    });

    const vault = await vaultInSandbox(job.BackupVaultName);
    expect(backupVault).toEqual({
      backupVaultName: job.BackupVaultName,
      backupVaultArn: job.BackupVaultArn,
      vaultType: job.VaultType,
      vaultState: 'AVAILABLE',
      encryptionKeyArn: vault.EncryptionKeyArn,
      numberOfRecoveryPoints: vault.NumberOfRecoveryPoints,
      locked: false,
      minRetentionDays: null,
      maxRetentionDays: null,
      lockDate: null,
      creationDate: vault.CreationDate!.toISOString(),
    });
    expect(backupVault.numberOfRecoveryPoints).toBeGreaterThan(0);
  });

  it('resolve for a failed scheduled job: no recovery point, its plan and its vault', async () => {
    const job = own().find((record) => record.State === 'FAILED' && record.CreatedBy)!;
    const result = await jobWithRecords(job.BackupJobId);
    expect(result.errors).toBeUndefined();
    expect(result.data!.job.recoveryPoint).toBeNull();
    expect(result.data!.job.backupPlan.backupPlanName).toBe(job.CreatedBy!.BackupPlanName);
    expect(result.data!.job.backupVault.backupVaultName).toBe(job.BackupVaultName);
    expect(gateway.sandbox.aws.calls.count('DescribeRecoveryPoint')).toBe(0);
  });

  it('show a locked vault’s lock, and a nested recovery point’s composite parent', async () => {
    const locked = own().find((record) => record.BackupVaultName === 'airgapped-vault')!;
    const vault = (await jobWithRecords(locked.BackupJobId)).data!.job.backupVault;
    expect(vault).toMatchObject({ locked: true, minRetentionDays: 7, maxRetentionDays: 3650, vaultType: 'LOGICALLY_AIR_GAPPED_BACKUP_VAULT' });
    expect(vault.lockDate).toBe(vault.creationDate);

    const child = own().find((record) => record.ParentJobId && record.State === 'COMPLETED' && gateway.sandbox.aws.store.job(REGION, record.ParentJobId)?.record.RecoveryPointArn)!;
    const parent = gateway.sandbox.aws.store.job(REGION, child.ParentJobId!)!.record;
    const result = await ask(`{ job: awsBackupJob(backupJobId: "${child.BackupJobId}", sourceName: "${SOURCE}") {
      recoveryPoint { compositeMemberIdentifier parentRecoveryPointArn parentRecoveryPoint { recoveryPointArn isParent status } } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data!.job.recoveryPoint).toMatchObject({
      parentRecoveryPointArn: parent.RecoveryPointArn,
      parentRecoveryPoint: { recoveryPointArn: parent.RecoveryPointArn, isParent: true, status: parent.State },
    });
    expect(result.data!.job.recoveryPoint.compositeMemberIdentifier).toMatch(/^[A-Z]/);
  });
});

describe('what the records cost upstream', () => {
  // A gateway of its own, whose caches no other test has filled, that allows 30 upstream calls a request.
  let fresh: TestGateway;
  beforeAll(async () => {
    fresh = await startTestGateway({ configure: steady, security: { limits: { maxUpstreamCalls: 30 } } });
    await fresh.query('{ backupJobs(first: 1) { edges { node { id } } } }');
  });
  afterAll(() => fresh.close());
  beforeEach(() => fresh.sandbox.aws.calls.reset());

  const completed = () => own().filter((record) => record.State === 'COMPLETED' && record.CreatedBy && record.RecoveryPointArn);
  const lookups = (jobs: WireBackupJob[], fields: string) =>
    `{ ${jobs.map((job, index) => `j${index}: awsBackupJob(backupJobId: "${job.BackupJobId}", sourceName: "${SOURCE}") { ${fields} }`).join('\n')} }`;

  it('is one call per distinct record per request, and none on a second request within the freshness window', async () => {
    // Twenty completed jobs of the caller's account, ten in each of two vaults, each with a plan.
    const inVault = (name: string) => completed().filter((record) => record.BackupVaultName === name).slice(0, 10);
    const jobs = [...inVault('prod-backup-vault'), ...inVault('compliance-vault')];
    expect(jobs).toHaveLength(20);
    const plans = new Set(jobs.map((job) => `${job.CreatedBy!.BackupPlanId}/${job.CreatedBy!.BackupPlanVersion}`));
    const query = lookups(jobs, 'backupVault { numberOfRecoveryPoints } backupPlan { backupPlanName } recoveryPoint { status }');

    const first = await fresh.query(query);
    expect(first.errors).toBeUndefined();
    expect(Object.values(first.data!).every((job: any) => job.backupVault && job.backupPlan && job.recoveryPoint)).toBe(true);
    expect(fresh.sandbox.aws.calls.byOperation()).toMatchObject({
      DescribeBackupVault: 2,
      GetBackupPlan: plans.size,
      DescribeRecoveryPoint: 20,
      DescribeBackupJob: 0,
      ListBackupJobs: 0,
    });

    fresh.sandbox.aws.calls.reset();
    const second = await fresh.query(query);
    expect(second.data).toEqual(first.data);
    expect(fresh.sandbox.aws.calls.count()).toBe(0);
  });

  it('counts each read against the request’s upstream calls, as a lookup of a job is', async () => {
    // Recovery points in the two vaults the test above did not read.
    const unread = own()
      .filter((record) => record.State === 'COMPLETED' && record.RecoveryPointArn && (record.BackupVaultName === 'Default' || record.BackupVaultName === 'airgapped-vault'))
      .slice(0, 35);
    expect(unread).toHaveLength(35);
    const result = await fresh.query(lookups(unread, 'recoveryPoint { status }'));
    const refused = (result.errors ?? []).filter((error) => error.extensions?.code === 'BAD_USER_INPUT');
    expect(refused).toHaveLength(5);
    expect(refused[0]!.message).toMatch(/more than 30 upstream calls/);
    expect(fresh.sandbox.aws.calls.count('DescribeRecoveryPoint')).toBe(30);
  });
});

describe('a failing Describe', () => {
  it('nulls only its own field, with a coded error naming the source', async () => {
    // Throttled on every attempt the SDK makes, for a recovery point no earlier test has read.
    gateway.sandbox.aws.faults.set(REGION, { kind: 'throttle', operation: 'DescribeRecoveryPoint' });
    const other = own().filter((record) => record.State === 'COMPLETED' && record.RecoveryPointArn && record.BackupVaultName === 'Default').at(-1)!;
    const result = await ask(`{ job: awsBackupJob(backupJobId: "${other.BackupJobId}", sourceName: "${SOURCE}") { backupJobId recoveryPoint { status } backupVault { backupVaultName } } }`);
    expect(result.data!.job.backupJobId).toBe(other.BackupJobId);
    expect(result.data!.job.recoveryPoint).toBeNull();
    expect(result.data!.job.backupVault.backupVaultName).toBe('Default');
    expect(result.errors!.map((error) => [error.path, error.extensions?.code, error.extensions?.sourceName])).toEqual([
      [['job', 'recoveryPoint'], 'UPSTREAM_THROTTLED', SOURCE],
    ]);
  });

  it('of another account’s record, refused by AWS, fails that record only', async () => {
    const job = records().find((record) => record.AccountId === OTHER && record.State === 'COMPLETED' && record.CreatedBy)!;
    const result = await ask(`{ job: awsBackupJob(backupJobId: "${job.BackupJobId}", sourceName: "${SOURCE}") { accountId backupVault { backupVaultName } } }`);
    expect(result.data!.job).toEqual({ accountId: OTHER, backupVault: null });
    expect(result.errors!.map((error) => [error.path, error.extensions?.code])).toEqual([[['job', 'backupVault'], 'UPSTREAM_AUTH_FAILED']]);
  });
});

describe('federation', () => {
  const ENTITIES = `query ($representations: [_Any!]!) { _entities(representations: $representations) {
    __typename
    ... on AwsRecoveryPoint { recoveryPointArn backupVaultName backupSizeInBytes sourceName }
    ... on AwsBackupPlan { backupPlanId versionId backupPlanName }
    ... on AwsBackupVault { backupVaultName accountId numberOfRecoveryPoints }
  } }`;

  function representations() {
    const job = own().find((record) => record.State === 'COMPLETED' && record.CreatedBy && record.RecoveryPointArn)!;
    return {
      job,
      list: [
        { __typename: 'AwsRecoveryPoint', backupVaultArn: job.BackupVaultArn, recoveryPointArn: job.RecoveryPointArn },
        { __typename: 'AwsBackupPlan', backupPlanArn: job.CreatedBy!.BackupPlanArn, versionId: job.CreatedBy!.BackupPlanVersion },
        { __typename: 'AwsBackupVault', backupVaultArn: job.BackupVaultArn },
      ],
    };
  }

  it('resolves each record from its key, through the same loaders and cache', async () => {
    const { job, list } = representations();
    const result = await ask(ENTITIES, { representations: [...list, { __typename: 'AwsBackupVault', backupVaultArn: `arn:aws:backup:${REGION}:${CALLER}:backup-vault:no-such-vault` }] });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([
      { __typename: 'AwsRecoveryPoint', recoveryPointArn: job.RecoveryPointArn, backupVaultName: job.BackupVaultName, backupSizeInBytes: job.BackupSizeInBytes, sourceName: SOURCE },
      { __typename: 'AwsBackupPlan', backupPlanId: job.CreatedBy!.BackupPlanId, versionId: job.CreatedBy!.BackupPlanVersion, backupPlanName: job.CreatedBy!.BackupPlanName },
      { __typename: 'AwsBackupVault', backupVaultName: job.BackupVaultName, accountId: CALLER, numberOfRecoveryPoints: expect.any(Number) },
      null,
    ]);
    // The same representations again are answered from the cache, the vault that does not exist included.
    gateway.sandbox.aws.calls.reset();
    const again = await ask(ENTITIES, { representations: [...list, { __typename: 'AwsBackupVault', backupVaultArn: `arn:aws:backup:${REGION}:${CALLER}:backup-vault:no-such-vault` }] });
    expect(again.data).toEqual(result.data);
    expect(gateway.sandbox.aws.calls.count()).toBe(0);
  });

  it('gives a caller who may not see the source nothing, and calls nothing for it', async () => {
    const { list } = representations();
    const result = await ask(ENTITIES, { representations: list }, KEYS.europe);
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities).toEqual([null, null, null]);
    expect(gateway.sandbox.aws.calls.count()).toBe(0);

    const job = own().find((record) => record.State === 'COMPLETED')!;
    const hidden = await ask(`{ job: awsBackupJob(backupJobId: "${job.BackupJobId}", sourceName: "${SOURCE}") { backupVault { backupVaultName } } }`, undefined, KEYS.europe);
    expect(hidden.data?.job ?? null).toBeNull();
    expect(gateway.sandbox.aws.calls.count()).toBe(0);
  });
});
