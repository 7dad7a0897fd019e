// /metrics of a gateway on several workers: whichever worker a scrape reaches asks the primary, which
// gathers every worker's registry with prom-client's AggregatorRegistry and answers with the sum.
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import { exposeMetricsFrom, metricsRegistry } from './metrics.js';

const CHANNEL = 'backup-graph:metrics';

interface MetricsMessage {
  channel: typeof CHANNEL;
  id: number;
  text?: string;
  error?: string;
}

function isMetricsMessage(message: unknown): message is MetricsMessage {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}

/** In the primary: answers each worker's request for every worker's metrics. */
export function gatherWorkerMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMetricsMessage(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ channel: CHANNEL, id: message.id, text } satisfies MetricsMessage),
      (error: unknown) => worker.send({ channel: CHANNEL, id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies MetricsMessage),
    );
  });
}

/** In a worker: hands the primary this worker's registry when it gathers, and serves /metrics from the primary's sum. */
export function exposeEveryWorkersMetrics(): void {
  AggregatorRegistry.setRegistries(metricsRegistry);
  // Constructing one is how prom-client starts answering the primary's requests in a worker.
  new AggregatorRegistry();
  const pending = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  process.on('message', (message: unknown) => {
    if (!isMetricsMessage(message)) return;
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.text !== undefined) waiting?.resolve(message.text);
    else waiting?.reject(new Error(`the workers' metrics could not be gathered: ${message.error}`));
  });
  exposeMetricsFrom(
    () =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        process.send!({ channel: CHANNEL, id } satisfies MetricsMessage);
      }),
  );
}
