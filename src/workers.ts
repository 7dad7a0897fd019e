// One gateway on several cores: the primary process forks N workers (node:cluster) that share the
// listening port, hands them the configuration it read (the sandbox runs once, here, and what AWS
// said of the enabled Regions is asked once), keeps their shared state when there is no Redis,
// gathers their metrics, and replaces a worker that dies.
import cluster, { type Worker } from 'node:cluster';
import type { GatewayConfig } from './config/index.js';
import { gatherWorkerMetrics } from './observability/cluster.js';
import { log } from './observability/log.js';
import { serveStateToWorkers } from './shared-state/cluster.js';

const CHANNEL = 'backup-graph:start';

/** What a worker needs from the primary before it serves. */
export interface WorkerStart {
  /** The configuration as the primary read and resolved it, so that every worker, and one started later, serves the same sources. */
  config: GatewayConfig;
  /** Whether that is the sandbox's, which the primary runs. */
  sandbox: boolean;
  workers: number;
  /** Whether the primary keeps the shared state (no REDIS_URL). */
  stateInPrimary: boolean;
}

interface StartMessage {
  channel: typeof CHANNEL;
  start?: WorkerStart;
}

function isStartMessage(message: unknown): message is StartMessage {
  return typeof message === 'object' && message !== null && (message as { channel?: unknown }).channel === CHANNEL;
}

export interface Workers {
  /** The port every worker listens on. */
  port: number;
  /** Stops every worker (each closes its server) and resolves once all have exited. */
  close(): Promise<void>;
}

/**
 * Forks `count` workers and resolves once every one listens. A worker that exits before that fails
 * the start (its own error is on stderr); one that dies later is replaced.
 */
export function startWorkers(count: number, start: WorkerStart): Promise<Workers> {
  // Structured clone, not JSON: snapshots hold Dates, and need not be turned into text to cross.
  cluster.setupPrimary({ serialization: 'advanced' });
  if (start.stateInPrimary) serveStateToWorkers();
  gatherWorkerMetrics();
  cluster.on('message', (worker, message: unknown) => {
    if (isStartMessage(message)) worker.send({ channel: CHANNEL, start } satisfies StartMessage);
  });

  let closing = false;
  let listening = 0;
  let port = 0;
  return new Promise<Workers>((resolve, reject) => {
    cluster.on('listening', (_worker, address) => {
      listening += 1;
      port = address.port;
      if (listening === count) resolve({ port, close });
    });
    cluster.on('exit', (worker: Worker, code, signal) => {
      if (closing) return;
      if (listening < count) {
        closing = true;
        for (const other of Object.values(cluster.workers ?? {})) other?.kill('SIGTERM');
        reject(new WorkerFailedToStart(code ?? 1));
        return;
      }
      log('warn', 'workers', `[workers] worker ${worker.process.pid} ended (${signal ?? `exit code ${code}`}); starting another`, { pid: worker.process.pid, code, signal });
      cluster.fork();
    });
    for (let index = 0; index < count; index++) cluster.fork();
  });

  async function close(): Promise<void> {
    closing = true;
    const running = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && !worker.isDead());
    await Promise.all(
      running.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => resolve());
            worker.kill('SIGTERM');
          }),
      ),
    );
  }
}

/** A worker ended before every worker listened: the gateway does not start. */
export class WorkerFailedToStart extends Error {
  override name = 'WorkerFailedToStart';
  constructor(readonly exitCode: number) {
    super(`a worker exited with code ${exitCode} before the gateway listened`);
  }
}

/** In a worker: what the primary hands it, asked for once the worker listens for the answer. */
export function workerStart(): Promise<WorkerStart> {
  return new Promise((resolve) => {
    const listener = (message: unknown) => {
      if (!isStartMessage(message) || !message.start) return;
      process.off('message', listener);
      resolve(message.start);
    };
    process.on('message', listener);
    process.send!({ channel: CHANNEL } satisfies StartMessage);
  });
}
