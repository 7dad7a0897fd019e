// `npm start`: serves the gateway on PORT, over the configured sources or, with no
// configuration, over the embedded sandbox.
import { ConfigError, loadConfig, readLogFormat, readPort, readTracesExport } from './config/index.js';
import { log, setLogFormat } from './observability/log.js';
import { startTracing } from './observability/tracing.js';
import { sandboxOptionsFromEnv, startSandbox, type Sandbox } from './sandbox/index.js';
import { postureOf } from './security.js';
import { createGateway, createHttpServer } from './server.js';
import type { SharedState } from './shared-state/index.js';
import { MemoryState } from './shared-state/memory.js';
import { RedisState } from './shared-state/redis.js';
import { SourceRegistry } from './source-registry.js';

/** REDIS_URL makes replicas share read models and budgets; without it the process keeps them itself. */
async function sharedState(env: NodeJS.ProcessEnv): Promise<SharedState> {
  if (!env.REDIS_URL) return new MemoryState();
  let url: URL;
  try {
    url = new URL(env.REDIS_URL);
  } catch {
    throw new ConfigError('REDIS_URL must be a URL such as redis://127.0.0.1:6379');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  const state = new RedisState(env.REDIS_URL);
  try {
    await state.ready();
  } catch (error) {
    await state.close();
    throw new ConfigError(`REDIS_URL is set, but Redis at ${state.description.replace(/^redis /, '')} did not answer: ${(error as Error).message}`);
  }
  return state;
}

async function main(): Promise<void> {
  setLogFormat(readLogFormat());
  const tracesExport = readTracesExport();
  const port = readPort();
  const configured = await loadConfig();
  const tracing = tracesExport ? await startTracing(tracesExport.protocol) : null;
  let sandbox: Sandbox | undefined;
  if (!configured) {
    sandbox = await startSandbox(sandboxOptionsFromEnv());
  }
  const config = configured ?? sandbox!.config;
  // The sandbox is for one developer's machine; a configured gateway serves its network (every interface).
  const host = process.env.HOST || (sandbox ? '127.0.0.1' : undefined);

  const state = await sharedState(process.env);
  const sources = SourceRegistry.fromConfig(config, state);
  const server = createHttpServer(createGateway(sources, config.security, config.observability, config.responseCache), config.security.limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  // Production mode serves no GraphiQL, so the line promises it only where a browser gets it.
  const graphiql = postureOf(config.security).graphiql ? ' (GraphiQL in a browser)' : '';
  log('info', 'listening', `Backup graph gateway on http://localhost:${actualPort}/graphql${graphiql}`, { port: actualPort });
  log(
    'info',
    'sources',
    sandbox
      ? `No GATEWAY_CONFIG set: serving the embedded sandbox (${sandbox.description}), sources: ${config.sources.map((s) => s.name).join(', ')}`
      : `Sources: ${config.sources.map((s) => `${s.name} (${s.kind})`).join(', ')}`,
  );
  log('info', 'shared-state', `Shared state (read models, budgets): ${state.description}`);
  if (tracesExport) log('info', 'tracing', `Traces: exported over OTLP (${tracesExport.protocol})`);

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    sources.destroy();
    void state.close();
    // The spans still buffered are exported before the process ends.
    void Promise.all([sandbox?.close(), tracing?.shutdown()]).then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    log('error', 'config', error.message);
  } else {
    log('error', 'start', `The gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  process.exit(1);
});
