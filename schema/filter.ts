// The filter of `backupJobs`: the conditions every kind of job has, and those each kind's schema
// file adds for its own jobs.
import type { GenericInputFieldRef, InputShapeFromFields } from '@pothos/core';
import type { KindConditions, Warning } from '../src/model/job.js';
import type { SourceKind } from '../src/sources.js';
import { BackupJobPhase, BackupSourceKind } from './backup-job.js';
import { builder } from './builder.js';

type FilterFieldBuilder = PothosSchemaTypes.InputFieldBuilder<typeof builder.$inferSchemaTypes, 'InputObject'>;
type FilterFields = Record<string, (t: FilterFieldBuilder) => GenericInputFieldRef<unknown>>;

/** The fields the kinds add to the filter, in the order their schema files add them. */
const kindFields: FilterFields = {};

/** Which kind added which conditions, and its check of their values: what `backupJobs` applies them with. */
export const kindConditions: KindConditions[] = [];

/**
 * Adds conditions only one kind's jobs have to `BackupJobFilter`, after the shared ones, and the
 * kind's check of their values (it throws BAD_USER_INPUT, or warns of a value that cannot match as
 * spelt). Setting one of them leaves the sources of every other kind out of `backupJobs`; the
 * kind's adapter applies them (`matches`).
 */
export function addFilterFields<Fields extends FilterFields>(
  kind: SourceKind,
  fields: Fields,
  validate?: (conditions: InputShapeFromFields<{ [Name in keyof Fields]: ReturnType<Fields[Name]> }>, warn: (warning: Warning) => void) => void,
): void {
  Object.assign(kindFields, fields);
  kindConditions.push({
    kind,
    names: Object.keys(fields),
    // The input was coerced to these fields: they hold what their types say.
    validate: validate && ((filter, warn) => validate(filter as Parameters<typeof validate>[0], warn)),
  });
}

export const BackupJobFilter = builder.inputType('BackupJobFilter', {
  description:
    'Narrows `backupJobs`. Every condition must hold. The gateway applies them to the jobs each source\'s read model holds, so a page holds `first` jobs while matching ones remain, and no condition costs an upstream call.',
  fields: (t) => ({
    sourceKinds: t.field({
      type: [BackupSourceKind],
      required: false,
      description: 'Only jobs of sources of these kinds (an empty list: none).',
    }),
    sourceNames: t.stringList({
      required: false,
      description: 'Only jobs from these configured sources (see `backupSources`). An unknown name is an error.',
    }),
    phases: t.field({
      type: [BackupJobPhase],
      required: false,
      description: 'Only jobs in one of these phases.',
    }),
    createdAfter: t.field({ type: 'DateTime', required: false, description: 'Only jobs created after this instant.' }),
    createdBefore: t.field({ type: 'DateTime', required: false, description: 'Only jobs created before this instant.' }),
    ...Object.fromEntries(Object.entries(kindFields).map(([name, field]) => [name, field(t)])),
  }),
});
