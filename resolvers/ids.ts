// Global ids: opaque to clients, stable, and naming the job's type, configured source and upstream id.
import { badUserInput, quoted } from '../src/model/errors.js';

/** Types whose ids the gateway issues; any other type name in an id is a bad id. */
const NODE_TYPES = new Set<string>();

/** Makes the ids of a type decode: each kind's job type registers itself as the schema is built. */
export function registerNodeType(typename: string): void {
  NODE_TYPES.add(typename);
}

export function encodeGlobalId(typename: string, localId: string | number | bigint): string {
  return Buffer.from(`${typename}:${localId}`, 'utf8').toString('base64url');
}

export function decodeGlobalId(globalId: string): { typename: string; id: string } {
  const decoded = /^[A-Za-z0-9_-]+$/.test(globalId) ? Buffer.from(globalId, 'base64url').toString('utf8') : '';
  const separator = decoded.indexOf(':');
  const typename = decoded.slice(0, separator);
  if (separator <= 0 || !NODE_TYPES.has(typename)) {
    throw badUserInput(`${quoted(globalId)} is not a backup job id issued by this gateway`);
  }
  return { typename, id: decoded.slice(separator + 1) };
}
