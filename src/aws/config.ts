// The configuration of AWS Backup sources: one entry names a Region, or several, or every Region
// enabled for the account, each then a source of its own; and optionally an account or the whole organization.
import { z } from 'zod';
import { budgetSchema, guardKeys, sourceName } from '../config/source.js';
import { urlSetting } from '../config/url.js';
import type { Expansion } from '../source-kind.js';
import { enabledRegions, RegionsUnknown } from './regions.js';
import type { AwsCredentials } from './sdk.js';

const regionName = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1');

/** AWS has fewer Regions than this; an entry naming more is a mistake. */
const MAX_REGIONS = 40;

/** `regions` for every Region enabled for the account, as AWS Account Management lists them at start. */
export const ENABLED_REGIONS = 'enabled';

const regionsSetting = z.union([z.array(regionName).min(1).max(MAX_REGIONS), z.literal(ENABLED_REGIONS)], {
  errorMap: (issue, context) =>
    issue.code === z.ZodIssueCode.invalid_union
      ? { message: `must be a list of AWS Regions such as ["us-east-1", "eu-west-1"], or "${ENABLED_REGIONS}" for every Region enabled for the account` }
      : { message: context.defaultError },
});

export const awsSourceSchema = z
  .object({
    kind: z.literal('aws'),
    name: sourceName,
    region: regionName.optional(),
    regions: regionsSetting.optional(),
    accountId: z
      .string()
      .regex(/^(\d{12}|\*)$/, 'must be a 12-digit AWS account id, or "*" for every account of the organization')
      .optional(),
    endpoint: urlSetting('the URL of an AWS Backup endpoint, such as http://127.0.0.1:4566').optional(),
    describeConcurrency: z.number().int().min(1).max(64).default(8),
    /**
     * Hours before its newest job that a source too large to read in full keeps in memory (the
     * rest of AWS's 30-day list window is read on demand); 720 keeps the whole window.
     */
    retainedWindowHours: z.number().int().min(1).max(720).default(168),
    /** AWS publishes no request-rate quota for its Backup API; this keeps the gateway a polite neighbour of other tools. */
    budget: budgetSchema.default({ calls: 50, perSeconds: 5 }),
    ...guardKeys,
  })
  .strict();

/** One AWS entry of the configuration file: `region`, or `regions` for one source per Region. */
export type AwsSourceEntry = z.infer<typeof awsSourceSchema>;

/** One AWS source: one Region. */
export type AwsSourceConfig = Omit<AwsSourceEntry, 'region' | 'regions'> & {
  region: string;
  /**
   * Static credentials, set only by the sandbox wiring. Configuration files cannot set them:
   * real deployments take credentials from the SDK's default provider chain.
   */
  credentials?: AwsCredentials;
};

/**
 * The sources one AWS entry stands for: itself for `region`; for `regions`, one source per Region,
 * named `<name>-<region>`, each with its own guard and budget. For every enabled Region, how to ask
 * AWS which they are: the entry then names them.
 */
export function expandAwsEntry({ region, regions, ...entry }: AwsSourceEntry): Expansion<AwsSourceEntry, AwsSourceConfig> {
  if ((region === undefined) === (regions === undefined)) return { problem: 'must set exactly one of "region" and "regions"' };
  if (region !== undefined) return [{ ...entry, region }];
  if (regions === ENABLED_REGIONS) return { ask: () => askEnabledRegions(entry) };
  if (new Set(regions).size !== regions!.length) return { problem: '"regions" names a Region twice' };
  return regions!.map((one) => ({ ...entry, name: `${entry.name}-${one}`, region: one }));
}

async function askEnabledRegions(entry: Omit<AwsSourceEntry, 'region' | 'regions'>): Promise<AwsSourceEntry | { problem: string }> {
  let regions: string[];
  try {
    regions = await enabledRegions(entry);
  } catch (error) {
    if (!(error instanceof RegionsUnknown)) throw error;
    return { problem: `could not list the Regions enabled for the account: ${error.message}; or name the Regions in "regions"` };
  }
  return regions.length > 0 ? { ...entry, regions } : { problem: 'AWS Account Management lists no Region enabled for the account' };
}
