// The per-request job loader: lookups by key, batched per source and answered by that source's
// shared read model (so a job listed by any request, or any replica, costs nothing to look up).
import { createContextCache } from '@pothos/core';
import DataLoader from 'dataloader';
import type { GraphQLError } from 'graphql';
import { badUserInput, quoted } from '../src/model/errors.js';
import { sourceNameOf, type BackupJobModel } from '../src/model/job.js';
import { toGraphQLError } from '../src/model/upstream-errors.js';
import type { GatewayContext } from './context.js';

/** Jobs by key (`<sourceName>:<the source's own id>`); null for a job its source does not have. */
export const jobLoader = createContextCache(
  (context: GatewayContext) =>
    new DataLoader<string, BackupJobModel | null>(async (keys) => {
      const bySource = new Map<string, number[]>();
      keys.forEach((key, index) => {
        const sourceName = sourceNameOf(key);
        const indexes = bySource.get(sourceName);
        if (indexes) indexes.push(index);
        else bySource.set(sourceName, [index]);
      });
      const results: (BackupJobModel | null | Error)[] = new Array(keys.length);
      await Promise.all(
        [...bySource].map(async ([sourceName, indexes]) => {
          const model = sourceName ? context.sources.readModel(sourceName) : undefined;
          if (!model) {
            const unknown = badUserInput(`The id names source ${quoted(sourceName)}, which this gateway does not serve`);
            for (const index of indexes) results[index] = unknown;
            return;
          }
          const found = await model.lookup(
            indexes.map((index) => keys[index]!),
            context.reader,
          );
          // Lookups refused for one reason share one error object: it is converted once per batch, not once per job.
          const converted = new Map<Error, GraphQLError>();
          found.forEach((job, position) => {
            if (!(job instanceof Error)) {
              results[indexes[position]!] = job;
              return;
            }
            let error = converted.get(job);
            if (!error) {
              error = toGraphQLError(job, sourceName);
              converted.set(job, error);
            }
            results[indexes[position]!] = error;
          });
        }),
      );
      return results;
    }),
);

/** Jobs of one kind by key: a key that names a source of another kind finds nothing. */
export async function loadJobsOfKind<Job extends BackupJobModel>(
  context: GatewayContext,
  keys: readonly string[],
  isKind: (job: BackupJobModel) => job is Job,
): Promise<(Job | null | Error)[]> {
  const found = await jobLoader(context).loadMany(keys);
  return found.map((job) => (job instanceof Error || job === null ? job : isKind(job) ? job : null));
}
