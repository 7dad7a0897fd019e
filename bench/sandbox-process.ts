// The bench's upstream process: the sandbox with a per-call latency, counting calls for the driver over IPC.
import type { SourceConfig } from '../src/config/index.js';
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
  aws: AwsFixture[];
  sailPoint: SailPointFixture[];
}

export interface UpstreamCalls {
  aws: Record<string, number>;
  /** The most DescribeBackupJob calls the AWS sandbox answered at once since the last reset. */
  awsPeakDescribeInFlight: number;
  sailPoint: Record<string, Record<string, number>>;
}

const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? '0');
const now = new Date(process.env.BENCH_NOW ?? Date.now());

const sandbox = await startSandbox({ latencyMs, now });
const tenants = sandbox.sailPoint.tenants.map((tenant) => tenant.name);

function calls(): UpstreamCalls {
  const operations = ['token', 'listBackups', 'listUploads', 'getUpload'] as const;
  return {
    aws: sandbox.aws.calls.byOperation(),
    awsPeakDescribeInFlight: sandbox.aws.calls.peakConcurrency('DescribeBackupJob'),
    sailPoint: Object.fromEntries(
      tenants.map((tenant) => [
        tenant,
        Object.fromEntries(operations.map((operation) => [operation, sandbox.sailPoint.calls.count(operation, tenant)])),
      ]),
    ),
  };
}

answerQuestions({
  calls,
  reset: () => {
    sandbox.aws.calls.reset();
    sandbox.sailPoint.calls.reset();
    return true;
  },
});

const sourceOfRegion = new Map(
  sandbox.config.sources.flatMap((source) => (source.kind === 'aws' ? [[source.region, source.name] as const] : [])),
);
const sourceOfTenant = (tenant: string) => `sailpoint-${tenant}`;

announceReady({
  sources: sandbox.config.sources.map((source) => {
    if (source.kind !== 'aws') return source;
    const { credentials: _credentials, ...rest } = source;
    return rest;
  }),
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
  void sandbox.close().then(() => process.exit(0));
});
