// Pure pieces, table-driven: the phase table, the record mapper, global ids and cursors.
import { describe, expect, it } from 'vitest';
import { decodeGlobalId, encodeGlobalId, parseAwsJobKey } from '../resolvers/ids.js';
import { mapAwsBackupJob } from '../resolvers/mappers/aws.js';
import { awsPhase, awsStatesFor } from '../resolvers/mappers/phase.js';
import { decodeCursor, encodeCursor } from '../resolvers/pagination.js';

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
    ['HIBERNATING', undefined, null],
  ])('%s with category %s is %s', (state, category, phase) => {
    expect(awsPhase(state, category)).toBe(phase);
  });

  it('finds the AWS states behind a set of phases', () => {
    expect(awsStatesFor(['QUEUED'])).toEqual(['CREATED', 'PENDING']);
    expect(awsStatesFor(['COMPLETED_WITH_ISSUES'])).toEqual(['COMPLETED']);
    expect(awsStatesFor(['FAILED', 'CANCELLED'])).toEqual(['ABORTED', 'FAILED']);
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
    expect(job.phase).toBeNull();
    expect(job.displayName).toBe('J2');
  });
});

describe('ids and cursors', () => {
  it('round-trips a global id and splits its key', () => {
    const id = encodeGlobalId('AwsBackupJob', 'prod:ABC-1');
    expect(decodeGlobalId(id)).toEqual({ typename: 'AwsBackupJob', id: 'prod:ABC-1' });
    expect(parseAwsJobKey('prod:ABC-1')).toEqual({ sourceName: 'prod', backupJobId: 'ABC-1' });
    expect(parseAwsJobKey('prod:')).toBeNull();
  });

  it('round-trips a cursor and rejects forged ones', () => {
    const position = { createdAt: 1_700_000_000_123, sourceName: 'prod', jobId: 'J' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
    for (const forged of ['', 'abc', Buffer.from('[2,1,"a","b"]').toString('base64url'), Buffer.from('[1,"x","a","b"]').toString('base64url')]) {
      expect(() => decodeCursor(forged)).toThrow('not a cursor');
    }
  });
});
