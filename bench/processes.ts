// Starting the bench's processes (the gateway among them, its output kept for a secret scan) and reading their CPU time and memory from /proc, from outside.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceConfig } from '../src/config/index.js';
import { SANDBOX_AWS_CREDENTIALS } from '../src/sandbox/aws/index.js';
import type { RedisServer } from '../test/support/redis.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * A TypeScript entry run by Node itself with tsx's loader, so the child's pid is the process doing
 * the work; `runUnder` is a command Node runs under in that same process (valgrind and its options).
 */
export function spawnTs(
  entry: string,
  options: { env?: NodeJS.ProcessEnv; ipc?: boolean; nodeArgs?: string[]; runUnder?: string[] } = {},
): ChildProcess {
  const [command, ...args] = [...(options.runUnder ?? []), process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', entry];
  return spawn(command!, args, {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
}

/** The line the gateway prints once it listens, with its port. */
const GATEWAY_LINE = /gateway on http:\/\/localhost:(\d+)\/graphql/;

/** What every load generator of the bench sends with each GraphQL request. */
export const GRAPHQL_HEADERS = { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' };

/** The hour the sandbox's records are anchored to, so that every process of one run sees the same records. */
export function benchNow(): string {
  return new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
}

/** Writes a gateway configuration file into the folder and returns its path. */
export function writeGatewayConfig(folder: string, config: { sources: SourceConfig[]; security?: unknown; observability?: unknown }): string {
  const path = join(folder, 'gateway.json');
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export interface GatewayProcess {
  child: ChildProcess;
  /** The port it listens on, once it says so; rejects when it exits first. */
  port: Promise<string>;
  /** Everything the gateway has printed so far, stdout and stderr together. */
  output: () => string;
}

/**
 * The real gateway entry (`src/main.ts`) in production mode on a free port, over the configuration
 * file, with the sandbox's static AWS credentials in its environment (a file cannot hold them).
 */
export function spawnGateway(
  configPath: string,
  options: { env?: NodeJS.ProcessEnv; nodeArgs?: string[]; runUnder?: string[] } = {},
): GatewayProcess {
  const { env, ...run } = options;
  const child = spawnTs('src/main.ts', {
    env: {
      // One process unless asked for workers: the bench reads the CPU time of the process it started.
      WORKERS: '1',
      ...env,
      NODE_ENV: 'production',
      GATEWAY_CONFIG: configPath,
      PORT: '0',
      AWS_ACCESS_KEY_ID: SANDBOX_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_CREDENTIALS.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    ...run,
  });
  const chunks: Buffer[] = [];
  const collect = (chunk: Buffer) => chunks.push(chunk);
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const port = outputLine(child, GATEWAY_LINE, 'the gateway').then(([, found]) => found!);
  return { child, port, output: () => Buffer.concat(chunks).toString() };
}

/** The credentials a gateway started by `spawnGateway` over these sources is handed: the AWS secret key and each source's client secret. */
export function secretsHandedOut(sources: readonly SourceConfig[]): string[] {
  const secrets = [SANDBOX_AWS_CREDENTIALS.secretAccessKey];
  for (const source of sources) {
    if (source.kind === 'sailpoint') secrets.push(source.clientSecret);
    else if (source.credentials) secrets.push(source.credentials.secretAccessKey);
  }
  return [...new Set(secrets)];
}

/** The secrets that occur in the output, each as its first four characters only, so that saying so leaks nothing. */
export function leakedSecrets(output: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => output.includes(secret)).map((secret) => `${secret.slice(0, 4)}...`);
}

/** The first message a child sends with `announceReady`. */
export function readyMessage<T>(child: ChildProcess, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const stderr: Buffer[] = [];
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${Buffer.concat(stderr).toString().slice(-2000)}`)));
    child.on('message', (message: { ready?: T }) => {
      if (message.ready !== undefined) resolve(message.ready);
    });
  });
}

/** Waits for a line of the child's output that matches, and returns the match. */
function outputLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${output.slice(-2000)}`)));
  });
}

/** Ends a child with a signal and waits until it is gone. */
export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

/** The process and the processes it started (a gateway's workers), by pid. */
export function withChildren(pid: number): number[] {
  try {
    return [pid, ...execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).trim().split('\n').map(Number)];
  } catch {
    // pgrep exits 1 when the process has no children.
    return [pid];
  }
}

/** User plus system CPU time the process has used so far, in milliseconds. */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name in parentheses may hold spaces; the fields after it are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

/** Resident set size now, in MiB. */
export function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Samples a process's RSS until stopped; the peak is the largest sample. */
export class RssSampler {
  private peak = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, intervalMs = 100) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return this.peak;
  }

  private sample(): void {
    try {
      this.peak = Math.max(this.peak, rssMb(this.pid));
    } catch {
      // The process is gone; the samples taken so far stand.
    }
  }
}

/** A redis-server of the run's own, for what needs one (`purpose` names it when redis-server is missing). */
export async function startBenchRedis(purpose: string, databases?: number): Promise<RedisServer> {
  // Imported here, not above: loading the helper checks for redis-server, which only these runs need.
  const { REDIS_AVAILABLE, startRedis } = await import('../test/support/redis.js');
  if (!REDIS_AVAILABLE) throw new Error(`${purpose} needs redis-server (apt-get install redis-server)`);
  return startRedis(databases);
}
