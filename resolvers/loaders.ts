// Per-request DataLoaders: each AWS job is described at most once per request (bounded per source
// by the source itself), child-job lists are fetched once per parent, and each SailPoint tenant's
// lists once per request.
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import { badUserInput } from '../src/errors.js';
import { upstreamCall, type GatewayContext } from './context.js';
import { parseAwsJobKey, parseSailPointJobKey } from './ids.js';
import { mapAwsBackupJob, type AwsBackupJobModel } from './mappers/aws.js';
import { mapSailPointBackupJob, type SailPointBackupJobModel } from './mappers/sailpoint.js';
import type { SailPointCollection } from '../src/sailpoint/source.js';
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
  const source = parsed ? context.sources.awsSource(parsed.sourceName) : undefined;
  if (!parsed || !source) {
    throw badUserInput(`The id names AWS source "${parsed?.sourceName ?? ''}", which this gateway does not serve`);
  }
  try {
    const record = await source.describe(parsed.backupJobId, upstreamCall(context));
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
  const source = context.sources.awsSource(parent.sourceName);
  if (!source) return [];
  try {
    const records = await source.listAll(
      {
        ByParentJobId: parent.backupJobId,
        // Children live in their parent's account, which an organization-wide source must name.
        ...(parent.accountId ? { ByAccountId: parent.accountId } : {}),
      },
      upstreamCall(context),
    );
    return records.map((record) => mapAwsBackupJob(record, source, false));
  } catch (error) {
    throw toGraphQLError(error, source.name);
  }
}

/**
 * One SailPoint tenant collection, indexed by job id, keyed `<sourceName>:<collection>`. SailPoint
 * has no get-by-id for backups, so any number of lookups in a request share this one list call.
 */
export const sailPointIndexLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<string, Map<string, SailPointBackupJobModel>>((keys) =>
      Promise.all(keys.map((key) => listSailPointCollection(context, key).catch((error: unknown) => error as Error))),
    ),
);

async function listSailPointCollection(context: GatewayContext, key: string): Promise<Map<string, SailPointBackupJobModel>> {
  const [sourceName = '', collection] = key.split(':') as [string, SailPointCollection];
  const source = context.sources.sailPointSource(sourceName);
  if (!source) throw badUserInput(`The id names SailPoint source "${sourceName}", which this gateway does not serve`);
  if (!source.collections.includes(collection)) return new Map();
  try {
    const records = await source.list(collection, undefined, upstreamCall(context));
    return new Map(
      records.map((record) => {
        const job = mapSailPointBackupJob(record, source.name, collection);
        return [job.jobId, job];
      }),
    );
  } catch (error) {
    throw toGraphQLError(error, source.name);
  }
}

/** SailPoint jobs by job key (`<sourceName>:<collection>:<jobId>`); null for a missing job. */
export async function loadSailPointJobs(
  context: GatewayContext,
  keys: readonly string[],
): Promise<(SailPointBackupJobModel | null | Error)[]> {
  return Promise.all(
    keys.map(async (key) => {
      const parsed = parseSailPointJobKey(key);
      if (!parsed) return badUserInput('The id is not a SailPoint job id issued by this gateway');
      try {
        const index = await sailPointIndexLoader(context).load(`${parsed.sourceName}:${parsed.collection}`);
        return index.get(parsed.jobId) ?? null;
      } catch (error) {
        return error as Error;
      }
    }),
  );
}
