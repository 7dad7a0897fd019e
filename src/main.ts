// `npm start`: serves the gateway on PORT, over the configured sources or, with no
// configuration, over the embedded sandbox.
import { ConfigError, loadConfig, readPort } from './config/index.js';
import { startSandbox, type Sandbox } from './sandbox/index.js';
import { createGateway, createHttpServer } from './server.js';
import { SourceRegistry } from './sources.js';

async function main(): Promise<void> {
  const port = readPort();
  const configured = await loadConfig();
  let sandbox: Sandbox | undefined;
  if (!configured) {
    sandbox = await startSandbox({
      awsPort: readPort({ PORT: process.env.SANDBOX_AWS_PORT }, 4566),
      sailPointPort: readPort({ PORT: process.env.SANDBOX_SAILPOINT_PORT }, 4567),
    });
  }
  const config = configured ?? sandbox!.config;
  // The sandbox is for one developer's machine; a configured gateway serves its network (every interface).
  const host = process.env.HOST || (sandbox ? '127.0.0.1' : undefined);

  const sources = SourceRegistry.fromConfig(config);
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

  const shutdown = () => {
    server.close();
    server.closeAllConnections();
    sources.destroy();
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
