// The embedded sandbox: local upstream servers with deterministic data, and the gateway
// configuration that points at them.
import { parseSecurity, type GatewayConfig } from '../config/index.js';
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

export function sandboxConfig(aws: AwsSandbox, sailPoint: SailPointSandbox): GatewayConfig {
  return {
    security: parseSecurity(),
    sources: [
      ...aws.store.regions.map((region) => ({
        kind: 'aws' as const,
        name: `aws-${region}`,
        region,
        accountId: '*',
        endpoint: aws.url,
        credentials: SANDBOX_AWS_CREDENTIALS,
        describeConcurrency: 8,
        timeoutMs: 5_000,
      })),
      ...sailPoint.tenants.map((tenant) => ({
        kind: 'sailpoint' as const,
        name: `sailpoint-${tenant.name}`,
        baseUrl: sailPoint.tenantUrl(tenant.name),
        clientId: tenant.clientId,
        clientSecret: tenant.clientSecret,
        includeUploads: true,
        timeoutMs: 5_000,
      })),
    ],
  };
}
