// Pure pieces, table-driven: the phase table, the record mapper, global ids and cursors.
import { describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId } from '../resolvers/ids.js';
// The schema registers each kind's job type, whose ids then decode.
import '../schema/index.js';
import { awsPhase, mapAwsBackupJob } from '../src/aws/mapper.js';
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
      completedAt: new Date('2026-10-01T10:05:00.123Z'),
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
