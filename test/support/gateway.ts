// Test harness: the sandbox and a gateway on loopback HTTP, and a GraphQL client that speaks to it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsSourceConfig } from '../../src/aws/config.js';
import { parseSecurity, parseSource, type GatewayConfig } from '../../src/config/index.js';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.js';
import { createGateway, createHttpServer } from '../../src/server.js';
import type { SharedState } from '../../src/shared-state/index.js';
import { SourceRegistry } from '../../src/source-registry.js';

/** A fixed clock so that the seed data, and so every expectation, is the same on every run. */
export const SANDBOX_NOW = new Date('2026-11-01T12:00:00Z');

/**
 * Read models that never serve an earlier answer: every request reads upstream (requests at the
 * same time still share one read). For tests that change what an upstream answers between requests.
 */
export function uncached(config: GatewayConfig): GatewayConfig {
  return {
    ...config,
    sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 0, maxStalenessMs: 0, staleIfErrorMs: 0 } })),
  };
}

/**
 * Read models that stay fresh for a minute: after the first read of each source, nothing a test
 * file does costs an upstream call unless it says so, however slowly the machine runs it.
 */
export function steady(config: GatewayConfig): GatewayConfig {
  return {
    ...config,
    sources: config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 60_000, maxStalenessMs: 60_000, staleIfErrorMs: 300_000 } })),
  };
}

/**
 * The sandbox's configuration with one AWS source only, named "own", that reads the calling
 * account's own jobs (no accountId): the one kind of source that looks up jobs missing from its
 * list with DescribeBackupJob.
 */
export function ownAccountOnly(config: GatewayConfig, changes: Partial<AwsSourceConfig> = {}): GatewayConfig {
  const regional = config.sources.find((source): source is AwsSourceConfig => source.kind === 'aws')!;
  const own = { ...(parseSource({ kind: 'aws', name: 'own', region: regional.region, endpoint: regional.endpoint }) as AwsSourceConfig), credentials: regional.credentials!, ...changes };
  return { ...config, sources: [own] };
}

/**
 * The suite sends every request from one address, which without authentication is one caller: its
 * share of upstream reads and of concurrent operations is lifted unless a test sets it (the
 * fairness tests do).
 */
const UNLIMITED_CALLER = { callerBudget: { calls: 1_000_000, perSeconds: 1 }, callerConcurrency: 10_000 };

function withTestCallerLimits(security: unknown): unknown {
  const given = (security ?? {}) as { limits?: Record<string, unknown> };
  return { ...given, limits: { ...UNLIMITED_CALLER, ...given.limits } };
}

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; locations?: { line: number; column: number }[]; extensions?: Record<string, unknown> }[];
}

export interface TestGateway {
  sandbox: Sandbox;
  url: string;
  query<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

export async function startTestGateway(
  options: {
    configure?: (config: GatewayConfig) => GatewayConfig;
    latencyMs?: number;
    /** The `security` section as a configuration file would hold it. */
    security?: unknown;
    /** How the AWS sandbox behaves where AWS documents nothing (list order, cross-account Describe); its defaults otherwise. */
    sandbox?: Pick<SandboxOptions, 'awsListOrder' | 'awsCrossAccountDescribe' | 'sailPointRateLimit' | 'awsJobs' | 'awsAccounts' | 'awsRegions' | 'awsFrozenClock' | 'sailPointFrozenClock'>;
    /** A sandbox another gateway already reads (replicas): used as it is, and left running by close(). */
    over?: Sandbox;
    /** The shared state of the gateway (replicas share one Redis); the caller closes it. */
    state?: SharedState;
  } = {},
): Promise<TestGateway> {
  // SailPoint's jobs under way stay as seeded unless a test moves its clock: expectations stay exact however slowly a file runs.
  const sandbox =
    options.over ??
    (await startSandbox({ now: SANDBOX_NOW, sailPointFrozenClock: true, ...options.sandbox, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) }));
  const configured = options.configure ? options.configure(sandbox.config) : sandbox.config;
  const config = { ...configured, security: parseSecurity(withTestCallerLimits(options.security)) };
  const sources = SourceRegistry.fromConfig(config, options.state);
  const server = createHttpServer(createGateway(sources, config.security), config.security.limits);
  await listen(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  return {
    sandbox,
    url,
    async query(query, variables, headers = {}) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      sources.destroy();
      if (!options.over) await sandbox.close();
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
}
