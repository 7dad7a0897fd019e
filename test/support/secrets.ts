// Every credential the suite hands to a gateway, in one place, so that the reporter that reads all
// the suite printed can look for each of them (test/support/secret-scan-reporter.ts).
import { createHash } from 'node:crypto';
import { SANDBOX_AWS_CREDENTIALS } from '../../src/sandbox/aws/index.js';
import { SAILPOINT_SANDBOX_TENANTS } from '../../src/sandbox/sailpoint/index.js';

/** Credentials of the sources errors.test.ts points at closed and hanging ports. */
export const UNREACHABLE_SOURCE_SECRETS = {
  downSecretKey: 'down-secret-key',
  hangSecretKey: 'hang-secret-key',
};

/** The API key auth.test.ts authenticates with. */
export const TEST_API_KEY = 'bgk_dashboard_7f3a9c1e5b';

/** The API key auth.test.ts acts with: it may write to one SailPoint tenant. */
export const TEST_WRITE_API_KEY = 'bgk_operator_2d8e4b6a91';

export const SECRETS_NEVER_PRINTED: readonly string[] = [
  SANDBOX_AWS_CREDENTIALS.secretAccessKey,
  ...SAILPOINT_SANDBOX_TENANTS.map((tenant) => tenant.clientSecret),
  ...Object.values(UNREACHABLE_SOURCE_SECRETS),
  TEST_API_KEY,
  TEST_WRITE_API_KEY,
];

/** An `apiKeys` entry of the security configuration for `key`, which a configuration holds only as its SHA-256. */
export function apiKeyEntry(name: string, key: string, sources: readonly string[], write?: readonly string[]) {
  return { name, sha256: createHash('sha256').update(key).digest('hex'), sources, ...(write ? { write } : {}) };
}
