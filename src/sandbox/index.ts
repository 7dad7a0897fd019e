// The embedded sandbox: local upstream servers with deterministic data, and the gateway
// configuration that points at them.
import type { GatewayConfig } from '../config/index.js';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox } from './aws/index.js';

export interface SandboxOptions {
  awsPort?: number;
  host?: string;
  now?: Date;
  latencyMs?: number;
}

export interface Sandbox {
  aws: AwsSandbox;
  /** One gateway source per sandbox region, each seeing every account of the organization. */
  config: GatewayConfig;
  close(): Promise<void>;
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const aws = await startAwsSandbox({
    port: options.awsPort ?? 0,
    ...(options.host ? { host: options.host } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.latencyMs !== undefined ? { latencyMs: options.latencyMs } : {}),
  });
  return { aws, config: sandboxConfig(aws), close: () => aws.close() };
}

export function sandboxConfig(aws: AwsSandbox): GatewayConfig {
  return {
    sources: aws.store.regions.map((region) => ({
      kind: 'aws' as const,
      name: `aws-${region}`,
      region,
      accountId: '*',
      endpoint: aws.url,
      credentials: SANDBOX_AWS_CREDENTIALS,
      describeConcurrency: 8,
      timeoutMs: 5_000,
    })),
  };
}
