// What every AWS SDK client of the gateway is built with: a deadline per request and no logging of its own.
import type { BackupClientConfig } from '@aws-sdk/client-backup';

/**
 * The SDK's logger middleware builds a redacted deep copy of every answer for `logger.info`, even
 * for its default no-op logger; a logger without `info` skips that work (6-14% of the CPU of one
 * operation in the benchmark).
 */
const QUIET_LOGGER = { debug: () => undefined, warn: () => undefined, error: () => undefined } as unknown as BackupClientConfig['logger'];

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The options an AWS client takes for one endpoint (AWS's own when none), credentials (the default chain when none) and deadline. */
export function clientOptions(options: { region: string; endpoint?: string; credentials?: AwsCredentials; timeoutMs: number }) {
  return {
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Without throwOnRequestTimeout the SDK only logs a request that overruns requestTimeout.
    requestHandler: { connectionTimeout: Math.min(3_000, options.timeoutMs), requestTimeout: options.timeoutMs, throwOnRequestTimeout: true },
    logger: QUIET_LOGGER,
  };
}
