// `npm start`: serves the gateway on PORT, over the configured sources or, with no
// configuration, over the embedded sandbox.
import { ConfigError, loadConfig, readPort } from './config/index.js';
import { sandboxOptionsFromEnv, startSandbox, type Sandbox } from './sandbox/index.js';
import { createGateway, createHttpServer } from './server.js';
import { MemoryState, RedisState, type SharedState } from './shared-state/index.js';
import { SourceRegistry } from './sources.js';

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
  const port = readPort();
  const configured = await loadConfig();
  let sandbox: Sandbox | undefined;
  if (!configured) {
    sandbox = await startSandbox(sandboxOptionsFromEnv());
  }
  const config = configured ?? sandbox!.config;
  // The sandbox is for one developer's machine; a configured gateway serves its network (every interface).
  const host = process.env.HOST || (sandbox ? '127.0.0.1' : undefined);

  const state = await sharedState(process.env);
  const sources = SourceRegistry.fromConfig(config, state);
  const server = createHttpServer(createGateway(sources, config.security), config.security.limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  console.log(`Backup graph gateway on http://localhost:${actualPort}/graphql (GraphiQL in a browser)`);
  console.log(
    sandbox
      ? `No GATEWAY_CONFIG set: serving the embedded sandbox (AWS Backup at ${sandbox.aws.url}, SailPoint at ${sandbox.sailPoint.url}), sources: ${config.sources.map((s) => s.name).join(', ')}`
      : `Sources: ${config.sources.map((s) => `${s.name} (${s.kind})`).join(', ')}`,
  );
  console.log(`Shared state (read models, budgets): ${state.description}`);

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    sources.destroy();
    void state.close();
    void (sandbox?.close() ?? Promise.resolve()).then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error('The gateway failed to start:', error instanceof Error ? error.message : error);
  }
  process.exit(1);
});
