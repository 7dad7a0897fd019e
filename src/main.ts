// `npm start`: serves the gateway on PORT, over the configured sources or, with no
// configuration, over the embedded sandbox; in one process, or on WORKERS processes sharing the port.
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import { ConfigError, loadConfig, readLogFormat, readPort, readTracesExport, type GatewayConfig } from './config/index.js';
import { readWorkers } from './config/workers.js';
import { exposeEveryWorkersMetrics } from './observability/cluster.js';
import { log, setLogFormat } from './observability/log.js';
import { startTracing } from './observability/tracing.js';
import { sandboxOptionsFromEnv, startSandbox, type Sandbox } from './sandbox/index.js';
import { postureOf } from './security.js';
import { createGateway, createHttpServer } from './server.js';
import { WorkerState } from './shared-state/cluster.js';
import type { SharedState } from './shared-state/index.js';
import { MemoryState } from './shared-state/memory.js';
import { describeRedis, RedisState } from './shared-state/redis.js';
import { SourceRegistry } from './source-registry.js';
import { startWorkers, WorkerFailedToStart, workerStart } from './workers.js';

/** The Redis URL, checked; undefined without REDIS_URL. */
function redisUrl(env: NodeJS.ProcessEnv): string | undefined {
  if (!env.REDIS_URL) return undefined;
  let url: URL;
  try {
    url = new URL(env.REDIS_URL);
  } catch {
    throw new ConfigError('REDIS_URL must be a URL such as redis://127.0.0.1:6379');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  return env.REDIS_URL;
}

/**
 * REDIS_URL makes replicas share read models and budgets; without it the process keeps them itself,
 * or, in a worker, the primary keeps them for every worker (`fallback`).
 */
async function sharedState(env: NodeJS.ProcessEnv, fallback: () => SharedState): Promise<SharedState> {
  const url = redisUrl(env);
  if (!url) return fallback();
  const state = new RedisState(url);
  try {
    await state.ready();
  } catch (error) {
    await state.close();
    throw new ConfigError(`REDIS_URL is set, but Redis at ${state.description.replace(/^redis /, '')} did not answer: ${(error as Error).message}`);
  }
  return state;
}

/** One process serving HTTP (the gateway alone, or one of its workers): resolves once it listens. */
async function serve(config: GatewayConfig, state: SharedState, host: string | undefined, workers: number): Promise<{ server: Server; close(): Promise<void> }> {
  const tracesExport = readTracesExport();
  const tracing = tracesExport ? await startTracing(tracesExport.protocol) : null;
  const sources = SourceRegistry.fromConfig(config, state);
  const server = createHttpServer(createGateway(sources, config.security, config.observability, config.responseCache, workers), config.security.limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(readPort(), host, resolve);
  });
  return {
    server,
    async close() {
      server.close();
      server.closeAllConnections();
      sources.destroy();
      // The spans still buffered are exported before the process ends.
      await Promise.all([state.close(), tracing?.shutdown()]);
    },
  };
}

/** The sandbox is for one developer's machine; a configured gateway serves its network (every interface). */
function hostOf(sandboxed: boolean): string | undefined {
  return process.env.HOST || (sandboxed ? '127.0.0.1' : undefined);
}

function onSignal(shutdown: () => Promise<unknown>): void {
  const stop = () => void shutdown().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A worker: the configuration as the primary read it, the shared state in Redis or in the primary. */
async function worker(): Promise<void> {
  const start = await workerStart();
  const state = await sharedState(process.env, () => new WorkerState('memory of the primary process'));
  exposeEveryWorkersMetrics();
  const served = await serve(start.config, state, hostOf(start.sandbox), start.workers);
  onSignal(() => served.close());
}

async function main(): Promise<void> {
  setLogFormat(readLogFormat());
  if (cluster.isWorker) return worker();
  // Every setting is checked here, before any worker starts, so that a bad one stops the start once.
  const tracesExport = readTracesExport();
  readPort();
  const workers = readWorkers();
  const configured = await loadConfig();
  // The sandbox runs once, in this process, whatever the number of workers.
  const sandbox: Sandbox | undefined = configured ? undefined : await startSandbox(sandboxOptionsFromEnv());
  const config = configured ?? sandbox!.config;
  const redis = redisUrl(process.env);

  let port: number;
  let shutdown: () => Promise<unknown>;
  if (workers > 1) {
    const fleet = await startWorkers(workers, { config, sandbox: sandbox !== undefined, workers, stateInPrimary: !redis });
    port = fleet.port;
    shutdown = () => Promise.all([fleet.close(), sandbox?.close()]);
  } else {
    const served = await serve(config, await sharedState(process.env, () => new MemoryState()), hostOf(sandbox !== undefined), 1);
    const address = served.server.address();
    port = typeof address === 'object' && address ? address.port : readPort();
    shutdown = () => Promise.all([served.close(), sandbox?.close()]);
  }

  // Production mode serves no GraphiQL, so the line promises it only where a browser gets it.
  const graphiql = postureOf(config.security).graphiql ? ' (GraphiQL in a browser)' : '';
  const processes = workers > 1 ? `, on ${workers} workers` : '';
  log('info', 'listening', `Backup graph gateway on http://localhost:${port}/graphql${graphiql}${processes}`, { port, workers });
  log(
    'info',
    'sources',
    sandbox
      ? `No GATEWAY_CONFIG set: serving the embedded sandbox (${sandbox.description}), sources: ${config.sources.map((s) => s.name).join(', ')}`
      : `Sources: ${config.sources.map((s) => `${s.name} (${s.kind})`).join(', ')}`,
  );
  const state = redis ? describeRedis(redis) : workers > 1 ? `memory of the primary process, shared by ${workers} workers` : 'memory';
  log('info', 'shared-state', `Shared state (read models, budgets): ${state}`);
  if (tracesExport) log('info', 'tracing', `Traces: exported over OTLP (${tracesExport.protocol})`);
  onSignal(shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    log('error', 'config', error.message);
  } else if (!(error instanceof WorkerFailedToStart)) {
    // A worker that failed to start has said why on the same stderr.
    log('error', 'start', `The gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(error instanceof WorkerFailedToStart ? error.exitCode || 1 : 1);
});
