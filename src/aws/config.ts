// The configuration of one AWS Backup source: a Region, and optionally an account or the whole organization.
import { z } from 'zod';
import { budgetSchema, guardKeys, sourceName } from '../config/source.js';
import { urlSetting } from '../config/url.js';

export const awsSourceSchema = z
  .object({
    kind: z.literal('aws'),
    name: sourceName,
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-east-1'),
    accountId: z
      .string()
      .regex(/^(\d{12}|\*)$/, 'must be a 12-digit AWS account id, or "*" for every account of the organization')
      .optional(),
    endpoint: urlSetting('the URL of an AWS Backup endpoint, such as http://127.0.0.1:4566').optional(),
    describeConcurrency: z.number().int().min(1).max(64).default(8),
    /** AWS publishes no request-rate quota for its Backup API; this keeps the gateway a polite neighbour of other tools. */
    budget: budgetSchema.default({ calls: 50, perSeconds: 5 }),
    ...guardKeys,
  })
  .strict();

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export type AwsSourceConfig = z.infer<typeof awsSourceSchema> & {
  /**
   * Static credentials, set only by the sandbox wiring. Configuration files cannot set them:
   * real deployments take credentials from the SDK's default provider chain.
   */
  credentials?: AwsCredentials;
};
