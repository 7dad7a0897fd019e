// Test harness: the sandbox and a gateway on loopback HTTP, and a GraphQL client that speaks to it.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSecurity, type GatewayConfig } from '../../src/config/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createGateway, createHttpServer } from '../../src/server.js';
import { SourceRegistry } from '../../src/sources.js';

/** A fixed clock so that the seed data, and so every expectation, is the same on every run. */
export const SANDBOX_NOW = new Date('2026-11-01T12:00:00Z');

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
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
  } = {},
): Promise<TestGateway> {
  const sandbox = await startSandbox({ now: SANDBOX_NOW, ...(options.latencyMs ? { latencyMs: options.latencyMs } : {}) });
  const configured = options.configure ? options.configure(sandbox.config) : sandbox.config;
  const config = options.security === undefined ? configured : { ...configured, security: parseSecurity(options.security) };
  const sources = SourceRegistry.fromConfig(config);
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
      await sandbox.close();
    },
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
}
