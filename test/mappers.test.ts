// Pure pieces, table-driven: the phase table, the record mapper, global ids and cursors.
import { describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/ids.js';
// The schema registers each kind's job type, whose ids then decode.
import '../schema/index.js';
import { awsPhase, mapAwsBackupJob } from '../src/aws/mapper.js';
import { awsRecordKey, awsRecordRef, awsRecordTtlMs, mapBackupPlan, mapBackupVault, mapRecoveryPoint, SETTLED_RECORD_TTL_MS, type AwsRecordRef } from '../src/aws/records.js';
import { mapSailPointBackupJob, sailPointPhase } from '../src/sailpoint/mapper.js';

describe('AWS phase table', () => {
  it.each([
    ['CREATED', undefined, 'QUEUED'],
    ['PENDING', undefined, 'QUEUED'],
    ['RUNNING', undefined, 'RUNNING'],
    ['ABORTING', undefined, 'CANCELLING'],
    ['ABORTED', undefined, 'CANCELLED'],
    ['COMPLETED', 'SUCCESS', 'COMPLETED'],
    ['COMPLETED', undefined, 'COMPLETED'],
    ['COMPLETED', 'ACCESS_DENIED', 'COMPLETED_WITH_ISSUES'],
    ['FAILED', 'ACCESS_DENIED', 'FAILED'],
    ['EXPIRED', undefined, 'EXPIRED'],
    ['PARTIAL', undefined, 'PARTIAL'],
  ])('%s with category %s is %s', (state, category, phase) => {
    expect(awsPhase(state, category)).toBe(phase);
  });

  it('maps a state it does not know to UNKNOWN, never to an error', () => {
    expect(awsPhase('HIBERNATING', undefined)).toBe('UNKNOWN');
    expect(awsPhase(undefined, 'SUCCESS')).toBe('UNKNOWN');
  });
});

describe('SailPoint phase table', () => {
  it.each([
    ['NOT_STARTED', 'NOT_SYNCED', 'QUEUED'],
    ['IN_PROGRESS', 'NOT_SYNCED', 'RUNNING'],
    ['COMPLETE', 'SYNCED', 'COMPLETED'],
    ['COMPLETE', undefined, 'COMPLETED'],
    ['COMPLETE', 'SYNC_FAILED', 'COMPLETED_WITH_ISSUES'],
    ['CANCELLED', 'NOT_SYNCED', 'CANCELLED'],
    ['FAILED', 'SYNC_FAILED', 'FAILED'],
    ['PAUSED', 'SYNCED', 'UNKNOWN'],
    ['ARCHIVED', 'SYNCED', 'UNKNOWN'],
  ])('%s with cloud storage %s is %s', (status, cloudStorageStatus, phase) => {
    expect(sailPointPhase(status, cloudStorageStatus)).toBe(phase);
  });
});

describe('mapSailPointBackupJob', () => {
  it.each([
    [false, 'SYNCED', 'COMPLETED'],
    [true, 'SYNCED', 'COMPLETED'],
    [false, 'SYNC_FAILED', 'COMPLETED_WITH_ISSUES'],
  ])('keeps fileExists %s as its own field and out of the phase (cloud storage %s: %s)', (fileExists, cloudStorageStatus, phase) => {
    const job = mapSailPointBackupJob(
      { jobId: 'j-2', status: 'COMPLETE', fileExists, cloudStorageStatus, completed: '2026-10-01T10:05:00Z' },
      'sp',
      'backup',
    );
    expect(job).toMatchObject({ fileExists, phase });
  });

  it('applies SailPoint defaults for absent members and turns objectOptions into a list', () => {
    const job = mapSailPointBackupJob(
      {
        jobId: 'j-1',
        status: 'COMPLETE',
        created: '2026-10-01T10:00:00Z',
        completed: '2026-10-01T10:05:00.123Z',
        options: { includeTypes: ['SOURCE'], objectOptions: { SOURCE: { includedNames: ['Active Directory'] } } },
      },
      'sp',
      'upload',
    );
    expect(job).toMatchObject({
      key: 'sp:upload:j-1',
      fileExists: true,
      userCanDelete: true,
      isPartial: false,
      phase: 'COMPLETED',
      displayName: 'j-1',
      completedAt: Date.parse('2026-10-01T10:05:00.123Z'),
      options: { includeTypes: ['SOURCE'], objectOptions: [{ objectType: 'SOURCE', includedNames: ['Active Directory'] }] },
    });
  });
});

describe('mapAwsBackupJob', () => {
  const source = { name: 'prod', region: 'eu-central-1' };

  it('turns string maps into pairs and keeps child members only for described records', () => {
    const record = {
      BackupJobId: 'J1',
      State: 'COMPLETED' as const,
      BackupOptions: { WindowsVSS: 'enabled' },
      NumberOfChildJobs: 3,
      ChildJobsInState: { COMPLETED: 2, FAILED: 1 },
      ResourceArn: 'arn:aws:ec2:eu-central-1:111122223333:volume/vol-0abc',
    };
    const described = mapAwsBackupJob(record, source, true);
    expect(described.backupOptions).toEqual([{ key: 'WindowsVSS', value: 'enabled' }]);
    expect(described.childJobsInState).toEqual([
      { state: 'COMPLETED', count: 2 },
      { state: 'FAILED', count: 1 },
    ]);
    expect(described.numberOfChildJobs).toBe(3);
    expect(described.displayName).toBe('vol-0abc');
    expect(described.key).toBe('prod:J1');
    const listed = mapAwsBackupJob(record, source, false);
    expect(listed.numberOfChildJobs).toBeNull();
    expect(listed.childJobsInState).toBeNull();
  });

  it('keeps every time as epoch milliseconds and the job id as the end of its key', () => {
    const created = new Date('2026-10-01T10:00:00.123Z');
    const job = mapAwsBackupJob(
      {
        BackupJobId: 'D3F0C2A4-1B2C-4D5E-8F90-123456789ABC',
        CreationDate: created,
        CompletionDate: new Date('2026-10-01T10:05:00Z'),
        ExpectedCompletionDate: new Date('2026-10-01T11:00:00Z'),
        StartBy: new Date('2026-10-01T18:00:00Z'),
        InitiationDate: new Date('2026-10-01T10:00:01Z'),
        PercentDone: '100.0',
      },
      source,
      false,
    );
    expect(job).toMatchObject({
      key: 'prod:D3F0C2A4-1B2C-4D5E-8F90-123456789ABC',
      backupJobId: 'D3F0C2A4-1B2C-4D5E-8F90-123456789ABC',
      createdAt: created.getTime(),
      completedAt: Date.parse('2026-10-01T10:05:00Z'),
      expectedCompletionDate: Date.parse('2026-10-01T11:00:00Z'),
      startBy: Date.parse('2026-10-01T18:00:00Z'),
      initiationDate: Date.parse('2026-10-01T10:00:01Z'),
      percentDone: '100.0',
      childJobKeys: [],
    });
    const other = mapAwsBackupJob({ BackupJobId: 'J9', PercentDone: '100.0' }, source, false);
    // Values every listed job repeats are one copy each.
    expect(other.childJobKeys).toBe(job.childJobKeys);
    expect(Object.isFrozen(other.childJobKeys)).toBe(true);
  });

  it('maps absent members to null, not undefined', () => {
    const job = mapAwsBackupJob({ BackupJobId: 'J2' }, source, true);
    expect(job.createdBy).toBeNull();
    expect(job.recoveryPointLifecycle).toBeNull();
    expect(job.state).toBeNull();
    expect(job.stateRaw).toBeNull();
    expect(job.phase).toBe('UNKNOWN');
    expect(job.displayName).toBe('J2');
  });
});

describe('ids', () => {
  it('round-trips a global id', () => {
    const id = encodeGlobalId('AwsBackupJob', 'prod:ABC-1');
    expect(decodeGlobalId(id)).toEqual({ typename: 'AwsBackupJob', id: 'prod:ABC-1' });
  });
});

describe('AWS records a job points at', () => {
  const origin = { sourceName: 'aws-us-east-1', region: 'us-east-1' };
  const pointRef = { record: 'recoveryPoint', sourceName: 'aws-us-east-1', accountId: '111122223333', backupVaultName: 'Default', recoveryPointArn: 'arn:aws:ec2:us-east-1::snapshot/snap-1' } as const;
  const NOW = Date.UTC(2026, 10, 1);

  it.each<AwsRecordRef>([
    pointRef,
    { record: 'plan', sourceName: 'aws-us-east-1', backupPlanId: 'p-1', versionId: null },
    { record: 'vault', sourceName: 'a "quoted" name', accountId: null, backupVaultName: 'Default' },
  ])('a key turns back into its reference: %j', (ref) => {
    expect(awsRecordRef(awsRecordKey(ref))).toEqual(ref);
  });

  it('maps a recovery point, keeping what the request named where AWS leaves it out', () => {
    const point = mapRecoveryPoint(
      {
        Status: 'COMPLETED',
        StorageClass: 'COLD',
        BackupSizeInBytes: 2 ** 41,
        CalculatedLifecycle: { MoveToColdStorageAt: new Date(NOW - 1000) },
        Lifecycle: { MoveToColdStorageAfterDays: 7, DeleteAfterDays: 97 },
        CreatedBy: { BackupPlanId: 'p-1', BackupRuleName: 'WeeklyStack' },
        ParentRecoveryPointArn: 'arn:aws:backup:us-east-1:111122223333:recovery-point:P',
        IsParent: false,
      },
      origin,
      pointRef,
    );
    expect(point).toMatchObject({
      record: 'recoveryPoint',
      sourceName: 'aws-us-east-1',
      accountId: '111122223333',
      recoveryPointArn: pointRef.recoveryPointArn,
      backupVaultName: 'Default',
      backupVaultArn: null,
      status: 'COMPLETED',
      storageClass: 'COLD',
      backupSizeInBytes: 2 ** 41,
      calculatedLifecycle: { moveToColdStorageAt: new Date(NOW - 1000), deleteAt: null },
      lifecycle: { moveToColdStorageAfterDays: 7, deleteAfterDays: 97, optInToArchiveForSupportedResources: null, deleteAfterEvent: null },
      createdBy: { backupPlanId: 'p-1', backupRuleName: 'WeeklyStack', backupPlanArn: null },
      parentRecoveryPointArn: 'arn:aws:backup:us-east-1:111122223333:recovery-point:P',
      compositeMemberIdentifier: null,
    });
  });

  it('maps a plan with its rules, copies and per-type options', () => {
    const plan = mapBackupPlan(
      {
        BackupPlanId: 'p-1',
        VersionId: 'v-1',
        BackupPlan: {
          BackupPlanName: 'daily',
          Rules: [
            {
              RuleName: 'Nightly',
              TargetBackupVaultName: 'Default',
              ScheduleExpression: 'cron(0 1 ? * * *)',
              StartWindowMinutes: 120,
              Lifecycle: { DeleteAfterDays: 7 },
              CopyActions: [{ DestinationBackupVaultArn: 'arn:aws:backup:us-east-1:111122223333:backup-vault:airgapped-vault', Lifecycle: { DeleteAfterDays: 90 } }],
              RecoveryPointTags: { team: 'orders' },
            },
          ],
        },
        AdvancedBackupSettings: [{ ResourceType: 'EC2', BackupOptions: { WindowsVSS: 'enabled' } }],
      },
      origin,
      { record: 'plan', sourceName: 'aws-us-east-1', backupPlanId: 'p-1', versionId: null },
    );
    expect(plan).toMatchObject({ backupPlanId: 'p-1', versionId: 'v-1', backupPlanName: 'daily', advancedBackupSettings: [{ resourceType: 'EC2', backupOptions: [{ key: 'WindowsVSS', value: 'enabled' }] }] });
    expect(plan.rules).toEqual([
      expect.objectContaining({
        ruleName: 'Nightly',
        startWindowMinutes: 120,
        completionWindowMinutes: null,
        scheduleExpressionTimezone: null,
        recoveryPointTags: [{ key: 'team', value: 'orders' }],
        copyActions: [{ destinationBackupVaultArn: 'arn:aws:backup:us-east-1:111122223333:backup-vault:airgapped-vault', lifecycle: expect.objectContaining({ deleteAfterDays: 90 }) }],
      }),
    ]);
  });

  it('maps a vault with its lock', () => {
    const vault = mapBackupVault(
      { BackupVaultName: 'airgapped-vault', Locked: true, MinRetentionDays: 7, MaxRetentionDays: 3650, NumberOfRecoveryPoints: 9, LockDate: new Date(NOW) },
      origin,
      { record: 'vault', sourceName: 'aws-us-east-1', accountId: '111122223333', backupVaultName: 'airgapped-vault' },
    );
    expect(vault).toMatchObject({ record: 'vault', accountId: '111122223333', locked: true, minRetentionDays: 7, maxRetentionDays: 3650, numberOfRecoveryPoints: 9, lockDate: new Date(NOW), vaultType: null });
  });

  const HOUR = 3_600_000;
  it.each([
    ['a vault', mapBackupVault({}, origin, { record: 'vault', sourceName: 's', accountId: null, backupVaultName: 'Default' }), 5000],
    ['nothing found', null, 5000],
    ['a recovery point being made', mapRecoveryPoint({ Status: 'CREATING' }, origin, pointRef), 5000],
    ['a settled recovery point with no lifecycle', mapRecoveryPoint({ Status: 'COMPLETED' }, origin, pointRef), SETTLED_RECORD_TTL_MS],
    ['one that moves to cold storage in ten minutes', mapRecoveryPoint({ Status: 'COMPLETED', CalculatedLifecycle: { MoveToColdStorageAt: new Date(NOW + 600_000), DeleteAt: new Date(NOW + 90 * 24 * HOUR) } }, origin, pointRef), 600_000],
    ['one already cold, deleted in a day', mapRecoveryPoint({ Status: 'COMPLETED', CalculatedLifecycle: { MoveToColdStorageAt: new Date(NOW - HOUR), DeleteAt: new Date(NOW + 24 * HOUR) } }, origin, pointRef), SETTLED_RECORD_TTL_MS],
    ['one deleted in a second', mapRecoveryPoint({ Status: 'COMPLETED', CalculatedLifecycle: { DeleteAt: new Date(NOW + 1000) } }, origin, pointRef), 5000],
    ['one being deleted', mapRecoveryPoint({ Status: 'DELETING' }, origin, pointRef), 5000],
  ])('caches %s for as long as it cannot change', (_name, record, ttl) => {
    expect(awsRecordTtlMs(record, 5000, NOW)).toBe(ttl);
  });
});
