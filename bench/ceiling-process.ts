// The bench's ceiling: the real gateway (same schema, plugins and resolvers) over sources that answer
// from memory, so what it serves per second is what yoga, graphql-js and our resolvers allow without upstreams.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsBackupSource, type ListBackupJobsInput } from '../src/aws/source.js';
import type { SailPointBackupStatus } from '../src/sailpoint/index.js';
import { SailPointSource, type SailPointCollection } from '../src/sailpoint/source.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createGateway } from '../src/server.js';
import { SourceRegistry } from '../src/sources.js';
import { announceReady, answerQuestions } from './ipc.js';

/**
 * Each distinct call is made once, for real, against an in-process sandbox without latency; every
 * later call with the same input gets the same decoded answer from memory. The bench's warm-up makes
 * the first calls, so the measured phase does no HTTP, and the resolvers still map every record anew.
 */
class Memo {
  private readonly answers = new Map<string, Promise<unknown>>();

  get<T>(key: string, load: () => Promise<T>): Promise<T> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = load();
      this.answers.set(key, answer);
    }
    return answer as Promise<T>;
  }
}

class InMemoryAwsSource extends AwsBackupSource {
  private readonly memo = new Memo();

  override describe(backupJobId: string) {
    return this.memo.get(`describe ${backupJobId}`, () => super.describe(backupJobId));
  }

  override list(input: ListBackupJobsInput) {
    return this.memo.get(`list ${JSON.stringify(input)}`, () => super.list(input));
  }

  override listAll(input: ListBackupJobsInput) {
    return this.memo.get(`listAll ${JSON.stringify(input)}`, () => super.listAll(input));
  }
}

class InMemorySailPointSource extends SailPointSource {
  private readonly memo = new Memo();

  override list(collection: SailPointCollection, status?: SailPointBackupStatus) {
    return this.memo.get(`${collection} ${status ?? ''}`, () => super.list(collection, status));
  }
}

const sandbox = await startSandbox({ now: new Date(process.env.BENCH_NOW ?? Date.now()) });
const sources = new SourceRegistry(
  sandbox.config.sources.map((source) =>
    source.kind === 'aws' ? new InMemoryAwsSource(source) : new InMemorySailPointSource(source),
  ),
);
const server = createServer(createGateway(sources, sandbox.config.security));
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
