// The subscription to job updates: `backupJobUpdated`, its event and the vocabulary of what changed.
import { subscribeToJobUpdates } from '../resolvers/live.js';
import { APPEARED, APPEARED_DESCRIPTION, type JobUpdate } from '../src/model/changes.js';
import { WATCHED_BY_KIND } from '../src/sources.js';
import { BackupJob } from './backup-job.js';
import { builder } from './builder.js';
import { BackupJobFilter, kindConditions } from './filter.js';

/** Every change any kind watches, once each, after APPEARED. */
const changeValues = Object.fromEntries([
  [APPEARED, { description: APPEARED_DESCRIPTION }],
  ...[...WATCHED_BY_KIND.values()].flat().map(({ change, description }) => [change, { description }] as const),
]) as Record<string, { description: string }>;

const BackupJobChange = builder.enumType('BackupJobChange', {
  description:
    'What made the gateway send a `BackupJobUpdate`: a new job, or a change to one of the fields subscribers are told of (the phase and completion of every job, progress and outcome fields of each kind). Changes to other fields send nothing.',
  values: changeValues,
});

const BackupJobUpdate = builder.objectRef<JobUpdate>('BackupJobUpdate').implement({
  description: 'One job as a refresh of its source found it, and what changed since the refresh before.',
  fields: (t) => ({
    job: t.field({
      type: BackupJob,
      nullable: false,
      description: 'The job as it is now. Select per type with `... on AwsBackupJob` or `... on SailPointBackupJob`.',
      resolve: (update) => update.job,
    }),
    changes: t.field({
      type: [BackupJobChange],
      nullable: false,
      description: 'What changed: `APPEARED` alone for a job the gateway had not listed before, else each watched field whose value differs.',
      resolve: (update) => [...update.changes],
    }),
  }),
});

builder.subscriptionType({
  description: 'Live updates over GraphQL over Server-Sent Events (`Accept: text/event-stream`).',
});

builder.subscriptionField('backupJobUpdated', (t) =>
  t.field({
    type: BackupJobUpdate,
    nullable: false,
    description:
      "An event whenever a refresh of a selected source finds a job that is new or whose phase, completion or progress changed, for the jobs the filter accepts among the sources the caller may see. Costs no upstream call of its own: while anyone subscribes to a source, the gateway reads it once per its `refreshAfterMs` however many subscribe, on whichever replica; a job that changes and changes back between two refreshes sends nothing. Each caller, and the gateway with all its workers and replicas, may hold a limited number of subscriptions (`SUBSCRIPTION_LIMIT`).",
    args: {
      filter: t.arg({ type: BackupJobFilter, description: 'Conditions every job an event carries meets.' }),
    },
    subscribe: (_root, { filter }, context) => subscribeToJobUpdates(context, filter, kindConditions),
    resolve: (update) => update,
  }),
);
