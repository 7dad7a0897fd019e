// What the bench's command lines share: reading a numeric option, or stopping with the usage.

/** The option's number; a value that is not one (or is negative, or zero unless allowed) ends the process with the usage. */
export function numberOption(usage: string, name: string, raw: string, allowZero = false): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    console.error(`--${name} must be a ${allowZero ? 'non-negative' : 'positive'} number, got "${raw}"\n\n${usage}`);
    process.exit(2);
  }
  return value;
}
