// Per-request DataLoaders: each AWS job is described at most once per request, with the calls
// bounded per source by the source itself, and child-job lists fetched once per parent.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { badUserInput } from '../src/errors.js';
import type { GatewayContext } from './context.js';
import { parseAwsJobKey } from './ids.js';
import { mapAwsBackupJob, type AwsBackupJobModel } from './mappers/aws.js';
import { toGraphQLError } from './upstream-errors.js';

/** DescribeBackupJob results by job key (`<sourceName>:<backupJobId>`); null for a missing job. */
export const awsDescribeLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<string, AwsBackupJobModel | null>((keys) =>
      Promise.all(keys.map((key) => describeAwsJob(context, key).catch((error: unknown) => error as Error))),
    ),
);

async function describeAwsJob(context: GatewayContext, key: string): Promise<AwsBackupJobModel | null> {
  const parsed = parseAwsJobKey(key);
  const source = parsed ? context.sources.get(parsed.sourceName) : undefined;
  if (!parsed || !source) {
    throw badUserInput(`The id names AWS source "${parsed?.sourceName ?? ''}", which this gateway does not serve`);
  }
  try {
    const record = await source.describe(parsed.backupJobId);
    return record ? mapAwsBackupJob(record, source, true) : null;
  } catch (error) {
    throw toGraphQLError(error, source.name);
  }
}

/** The child jobs of a composite job, by the parent job. */
export const awsChildJobsLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<AwsBackupJobModel, AwsBackupJobModel[], string>(
      (parents) =>
        Promise.all(parents.map((parent) => listAwsChildJobs(context, parent).catch((error: unknown) => error as Error))),
      { cacheKeyFn: (parent) => parent.key },
    ),
);

async function listAwsChildJobs(context: GatewayContext, parent: AwsBackupJobModel): Promise<AwsBackupJobModel[]> {
  const source = context.sources.get(parent.sourceName);
  if (!source) return [];
  try {
    const records = await source.listAll({
      ByParentJobId: parent.backupJobId,
      // Children live in their parent's account, which an organization-wide source must name.
      ...(parent.accountId ? { ByAccountId: parent.accountId } : {}),
    });
    return records.map((record) => mapAwsBackupJob(record, source, false));
  } catch (error) {
    throw toGraphQLError(error, source.name);
  }
}
