// The orders the AWS sandbox can list jobs in. AWS documents none for ListBackupJobs, so a client
// must not rely on one; 'shuffled' lets tests prove that a client does not.
import { Rng } from './rng.js';

export const LIST_ORDERS = ['newest-first', 'shuffled'] as const;
export type ListOrder = (typeof LIST_ORDERS)[number];

/** The order a sandbox lists in unless told otherwise. */
export const DEFAULT_LIST_ORDER: ListOrder = 'shuffled';

/**
 * A job's place in list order, compared member by member. Every job has its own, so the order is
 * total, a job created later slots in without moving the others, and a NextToken can carry the
 * key of the last job a page returned.
 */
export type ListKey = readonly (number | string)[];

const SHUFFLE_SEED = 'list-order';

/** The members of a job's wire record (the store's WireBackupJob) that its key is made of. */
type KeyedRecord = { readonly AccountId: string; readonly BackupJobId: string; readonly CreationDate: number };

/** How a job's key is made in the given order. */
export function listKeyOf(order: ListOrder): (record: KeyedRecord) => ListKey {
  switch (order) {
    case 'newest-first':
      // Newest CreationDate first; ties by BackupJobId, ascending.
      return (record) => [-Math.round(record.CreationDate * 1000), record.BackupJobId];
    case 'shuffled':
      // Grouped by account, as an organization-wide listing gathers each account's jobs; within a
      // group, sorted by a number drawn from a generator seeded with the job id. Sorting by random
      // keys is a shuffle, and one that a new job cannot reshuffle.
      return (record) => [record.AccountId, new Rng(`${SHUFFLE_SEED}/${record.BackupJobId}`).next(), record.BackupJobId];
  }
}

export function compareListKeys(a: ListKey, b: ListKey): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
