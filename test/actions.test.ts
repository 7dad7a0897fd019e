// The actions (mutations) over the sandbox: start and stop an AWS job, delete SailPoint backups and
// uploads; what the job lists show right after, the upstream calls each costs, idempotency, the
// typed refusals, the anonymous caller's rule and the one audit line each action writes.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GatewayConfig } from '../src/config/index.js';
import { startTestGateway, steady, type TestGateway } from './support/gateway.js';
import { SECRETS_NEVER_PRINTED } from './support/secrets.js';

const CALLER = '111122223333';
const ROLE = `arn:aws:iam::${CALLER}:role/service-role/AWSBackupDefaultServiceRole`;
const TABLE = `arn:aws:dynamodb:us-east-1:${CALLER}:table/orders`;

const START = `mutation ($input: StartAwsBackupJobInput!) {
  startAwsBackupJob(input: $input) {
    clientMutationId
    job { id backupJobId state phase sourceName resourceArn }
    errors { __typename message sourceName ... on InvalidActionInput { upstreamError } }
  }
}`;
const STOP = `mutation ($input: StopAwsBackupJobInput!) {
  stopAwsBackupJob(input: $input) {
    clientMutationId
    job { backupJobId state }
    errors { __typename message sourceName ... on NotStoppable { jobId state } ... on JobNotFound { jobId } }
  }
}`;
const DELETE_BACKUP = `mutation ($input: DeleteSailPointRecordInput!) {
  deleteSailPointBackup(input: $input) { clientMutationId deletedJobId deletedId errors { __typename message sourceName ... on JobNotFound { jobId } } }
}`;
const DELETE_UPLOAD = `mutation ($input: DeleteSailPointRecordInput!) {
  deleteSailPointUpload(input: $input) { deletedJobId deletedId errors { __typename ... on JobNotFound { jobId } } }
}`;
const PAGE = `query ($sources: [String!]) {
  backupJobs(first: 100, filter: { sourceNames: $sources }) {
    totalCount
    edges { node { id ... on AwsBackupJob { backupJobId state } ... on SailPointBackupJob { jobId } } }
  }
}`;

const startInput = (extra: Record<string, unknown> = {}) => ({ sourceName: 'aws-us-east-1', backupVaultName: 'Default', resourceArn: TABLE, iamRoleArn: ROLE, ...extra });

let gateway: TestGateway;
let lines: string[];

beforeAll(async () => {
  // Fresh for a minute: a page after an action costs no list call unless the action made it need one.
  gateway = await startTestGateway({ configure: steady });
});
afterAll(() => gateway.close());
beforeEach(() => {
  lines = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
});
afterEach(() => vi.restoreAllMocks());

const audits = () => lines.filter((line) => line.startsWith('[audit]'));

async function page(source: string) {
  const answer = await gateway.query(PAGE, { sources: [source] });
  expect(answer.errors).toBeUndefined();
  return answer.data!.backupJobs as { totalCount: number; edges: { node: { id: string; backupJobId?: string; state?: string; jobId?: string } }[] };
}

describe('startAwsBackupJob', () => {
  it('starts a job that the next page shows at once, with one StartBackupJob and one DescribeBackupJob call and no list call', async () => {
    const before = await page('aws-us-east-1');
    gateway.sandbox.aws.calls.reset();

    const answer = await gateway.query(START, { input: startInput({ clientMutationId: 'start-1' }) });
    expect(answer.errors).toBeUndefined();
    const { job, errors, clientMutationId } = answer.data!.startAwsBackupJob;
    expect(errors).toEqual([]);
    expect(clientMutationId).toBe('start-1');
    expect(job).toMatchObject({ state: 'CREATED', phase: 'QUEUED', sourceName: 'aws-us-east-1', resourceArn: TABLE });
    expect(gateway.sandbox.aws.store.job('us-east-1', job.backupJobId)?.record.State).toBe('CREATED');

    const after = await page('aws-us-east-1');
    expect(after.totalCount).toBe(before.totalCount + 1);
    expect(after.edges[0]!.node).toEqual({ id: job.id, backupJobId: job.backupJobId, state: 'CREATED' });
    expect(gateway.sandbox.aws.calls.byOperation()).toEqual({ ListBackupJobs: 0, DescribeBackupJob: 1, StartBackupJob: 1, StopBackupJob: 0, ListBackupJobSummaries: 0, DescribeRecoveryPoint: 0, GetBackupPlan: 0, DescribeBackupVault: 0, ListRegions: 0 });

    expect(audits()).toHaveLength(1);
    expect(audits()[0]).toMatch(
      new RegExp(`^\\[audit\\] caller="anonymous" action=startAwsBackupJob source="aws-us-east-1" job=- result=OK requestId=[0-9a-f-]{36}$`),
    );
  });

  it('starts one job however often the same request is sent, and two for two clientMutationIds', async () => {
    const jobs = () => gateway.sandbox.aws.store.jobs('us-east-1').length;
    const count = jobs();
    const input = startInput({ resourceArn: `arn:aws:dynamodb:us-east-1:${CALLER}:table/retried` });
    // Without a clientMutationId the token stands for ten minutes of the clock: both are sent within
    // the same ten minutes, waiting out the last seconds of one if the test reaches them. (Faking
    // Date here would move the clock of the gateway's budgets too, which run in this process.)
    const intoSlot = Date.now() % 600_000;
    if (intoSlot > 590_000) await sleep(600_000 - intoSlot + 100);
    const first = await gateway.query(START, { input });
    const again = await gateway.query(START, { input });
    expect(again.data!.startAwsBackupJob.job.backupJobId).toBe(first.data!.startAwsBackupJob.job.backupJobId);
    expect(jobs()).toBe(count + 1);

    const one = await gateway.query(START, { input: { ...input, clientMutationId: 'a' } });
    const oneAgain = await gateway.query(START, { input: { ...input, clientMutationId: 'a' } });
    const two = await gateway.query(START, { input: { ...input, clientMutationId: 'b' } });
    expect(oneAgain.data!.startAwsBackupJob.job.backupJobId).toBe(one.data!.startAwsBackupJob.job.backupJobId);
    expect(two.data!.startAwsBackupJob.job.backupJobId).not.toBe(one.data!.startAwsBackupJob.job.backupJobId);
    expect(jobs()).toBe(count + 3);

    // The client's own token wins: the same token, whatever else differs, is the same job.
    const own = await gateway.query(START, { input: { ...input, idempotencyToken: 'operator-chosen', clientMutationId: 'c' } });
    const ownAgain = await gateway.query(START, { input: { ...input, idempotencyToken: 'operator-chosen', clientMutationId: 'd' } });
    expect(ownAgain.data!.startAwsBackupJob.job.backupJobId).toBe(own.data!.startAwsBackupJob.job.backupJobId);
    expect(jobs()).toBe(count + 4);
  });

  it('returns what AWS refuses in the request as InvalidActionInput, nothing started', async () => {
    const count = gateway.sandbox.aws.store.jobs('us-east-1').length;
    const answer = await gateway.query(START, { input: startInput({ backupVaultName: 'no-such-vault' }) });
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.startAwsBackupJob.job).toBeNull();
    expect(answer.data!.startAwsBackupJob.errors).toEqual([
      { __typename: 'InvalidActionInput', message: 'Source "aws-us-east-1" refused the request: ResourceNotFoundException', sourceName: 'aws-us-east-1', upstreamError: 'ResourceNotFoundException' },
    ]);
    expect(gateway.sandbox.aws.store.jobs('us-east-1')).toHaveLength(count);
    expect(audits()).toEqual([expect.stringContaining('action=startAwsBackupJob source="aws-us-east-1" job=- result=INVALID_INPUT')]);
  });

  it('fails with a coded error when the upstream fails, and audits the code', async () => {
    gateway.sandbox.aws.faults.set('us-east-1', { kind: 'error', status: 503, operation: 'StartBackupJob' });
    try {
      const answer = await gateway.query(START, { input: startInput() });
      expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
      expect(answer.errors![0]!.message).toBe('The upstream is unavailable (source "aws-us-east-1")');
    } finally {
      gateway.sandbox.aws.faults.clear();
    }
    expect(audits()).toEqual([expect.stringContaining('result=UPSTREAM_UNAVAILABLE')]);
  });

  it('refuses a source that is not an AWS source of the gateway with BAD_USER_INPUT', async () => {
    const answer = await gateway.query(START, { input: startInput({ sourceName: 'sailpoint-acme-prod' }) });
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(audits()).toEqual([expect.stringContaining('source="sailpoint-acme-prod" job=- result=BAD_USER_INPUT')]);
  });
});

describe('stopAwsBackupJob', () => {
  it('stops a running job, which the next page shows ABORTING without a list call; stopping it again is NotStoppable', async () => {
    const started = (await gateway.query(START, { input: startInput({ clientMutationId: 'to-stop' }) })).data!.startAwsBackupJob.job;
    await page('aws-us-east-1');
    gateway.sandbox.aws.calls.reset();
    lines.length = 0;

    const stopped = await gateway.query(STOP, { input: { sourceName: 'aws-us-east-1', backupJobId: started.backupJobId, clientMutationId: 'stop-1' } });
    expect(stopped.errors).toBeUndefined();
    expect(stopped.data!.stopAwsBackupJob).toEqual({ clientMutationId: 'stop-1', job: { backupJobId: started.backupJobId, state: 'ABORTING' }, errors: [] });
    const shown = (await page('aws-us-east-1')).edges.find((edge) => edge.node.backupJobId === started.backupJobId)!;
    expect(shown.node.state).toBe('ABORTING');
    expect(gateway.sandbox.aws.calls.byOperation()).toEqual({ ListBackupJobs: 0, DescribeBackupJob: 1, StartBackupJob: 0, StopBackupJob: 1, ListBackupJobSummaries: 0, DescribeRecoveryPoint: 0, GetBackupPlan: 0, DescribeBackupVault: 0, ListRegions: 0 });
    expect(audits()).toEqual([expect.stringMatching(`action=stopAwsBackupJob source="aws-us-east-1" job="${started.backupJobId}" result=OK requestId=`)]);

    const again = await gateway.query(STOP, { input: { sourceName: 'aws-us-east-1', backupJobId: started.backupJobId } });
    expect(again.data!.stopAwsBackupJob.job).toBeNull();
    expect(again.data!.stopAwsBackupJob.errors).toEqual([
      {
        __typename: 'NotStoppable',
        message: `Job "${started.backupJobId}" of source "aws-us-east-1" cannot be stopped in the state ABORTING`,
        sourceName: 'aws-us-east-1',
        jobId: started.backupJobId,
        state: 'ABORTING',
      },
    ]);
    expect(audits().at(-1)).toContain('result=NOT_STOPPABLE');
  });

  it("fails with UPSTREAM_AUTH_FAILED for another account's job, which AWS does not let the gateway's identity stop", async () => {
    const other = gateway.sandbox.aws.store.jobs('us-east-1').find((job) => job.record.AccountId !== CALLER && job.record.State === 'RUNNING')!.record;
    const answer = await gateway.query(STOP, { input: { sourceName: 'aws-us-east-1', backupJobId: other.BackupJobId } });
    expect(answer.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_AUTH_FAILED']);
    expect(gateway.sandbox.aws.store.job('us-east-1', other.BackupJobId)!.record.State).toBe('RUNNING');
    expect(audits()).toEqual([expect.stringContaining(`job="${other.BackupJobId}" result=UPSTREAM_AUTH_FAILED`)]);
    // A refusal for one job, not an outage: the source's circuit stays closed.
    const sources = await gateway.query('{ backupSources { name circuit } }');
    expect(sources.data!.backupSources.find((source: { name: string }) => source.name === 'aws-us-east-1').circuit).toBe('CLOSED');
  });

  it('answers JobNotFound for an id AWS does not know', async () => {
    const answer = await gateway.query(STOP, { input: { sourceName: 'aws-us-east-1', backupJobId: '00000000-0000-4000-8000-000000000000' } });
    expect(answer.data!.stopAwsBackupJob.errors).toEqual([
      { __typename: 'JobNotFound', message: 'Source "aws-us-east-1" has no job "00000000-0000-4000-8000-000000000000"', sourceName: 'aws-us-east-1', jobId: '00000000-0000-4000-8000-000000000000' },
    ]);
    expect(audits()).toEqual([expect.stringContaining('result=JOB_NOT_FOUND')]);
  });
});

describe('deleteSailPointBackup and deleteSailPointUpload', () => {
  it('deletes a backup, which the next page no longer shows, without a list call; deleting it again is JobNotFound', async () => {
    const before = await page('sailpoint-acme-prod');
    const backup = gateway.sandbox.sailPoint.store.backups('acme-prod')[0]!;
    const jobId = backup.jobId as string;
    const listed = before.edges.find((edge) => edge.node.jobId === jobId)!;
    gateway.sandbox.sailPoint.calls.reset();

    const answer = await gateway.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId, clientMutationId: 'del-1' } });
    expect(answer.data!.deleteSailPointBackup).toEqual({ clientMutationId: 'del-1', deletedJobId: jobId, deletedId: listed.node.id, errors: [] });
    const after = await page('sailpoint-acme-prod');
    expect(after.totalCount).toBe(before.totalCount - 1);
    expect(after.edges.some((edge) => edge.node.jobId === jobId)).toBe(false);
    expect(gateway.sandbox.sailPoint.calls.byOperation()).toMatchObject({ listBackups: 0, listUploads: 0, deleteBackup: 1 });
    expect(audits()).toEqual([expect.stringMatching(`action=deleteSailPointBackup source="sailpoint-acme-prod" job="${jobId}" result=OK requestId=`)]);

    const again = await gateway.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId } });
    expect(again.data!.deleteSailPointBackup).toMatchObject({ deletedJobId: null, deletedId: null, errors: [{ __typename: 'JobNotFound', jobId }] });
  });

  it('returns a delete SailPoint refuses (its 400) as InvalidActionInput, and a 5xx as a coded error', async () => {
    const jobId = gateway.sandbox.sailPoint.store.backups('acme-sandbox')[0]!.jobId as string;
    gateway.sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'limit', operation: 'deleteBackup', times: 1 });
    const refused = await gateway.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-sandbox', jobId } });
    expect(refused.data!.deleteSailPointBackup).toMatchObject({ deletedJobId: null, errors: [{ __typename: 'InvalidActionInput', sourceName: 'sailpoint-acme-sandbox' }] });
    gateway.sandbox.sailPoint.faults.set('acme-sandbox', { kind: 'error', status: 500, operation: 'deleteBackup' });
    try {
      const failed = await gateway.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-sandbox', jobId } });
      expect(failed.errors?.map((error) => error.extensions?.code)).toEqual(['UPSTREAM_UNAVAILABLE']);
    } finally {
      gateway.sandbox.sailPoint.faults.clear();
    }
    expect(gateway.sandbox.sailPoint.store.backups('acme-sandbox').some((record) => record.jobId === jobId)).toBe(true);
    expect(audits()).toEqual([expect.stringContaining('result=INVALID_INPUT'), expect.stringContaining('result=UPSTREAM_UNAVAILABLE')]);
  });

  it('deletes an uploaded configuration the same way', async () => {
    const upload = gateway.sandbox.sailPoint.store.uploads('acme-prod')[0]!;
    const jobId = upload.jobId as string;
    const answer = await gateway.query(DELETE_UPLOAD, { input: { sourceName: 'sailpoint-acme-prod', jobId } });
    expect(answer.data!.deleteSailPointUpload).toMatchObject({ deletedJobId: jobId, errors: [] });
    expect(gateway.sandbox.sailPoint.store.uploads('acme-prod').some((record) => record.jobId === jobId)).toBe(false);
    expect((await page('sailpoint-acme-prod')).edges.some((edge) => edge.node.jobId === jobId)).toBe(false);
    // An upload is not a backup: the backup collection does not know its id.
    const wrongCollection = await gateway.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId: (gateway.sandbox.sailPoint.store.uploads('acme-prod')[0]!.jobId as string) } });
    expect(wrongCollection.data!.deleteSailPointBackup.errors).toMatchObject([{ __typename: 'JobNotFound' }]);
  });
});

describe('audit lines', () => {
  it('write one line per action, with JSON fields under LOG_FORMAT=json, and never a secret', async () => {
    const { setLogFormat } = await import('../src/observability/log.js');
    setLogFormat('json');
    try {
      await gateway.query(START, { input: startInput({ clientMutationId: 'json' }) }, { 'x-request-id': 'audit-test-1' });
    } finally {
      setLogFormat('text');
    }
    const audit = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.event === 'audit');
    expect(audit).toEqual([
      expect.objectContaining({ level: 'info', caller: 'anonymous', action: 'startAwsBackupJob', source: 'aws-us-east-1', result: 'OK', requestId: 'audit-test-1' }),
    ]);
    for (const secret of SECRETS_NEVER_PRINTED) expect(lines.some((line) => line.includes(secret))).toBe(false);
  });
});

describe("the caller's share", () => {
  it('charges each action as a lookup: past the share, RATE_LIMITED, audited, and nothing sent upstream', async () => {
    const strict = await startTestGateway({ security: { limits: { callerBudget: { calls: 1, perSeconds: 3600 } } } });
    try {
      const [first, second] = strict.sandbox.sailPoint.store.backups('acme-prod').map((record) => record.jobId);
      const done = await strict.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId: first } });
      expect(done.data!.deleteSailPointBackup.errors).toEqual([]);
      const refused = await strict.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId: second } });
      expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['RATE_LIMITED']);
      expect(strict.sandbox.sailPoint.calls.count('deleteBackup')).toBe(1);
      expect(audits()).toEqual([expect.stringContaining('result=OK'), expect.stringContaining(`job="${second}" result=RATE_LIMITED`)]);
    } finally {
      await strict.close();
    }
  });
});

describe('without authentication', () => {
  it('lets anyone act over the embedded sandbox, and nobody over upstreams that are not the sandbox', async () => {
    const real = await startTestGateway({
      // The same servers, described as a configuration file would: nothing marks them as the sandbox.
      configure: (config): GatewayConfig => ({ sources: config.sources, security: config.security, observability: config.observability, responseCache: config.responseCache }),
    });
    try {
      const refused = await real.query(START, { input: startInput({ clientMutationId: 'real' }) });
      expect(refused.errors).toBeUndefined();
      expect(refused.data!.startAwsBackupJob).toEqual({
        clientMutationId: 'real',
        job: null,
        errors: [{ __typename: 'NotPermitted', message: 'The caller may not act on source "aws-us-east-1"', sourceName: 'aws-us-east-1' }],
      });
      const deleted = await real.query(DELETE_BACKUP, { input: { sourceName: 'sailpoint-acme-prod', jobId: real.sandbox.sailPoint.store.backups('acme-prod')[0]!.jobId } });
      expect(deleted.data!.deleteSailPointBackup.errors).toMatchObject([{ __typename: 'NotPermitted' }]);
      expect(real.sandbox.aws.calls.count('StartBackupJob')).toBe(0);
      expect(real.sandbox.sailPoint.calls.count('deleteBackup')).toBe(0);
      expect(audits()).toEqual([expect.stringContaining('action=startAwsBackupJob source="aws-us-east-1" job=- result=NOT_PERMITTED'), expect.stringContaining('result=NOT_PERMITTED')]);
      // Reading is as before.
      expect((await real.query(PAGE, { sources: ['aws-us-east-1'] })).data!.backupJobs.totalCount).toBeGreaterThan(0);
    } finally {
      await real.close();
    }
  });
});
