// The scale scenario's upstream process: the AWS sandbox's large generated organization, with a per-call latency, counting calls for the driver over IPC.
import { AWS_REGIONS, startAwsSandbox } from '../src/sandbox/aws/index.js';
import { announceReady, answerQuestions } from './ipc.js';

export interface ScaleSandboxReady {
  url: string;
  /** The Regions it serves, each with the same number of jobs. */
  regions: string[];
  /** From the sandbox's start until it listened: the organization's generation included. */
  startMs: number;
}

const number = (name: string) => Number(process.env[name]);

const startedAt = performance.now();
const sandbox = await startAwsSandbox({
  jobs: number('BENCH_SCALE_JOBS'),
  accounts: number('BENCH_SCALE_ACCOUNTS'),
  regions: number('BENCH_SCALE_REGIONS'),
  latencyMs: number('BENCH_LATENCY_MS'),
  now: new Date(process.env.BENCH_NOW ?? Date.now()),
  listOrder: 'shuffled',
});

answerQuestions({
  /** ListBackupJobs calls since the last reset, every Region together. */
  lists: () => sandbox.calls.count('ListBackupJobs'),
  /** ListBackupJobs calls since the last reset, by Region. */
  listsByRegion: () => Object.fromEntries(AWS_REGIONS.slice(0, sandbox.size!.regions).map((region) => [region, sandbox.calls.count('ListBackupJobs', region)])),
  reset: () => {
    sandbox.calls.reset();
    return true;
  },
});

announceReady({
  url: sandbox.url,
  regions: AWS_REGIONS.slice(0, sandbox.size!.regions),
  startMs: performance.now() - startedAt,
} satisfies ScaleSandboxReady);

process.once('disconnect', () => {
  void sandbox.close().then(() => process.exit(0));
});
