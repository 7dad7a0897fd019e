// The embedded sandbox: local upstream servers with deterministic data, and the gateway
// configuration that points at them.
import { ConfigError, parseObservability, parseResponseCache, parseSecurity, parseSource, readPort, type GatewayConfig } from '../config/index.js';
import {
  AWS_REGIONS,
  CROSS_ACCOUNT_DESCRIBE,
  LIST_ORDERS,
  MAX_ACCOUNTS,
  MAX_JOBS,
  MAX_REGIONS,
  OPT_IN_REGIONS,
  SANDBOX_AWS_CREDENTIALS,
  startAwsSandbox,
  type AwsSandbox,
  type CrossAccountDescribe,
  type ListOrder,
} from './aws/index.js';
import { startSailPointSandbox, type SailPointSandbox } from './sailpoint/index.js';

export interface SandboxOptions {
  awsPort?: number;
  sailPointPort?: number;
  host?: string;
  now?: Date;
  latencyMs?: number;
  /** SailPoint access token lifetime; tests shorten it to watch renewals. */
  tokenTtlSeconds?: number;
  /** SailPoint's rate limit per access token (default its real 100 per 10 s); tests that lift the gateway's budgets lift it too. */
  sailPointRateLimit?: { requests: number; windowMs: number };
  /** The order of the AWS sandbox's ListBackupJobs answers. */
  awsListOrder?: ListOrder;
  /** Whether the AWS sandbox's DescribeBackupJob answers for a job of another account. */
  awsCrossAccountDescribe?: CrossAccountDescribe;
  /** Jobs per Region, accounts and Regions of the AWS sandbox's large organization; unset, the seeded one. */
  awsJobs?: number;
  awsAccounts?: number;
  awsRegions?: number;
  /** The Regions the AWS sandbox's ListRegions says are enabled; unset, those it serves jobs in. */
  awsEnabledRegions?: readonly string[];
  /** Stops the AWS sandbox's clock at `now`: time then passes only as a test moves it (`aws.clock.advance`). */
  awsFrozenClock?: boolean;
  /** Stops the SailPoint sandbox's clock where it starts: its jobs under way then progress only through `sailPoint.clock.advance`. */
  sailPointFrozenClock?: boolean;
}

export interface Sandbox {
  aws: AwsSandbox;
  sailPoint: SailPointSandbox;
  /** One gateway source per AWS sandbox region (each seeing every account) and per SailPoint tenant. */
  config: GatewayConfig;
  /** Where each upstream listens, for the start-up log: "AWS Backup at http://..., SailPoint at http://...". */
  description: string;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const shared = {
    ...(options.host ? { host: options.host } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
  const [aws, sailPoint] = await Promise.all([
    startAwsSandbox({
      ...shared,
      port: options.awsPort ?? 0,
      listOrder: options.awsListOrder,
      crossAccountDescribe: options.awsCrossAccountDescribe,
      ...(options.awsJobs !== undefined ? { jobs: options.awsJobs } : {}),
      ...(options.awsAccounts !== undefined ? { accounts: options.awsAccounts } : {}),
      ...(options.awsRegions !== undefined ? { regions: options.awsRegions } : {}),
      ...(options.awsFrozenClock ? { frozenClock: true } : {}),
      ...(options.awsEnabledRegions ? { enabledRegions: options.awsEnabledRegions } : {}),
    }),
    startSailPointSandbox({
      ...shared,
      port: options.sailPointPort ?? 0,
      ...(options.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
      ...(options.sailPointRateLimit ? { rateLimit: options.sailPointRateLimit } : {}),
      ...(options.sailPointFrozenClock ? { frozenClock: true } : {}),
    }),
  ]);
  return {
    aws,
    sailPoint,
    config: sandboxConfig(aws, sailPoint),
    description: `AWS Backup at ${aws.url}, SailPoint at ${sailPoint.url}`,
    close: async () => {
      await Promise.all([aws.close(), sailPoint.close()]);
    },
  };
}

/** The sandbox settings read from the environment, shared by `npm run sandbox` and `npm start` without configuration. */
export function sandboxOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): SandboxOptions {
  return {
    awsPort: readPort({ PORT: env.SANDBOX_AWS_PORT }, 4566),
    sailPointPort: readPort({ PORT: env.SANDBOX_SAILPOINT_PORT }, 4567),
    awsListOrder: readChoice(env, 'SANDBOX_AWS_LIST_ORDER', LIST_ORDERS),
    awsCrossAccountDescribe: readChoice(env, 'SANDBOX_AWS_CROSS_ACCOUNT_DESCRIBE', CROSS_ACCOUNT_DESCRIBE),
    awsJobs: readCount(env, 'SANDBOX_AWS_JOBS', MAX_JOBS),
    awsAccounts: readCount(env, 'SANDBOX_AWS_ACCOUNTS', MAX_ACCOUNTS),
    awsRegions: readCount(env, 'SANDBOX_AWS_REGIONS', MAX_REGIONS),
    awsEnabledRegions: readRegions(env, 'SANDBOX_AWS_ENABLED_REGIONS'),
  };
}

/** Region names separated by commas, each one ListRegions knows. */
function readRegions(env: NodeJS.ProcessEnv, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const regions = raw.split(',').map((region) => region.trim());
  const known: readonly string[] = [...AWS_REGIONS, ...OPT_IN_REGIONS];
  const unknown = regions.filter((region) => !known.includes(region));
  if (unknown.length > 0) throw new ConfigError(`${name} must list Regions separated by commas, each one of ${known.join(', ')}; got "${unknown.join('", "')}"`);
  return regions;
}

/** A whole number from 1 to max, written with or without digit-group underscores (1_000_000). */
function readCount(env: NodeJS.ProcessEnv, name: string, max: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = /^\d+(_\d+)*$/.test(raw) ? Number(raw.replaceAll('_', '')) : NaN;
  if (!(value >= 1 && value <= max)) throw new ConfigError(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  return value;
}

function readChoice<const Choice extends string>(env: NodeJS.ProcessEnv, name: string, choices: readonly Choice[]): Choice | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!(choices as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${choices.join(', ')}, got "${raw}"`);
  return raw as Choice;
}

function sandboxConfig(aws: AwsSandbox, sailPoint: SailPointSandbox): GatewayConfig {
  return {
    sandbox: true,
    security: parseSecurity(),
    observability: parseObservability(),
    responseCache: parseResponseCache(),
    sources: [
      ...aws.store.regions.map((region) => ({
        ...parseSource({ kind: 'aws', name: `aws-${region}`, region, accountId: '*', endpoint: aws.url, timeoutMs: 5_000 }),
        credentials: SANDBOX_AWS_CREDENTIALS,
      })),
      ...sailPoint.tenants.map((tenant) =>
        parseSource({
          kind: 'sailpoint',
          name: `sailpoint-${tenant.name}`,
          baseUrl: sailPoint.tenantUrl(tenant.name),
          clientId: tenant.clientId,
          clientSecret: tenant.clientSecret,
          timeoutMs: 5_000,
        }),
      ),
    ],
  };
}
