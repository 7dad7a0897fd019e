// The upstream process of the scale and summary scenarios: the AWS sandbox's large generated
// organization (or, without BENCH_SCALE_JOBS, the seeded one), with a per-call latency, counting
// calls for the driver over IPC.
import { startAwsSandbox } from '../src/sandbox/aws/index.js';
import { announceReady, answerQuestions } from './ipc.js';

export interface ScaleSandboxReady {
  url: string;
  /** The Regions it serves, each with the same number of jobs. */
  regions: string[];
  /** From the sandbox's start until it listened: the organization's generation included. */
  startMs: number;
}

const number = (name: string) => Number(process.env[name]);
const large = process.env.BENCH_SCALE_JOBS !== undefined;

const startedAt = performance.now();
const sandbox = await startAwsSandbox({
  ...(large ? { jobs: number('BENCH_SCALE_JOBS'), accounts: number('BENCH_SCALE_ACCOUNTS'), regions: number('BENCH_SCALE_REGIONS') } : {}),
  latencyMs: number('BENCH_LATENCY_MS'),
  now: new Date(process.env.BENCH_NOW ?? Date.now()),
  listOrder: 'shuffled',
  frozenClock: process.env.BENCH_FROZEN_CLOCK === '1',
});

answerQuestions({
  /** ListBackupJobs calls since the last reset, every Region together. */
  lists: () => sandbox.calls.count('ListBackupJobs'),
  /** ListBackupJobs calls since the last reset, by Region. */
  listsByRegion: () => Object.fromEntries(sandbox.store.regions.map((region) => [region, sandbox.calls.count('ListBackupJobs', region)])),
  /** Calls since the last reset, by operation. */
  calls: () => sandbox.calls.byOperation(),
  reset: () => {
    sandbox.calls.reset();
    return true;
  },
});

announceReady({
  url: sandbox.url,
  regions: [...sandbox.store.regions],
  startMs: performance.now() - startedAt,
} satisfies ScaleSandboxReady);

process.once('disconnect', () => {
  void sandbox.close().then(() => process.exit(0));
});
