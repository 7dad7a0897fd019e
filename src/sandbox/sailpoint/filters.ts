// The one `filters` expression the Configuration Hub lists accept, `status eq "<STATUS>"`, and why anything else is refused.
import { SAILPOINT_BACKUP_STATUSES, type SailPointBackupStatus } from '../../sailpoint/records.js';

export type StatusFilter = { status: SailPointBackupStatus | undefined } | { unsupported: string };

// Operators of SailPoint's filter language: recognised so that the refusal can say "not supported here".
const OPERATORS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'co', 'sw', 'in', 'ca', 'pr', 'isnull']);
const COMPOSITES = new Set(['and', 'or', 'not']);

/**
 * Parses the `filters` query parameter. SailPoint's operators are lowercase only ("EQ" is refused);
 * the value is a double-quoted string with `\"` and `\\` escapes, compared without regard to case.
 */
export function parseStatusFilter(expression: string | null): StatusFilter {
  if (expression === null || expression.trim() === '') return { status: undefined };
  const match = /^\s*([A-Za-z_][\w.]*)\s+([A-Za-z]+)(?:\s+([\s\S]*?))?\s*$/.exec(expression);
  if (!match) return { unsupported: `The filter '${expression}' is not a valid filter expression.` };
  const [, field = '', operator = '', operand = ''] = match;

  if (COMPOSITES.has(field))
    return { unsupported: `Composite filters ('${field}') are not supported here; use one status eq expression.` };
  if (field !== 'status')
    return { unsupported: `Filtering on '${field}' is not supported; only 'status' with 'eq' is.` };
  if (!OPERATORS.has(operator)) {
    return OPERATORS.has(operator.toLowerCase())
      ? { unsupported: `Filter operators are lowercase: '${operator}' must be written '${operator.toLowerCase()}'.` }
      : { unsupported: `'${operator}' is not a filter operator.` };
  }
  if (operator !== 'eq')
    return { unsupported: `The operator '${operator}' is not supported on 'status'; only 'eq' is.` };

  const literal = /^"((?:[^"\\]|\\.)*)"$/.exec(operand);
  if (!literal) {
    return {
      unsupported: `'status eq' takes one double-quoted value, as in status eq "COMPLETE"; composite filters are not supported.`,
    };
  }
  const value = (literal[1] ?? '').replace(/\\(.)/g, '$1');
  const status = SAILPOINT_BACKUP_STATUSES.find((known) => known === value.toUpperCase());
  if (!status) {
    return {
      unsupported: `'${value}' is not a backup status; expected one of ${SAILPOINT_BACKUP_STATUSES.join(', ')}.`,
    };
  }
  return { status };
}
