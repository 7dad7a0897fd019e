// The configuration of one SailPoint tenant, from the configuration file or from the SAIL_*
// variables SailPoint's own tools read.
import { z } from 'zod';
import { budgetSchema, guardKeys, sourceName } from '../config/source.js';
import { urlSetting } from '../config/url.js';
import type { SourceEnvironment } from '../source-kind.js';

export const sailPointSourceSchema = z
  .object({
    kind: z.literal('sailpoint'),
    name: sourceName,
    baseUrl: urlSetting('the tenant API URL, such as https://acme.api.identitynow.com'),
    clientId: z.string().min(1, 'must be the client id of an OAuth client or personal access token'),
    clientSecret: z.string().min(1, 'must be the secret of that client'),
    includeUploads: z.boolean().default(true),
    /** SailPoint allows 100 requests per access token per 10 s. */
    budget: budgetSchema.default({ calls: 100, perSeconds: 10 }),
    ...guardKeys,
  })
  .strict();

export type SailPointSourceConfig = z.infer<typeof sailPointSourceSchema>;

/** The tenant named by SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET (and SAIL_SOURCE_NAME). */
export const sailPointEnvironment: SourceEnvironment = {
  subject: 'SailPoint tenant',
  label: 'SAIL_*',
  variables: { baseUrl: 'SAIL_BASE_URL', clientId: 'SAIL_CLIENT_ID', clientSecret: 'SAIL_CLIENT_SECRET' },
  nameVariable: 'SAIL_SOURCE_NAME',
  defaultName: 'sailpoint',
};
