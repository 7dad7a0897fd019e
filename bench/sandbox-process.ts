// The bench's upstream process: the sandbox with a per-call latency, counting calls for the driver over IPC.
import type { AwsSourceConfig } from '../src/aws/config.js';
import { parseSource, type SourceConfig } from '../src/config/index.js';
import { startAwsSandbox } from '../src/sandbox/aws/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { announceReady, answerQuestions } from './ipc.js';

export interface AwsFixture {
  sourceName: string;
  region: string;
  accountId: string;
  backupJobId: string;
  isParent: boolean;
  parentJobId: string | null;
}

export interface SailPointFixture {
  sourceName: string;
  /** The record's own `tenant` member, which the federation natural key uses. */
  tenant: string;
  collection: 'backup' | 'upload';
  jobId: string;
}

export interface SandboxReady {
  /** The sandbox's gateway sources, without the static AWS credentials a configuration file cannot hold. */
  sources: SourceConfig[];
  /**
   * An AWS source of its own account (no accountId), which looks up with DescribeBackupJob what its
   * list lacks. It reads an AWS sandbox of its own, seeded alike, so that its calls are told apart
   * from those of the organization-wide source of the same Region.
   */
  ownSource: AwsSourceConfig;
  aws: AwsFixture[];
  sailPoint: SailPointFixture[];
}

export interface UpstreamCalls {
  aws: Record<string, number>;
  /** The calls of the own-account source, by operation. */
  ownAws: Record<string, number>;
  /** The most DescribeBackupJob calls the AWS sandbox answered at once since the last reset. */
  awsPeakDescribeInFlight: number;
  sailPoint: Record<string, Record<string, number>>;
  /** Every source's calls by operation: an AWS source's are those of its Region (or of its own sandbox). */
  bySource: Record<string, Record<string, number>>;
}

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? '0');
const now = new Date(process.env.BENCH_NOW ?? Date.now());

const [sandbox, ownAws] = await Promise.all([startSandbox({ latencyMs, now }), startAwsSandbox({ latencyMs, now })]);
const tenants = sandbox.sailPoint.tenants.map((tenant) => tenant.name);
const ownSource = parseSource({ kind: 'aws', name: 'own', region: 'us-east-1', endpoint: ownAws.url, timeoutMs: 5_000 }) as AwsSourceConfig;

const sourceOfRegion = new Map(
  sandbox.config.sources.flatMap((source) => (source.kind === 'aws' ? [[source.region, source.name] as const] : [])),
);
const sourceOfTenant = (tenant: string) => `sailpoint-${tenant}`;

function calls(): UpstreamCalls {
  const operations = ['token', 'listBackups', 'listUploads', 'getUpload'] as const;
  const sailPoint = Object.fromEntries(
    tenants.map((tenant) => [
      tenant,
      Object.fromEntries(operations.map((operation) => [operation, sandbox.sailPoint.calls.count(operation, tenant)])),
    ]),
  );
  const awsOperations = ['ListBackupJobs', 'DescribeBackupJob'] as const;
  return {
    aws: sandbox.aws.calls.byOperation(),
    ownAws: ownAws.calls.byOperation(),
    awsPeakDescribeInFlight: sandbox.aws.calls.peakConcurrency('DescribeBackupJob'),
    sailPoint,
    bySource: {
      ...Object.fromEntries(
        [...sourceOfRegion].map(([region, name]) => [
          name,
          Object.fromEntries(awsOperations.map((operation) => [operation, sandbox.aws.calls.count(operation, region)])),
        ]),
      ),
      [ownSource.name]: ownAws.calls.byOperation(),
      ...Object.fromEntries(tenants.map((tenant) => [sourceOfTenant(tenant), sailPoint[tenant]!])),
    },
  };
}

/**
 * The most calls each named source made within any window of the given length since the last
 * reset, token calls and retries included: the sandbox's sources read one Region or tenant each,
 * the own-account source a sandbox of its own. A name of no source gets null.
 */
function peaks(windows: Record<string, number>): Record<string, number | null> {
  const region = (name: string) => [...sourceOfRegion].find(([, source]) => source === name)?.[0];
  const tenant = (name: string) => tenants.find((candidate) => sourceOfTenant(candidate) === name);
  return Object.fromEntries(
    Object.entries(windows).map(([name, windowMs]) => {
      if (name === ownSource.name) return [name, ownAws.calls.peak(windowMs)];
      const inRegion = region(name);
      if (inRegion) return [name, sandbox.aws.calls.peak(windowMs, inRegion)];
      const ofTenant = tenant(name);
      return [name, ofTenant ? sandbox.sailPoint.calls.peak(windowMs, ofTenant) : null];
    }),
  );
}

answerQuestions({
  calls,
  peaks: (about) => peaks(about as Record<string, number>),
  /**
   * How far the AWS sandbox's clock (by which it dates the jobs it creates) is ahead of the real
   * one, which every process on the machine reads alike: a job's CreationDate less this is when, in
   * real time, the sandbox created it.
   */
  clockAheadMs: () => sandbox.aws.clock.now() - Date.now(),
  /** The 429 answers SailPoint sent since the last reset. */
  throttled: () => sandbox.sailPoint.calls.throttled(),
  reset: () => {
    sandbox.aws.calls.reset();
    ownAws.calls.reset();
    sandbox.sailPoint.calls.reset();
    return true;
  },
});

announceReady({
  sources: sandbox.config.sources.map((source) => {
    if (source.kind !== 'aws') return source;
    const { credentials: _credentials, ...rest } = source;
    return rest;
  }),
  ownSource,
  aws: sandbox.aws.store.jobs().map(({ region, record }) => ({
    sourceName: sourceOfRegion.get(region) ?? '',
    region,
    accountId: record.AccountId,
    backupJobId: record.BackupJobId,
    isParent: record.IsParent,
    parentJobId: record.ParentJobId ?? null,
  })),
  sailPoint: tenants.flatMap((tenant) =>
    (['backup', 'upload'] as const).flatMap((collection) =>
      (collection === 'backup' ? sandbox.sailPoint.store.backups(tenant) : sandbox.sailPoint.store.uploads(tenant)).map((record) => ({
        sourceName: sourceOfTenant(tenant),
        tenant: String(record.tenant),
        collection,
        jobId: String(record.jobId),
      })),
    ),
  ),
} satisfies SandboxReady);

process.once('disconnect', () => {
  void Promise.all([sandbox.close(), ownAws.close()]).then(() => process.exit(0));
});
