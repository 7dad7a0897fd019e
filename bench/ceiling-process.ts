// The bench's ceiling: the real gateway (same schema, plugins and resolvers) over sources that answer
// from memory, so what it serves per second is what yoga, graphql-js and our resolvers allow without upstreams.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsBackupJobModel } from '../src/aws/mapper.js';
import { AwsBackupSource } from '../src/aws/source.js';
import type { SailPointBackupJobModel } from '../src/sailpoint/mapper.js';
import { SailPointSource } from '../src/sailpoint/source.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createGateway } from '../src/server.js';
import { MemoryState } from '../src/shared-state/memory.js';
import { SourceRegistry } from '../src/source-registry.js';
import { announceReady, answerQuestions } from './ipc.js';

/**
 * Each source lists for real once, against an in-process sandbox without latency; every later
 * refresh of its read model gets the same mapped jobs from memory. The bench's warm-up makes the
 * first calls, so the measured phase does no HTTP.
 */
class InMemoryAwsSource extends AwsBackupSource {
  private listed: Promise<AwsBackupJobModel[]> | undefined;
  /** Read in full, as one listing kept in memory: the refreshes by time would go upstream. */
  override readonly byTime = undefined;

  override listJobs() {
    this.listed ??= super.listJobs();
    return this.listed;
  }
}

class InMemorySailPointSource extends SailPointSource {
  private listed: Promise<SailPointBackupJobModel[]> | undefined;

  override listJobs() {
    this.listed ??= super.listJobs();
    return this.listed;
  }
}

const sandbox = await startSandbox({ now: new Date(process.env.BENCH_NOW ?? Date.now()) });
const state = new MemoryState();
const sources = SourceRegistry.of(
  sandbox.config.sources.map((source) =>
    source.kind === 'aws' ? new InMemoryAwsSource(source, state) : new InMemorySailPointSource(source, state),
  ),
  state,
);
// Without the response cache: the ceiling is what answering each query from memory costs.
const server = createServer(createGateway(sources, sandbox.config.security, sandbox.config.observability, { ...sandbox.config.responseCache, enabled: false }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

answerQuestions({
  /** Upstream calls since the last reset: zero during a measured phase proves it ran from memory. */
  calls: () => sandbox.aws.calls.count() + sandbox.sailPoint.calls.count(),
  reset: () => {
    sandbox.aws.calls.reset();
    sandbox.sailPoint.calls.reset();
    return true;
  },
});
announceReady({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql` });

process.once('disconnect', () => {
  server.closeAllConnections();
  server.close();
  sources.destroy();
  void sandbox.close().then(() => process.exit(0));
});
