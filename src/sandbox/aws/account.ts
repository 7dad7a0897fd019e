// AWS Account Management's ListRegions over the sandbox's Regions: the Regions it serves jobs in
// (or those it is told) are enabled, every other Region of the partition is not.
import { AWS_REGIONS } from './organization.js';
import { SandboxError } from './errors.js';
import { NextTokens } from './next-token.js';

/** Regions an account must opt in to (AWS_REGIONS are the ones enabled by default); an enabled one serves empty lists. */
export const OPT_IN_REGIONS = [
  'af-south-1', 'ap-east-1', 'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5', 'ap-southeast-7', 'ca-west-1',
  'eu-central-2', 'eu-south-1', 'eu-south-2', 'il-central-1', 'me-central-1', 'me-south-1', 'mx-central-1',
] as const;

/** Every Region ListRegions knows, in the order it lists them (by name). */
const PARTITION_REGIONS: readonly string[] = [...AWS_REGIONS, ...OPT_IN_REGIONS].sort();

const OPT_STATUSES = ['ENABLED', 'ENABLING', 'DISABLING', 'DISABLED', 'ENABLED_BY_DEFAULT'] as const;
type OptStatus = (typeof OPT_STATUSES)[number];

/** AWS documents no default page size; 20 makes a listing of every Region take two pages. */
const DEFAULT_MAX_RESULTS = 20;
const MAX_RESULTS = 50;

/** The Region of the credential scope Account Management's global endpoint accepts. */
export const ACCOUNT_API_REGION = 'us-east-1';

export interface ListRegionsAnswer {
  Regions: { RegionName: string; RegionOptStatus: OptStatus }[];
  NextToken?: string;
}

/** Account Management's refusal of a request member, in its own shape (`reason`, `fieldList`). */
const invalidField = (name: string, message: string): SandboxError =>
  new SandboxError('ValidationException', 400, `Invalid request: ${message}`, undefined, { reason: 'fieldValidationFailed', fieldList: [{ name, message }] });

export class AccountOperations {
  private readonly tokens = new NextTokens();
  private readonly enabled: ReadonlySet<string>;

  constructor(
    /** The organization's accounts; the first is the management account every request acts as. */
    private readonly accounts: readonly string[],
    enabled: readonly string[],
  ) {
    const unknown = enabled.filter((region) => !PARTITION_REGIONS.includes(region));
    if (unknown.length > 0) throw new RangeError(`Unknown Region ${unknown.join(', ')}; known: ${PARTITION_REGIONS.join(', ')}`);
    this.enabled = new Set(enabled);
  }

  /** Every Region and whether it is enabled: a default Region the sandbox does not serve is DISABLED (AWS cannot disable one; the sandbox can). */
  private statusOf(region: string): OptStatus {
    if (!this.enabled.has(region)) return 'DISABLED';
    return (AWS_REGIONS as readonly string[]).includes(region) ? 'ENABLED_BY_DEFAULT' : 'ENABLED';
  }

  listRegions(body: unknown): ListRegionsAnswer {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const account = input.AccountId;
    if (account !== undefined && (typeof account !== 'string' || !/^\d{12}$/.test(account))) throw invalidField('accountId', 'must be a 12-digit account id');
    // The management account may ask for any account of its organization; AWS refuses any other.
    if (account !== undefined && !this.accounts.includes(account)) {
      throw new SandboxError('AccessDeniedException', 403, `The account ${this.accounts[0]} may not read the Regions of account ${account}.`);
    }
    const maxResults = input.MaxResults ?? DEFAULT_MAX_RESULTS;
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_RESULTS) {
      throw invalidField('maxResults', `must be an integer from 1 to ${MAX_RESULTS}`);
    }
    const statuses = input.RegionOptStatusContains ?? OPT_STATUSES;
    if (!Array.isArray(statuses) || statuses.some((status) => !(OPT_STATUSES as readonly unknown[]).includes(status))) {
      throw invalidField('regionOptStatusContains', `must list values of ${OPT_STATUSES.join(', ')}`);
    }
    const listed = PARTITION_REGIONS.filter((region) => statuses.includes(this.statusOf(region)));
    const scope = JSON.stringify(['regions', account ?? this.accounts[0], [...statuses].sort()]);
    let start = 0;
    if (input.NextToken !== undefined && input.NextToken !== null) {
      const position = typeof input.NextToken === 'string' ? this.tokens.read(input.NextToken, scope) : undefined;
      if (!position) throw invalidField('nextToken', 'was not issued for a request with these parameters');
      start = Number(position[0]);
    }
    const page = listed.slice(start, start + maxResults);
    const next = start + page.length;
    return {
      Regions: page.map((region) => ({ RegionName: region, RegionOptStatus: this.statusOf(region) })),
      ...(next < listed.length ? { NextToken: this.tokens.issue(scope, [next]) } : {}),
    };
  }
}
