// Root-field logic for `backupJobUpdated`: the sources a filter selects among those the caller may
// see, and of what they publish, the jobs the filter accepts. Nothing here knows what kind a source is.
import type { JobUpdate } from '../src/model/changes.js';
import type { BackupJobFilter, KindConditions } from '../src/model/job.js';
import { acceptor, selectSources, validateFilter } from './backup-jobs.js';
import type { GatewayContext } from './context.js';

/** The updates of the jobs the filter accepts, as the sources' refreshes find them, until the client leaves. */
export function subscribeToJobUpdates(
  context: GatewayContext,
  filter: BackupJobFilter | null | undefined,
  kindConditions: readonly KindConditions[],
): Promise<AsyncIterableIterator<JobUpdate>> {
  const valid = validateFilter(filter ?? {}, kindConditions, (warning) => context.warnings.push(warning));
  // Only sources this caller may see: the view the context holds lists no other.
  const sources = selectSources(context, valid, kindConditions);
  const accept = acceptor(sources, valid);
  return context.live.subscribe(
    context.callerKey,
    sources.map((source) => source.name),
    ({ updates }) => updates.filter(({ job }) => context.caller.maySee(job.sourceName) && accept(job)),
  );
}
