// The embedded sandbox: local upstream servers with deterministic data, and the gateway
// configuration that points at them.
import { parseSecurity, parseSource, type GatewayConfig } from '../config/index.js';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox } from './aws/index.js';
import { startSailPointSandbox, type SailPointSandbox } from './sailpoint/index.js';

export interface SandboxOptions {
  awsPort?: number;
  sailPointPort?: number;
  host?: string;
  now?: Date;
  latencyMs?: number;
  /** SailPoint access token lifetime; tests shorten it to watch renewals. */
  tokenTtlSeconds?: number;
}

export interface Sandbox {
  aws: AwsSandbox;
  sailPoint: SailPointSandbox;
  /** One gateway source per AWS sandbox region (each seeing every account) and per SailPoint tenant. */
  config: GatewayConfig;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const shared = {
    ...(options.host ? { host: options.host } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  };
  const [aws, sailPoint] = await Promise.all([
    startAwsSandbox({ ...shared, port: options.awsPort ?? 0 }),
    startSailPointSandbox({
      ...shared,
      port: options.sailPointPort ?? 0,
      ...(options.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: options.tokenTtlSeconds } : {}),
    }),
  ]);
  return {
    aws,
    sailPoint,
    config: sandboxConfig(aws, sailPoint),
    close: async () => {
      await Promise.all([aws.close(), sailPoint.close()]);
    },
  };
}

function sandboxConfig(aws: AwsSandbox, sailPoint: SailPointSandbox): GatewayConfig {
  return {
    security: parseSecurity(),
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
