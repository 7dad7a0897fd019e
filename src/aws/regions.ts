// The Regions enabled for the account, as AWS Account Management's ListRegions tells them: what an
// AWS entry with `regions: "enabled"` stands for, asked once, at start.
import { AccountClient, paginateListRegions, type RegionOptStatus } from '@aws-sdk/client-account';
import { clientOptions, type AwsCredentials } from './sdk.js';

/**
 * The Account Management API of AWS's commercial partition is one global endpoint, signed for
 * us-east-1, whatever Region a client names.
 */
const ACCOUNT_API_REGION = 'us-east-1';

/** A Region still being enabled (ENABLING) serves no AWS Backup calls yet. */
const ENABLED: RegionOptStatus[] = ['ENABLED', 'ENABLED_BY_DEFAULT'];

/** ListRegions' largest page: AWS has fewer Regions, so one call answers. */
const PAGE_SIZE = 50;

export interface RegionsQuery {
  /** The entry's endpoint: a local emulator (the sandbox, LocalStack) serves every service on one. */
  endpoint?: string;
  credentials?: AwsCredentials;
  /** For the whole listing, retries included. */
  timeoutMs: number;
}

/** The Regions enabled for the caller's account, sorted by name; rejects with RegionsUnknown. */
export async function enabledRegions(query: RegionsQuery): Promise<string[]> {
  const client = new AccountClient(clientOptions({ ...query, region: ACCOUNT_API_REGION }));
  const regions = new Set<string>();
  try {
    const pages = paginateListRegions({ client, pageSize: PAGE_SIZE }, { RegionOptStatusContains: ENABLED }, { abortSignal: AbortSignal.timeout(query.timeoutMs) });
    for await (const page of pages) {
      for (const region of page.Regions ?? []) if (region.RegionName) regions.add(region.RegionName);
    }
  } catch (error) {
    throw new RegionsUnknown(whyUnknown(error, query.timeoutMs));
  } finally {
    client.destroy();
  }
  // AWS documents no order; a sorted list gives the same sources in the same order on every start.
  return [...regions].sort();
}

/** ListRegions did not answer with the Regions. Its message names what went wrong, never a credential or AWS's own text. */
export class RegionsUnknown extends Error {
  override name = 'RegionsUnknown';
}

function whyUnknown(error: unknown, timeoutMs: number): string {
  const { name, code, $metadata } = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (name === 'AccessDeniedException') return 'AWS Account Management refused ListRegions (AccessDeniedException): the identity needs account:ListRegions';
  if (name === 'TimeoutError' || name === 'AbortError') return `AWS Account Management's ListRegions did not answer within timeoutMs (${timeoutMs} ms)`;
  const status = $metadata?.httpStatusCode;
  // An SDK error's name is the upstream's error code; a network error's code is the system's (ECONNREFUSED).
  const what = status !== undefined ? `${name} (HTTP ${status})` : (code ?? name ?? 'an unknown error');
  return `AWS Account Management's ListRegions failed: ${what}`;
}
