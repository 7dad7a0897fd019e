// One copy of each value that many jobs repeat (an account, a vault's ARN, a backup plan's rule):
// a large source's read model holds hundreds of thousands of jobs, and most of their strings and
// small records are the same few hundred values over again.

/** Distinct values kept; past it, new values are used as they come, uninterned. */
const MAX_VALUES = 200_000;

const strings = new Map<string, string>();
const records = new Map<string, unknown>();

/** The one copy of a string (null and undefined pass through as null). */
export function shared(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const known = strings.get(value);
  if (known !== undefined) return known;
  if (strings.size < MAX_VALUES) strings.set(value, value);
  return value;
}

/**
 * The one copy of a small record of plain values, frozen, since every job that holds it shares it.
 * Its identity is its JSON.
 */
export function sharedRecord<T extends object>(value: T): Readonly<T> {
  const key = JSON.stringify(value);
  const known = records.get(key) as Readonly<T> | undefined;
  if (known !== undefined) return known;
  const frozen = Object.freeze(value);
  if (records.size < MAX_VALUES) records.set(key, frozen);
  return frozen;
}
