// The real entry point (`src/main.ts`) as a process of its own, over a configuration file written
// for the test: what an operator starts, with nothing of the test's own process shared.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EntryPoint {
  /** The GraphQL endpoint, on 127.0.0.1. */
  url: string;
  /** Everything the process has printed so far, stdout and stderr together. */
  output(): string;
  stop(): Promise<void>;
}

/** The line the gateway prints once it listens, with its port. */
const LISTENING = /http:\/\/localhost:(\d+)\/graphql/;

/** How long a start may take on a loaded machine (tsx compiles the sources first). */
const START_TIMEOUT_MS = 45_000;

/** Writes the configuration (mode 600: it may hold secrets) and spawns the entry point over it, with only these variables. */
async function spawnEntryPoint(
  config: unknown,
  env: Record<string, string>,
): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string; stderr: () => string }> {
  const file = join(await mkdtemp(join(tmpdir(), 'backup-graph-entry-')), 'gateway.json');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    // One process unless a test asks for workers: most tests look at one gateway, not at how it spreads.
    env: { PATH: process.env.PATH, PORT: '0', GATEWAY_CONFIG: file, AWS_EC2_METADATA_DISABLED: 'true', WORKERS: '1', ...env },
  });
  let output = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stderr += chunk.toString();
  });
  return { child, output: () => output, stderr: () => stderr };
}

/** Starts the gateway and resolves once it listens; rejects with what it printed when it exits first. */
export async function startEntryPoint(config: unknown, env: Record<string, string> = {}): Promise<EntryPoint> {
  const { child, output } = await spawnEntryPoint(config, env);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${output()}`)), START_TIMEOUT_MS);
    child.stdout.on('data', () => {
      const match = LISTENING.exec(output());
      if (match) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${match[1]}/graphql`);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}:\n${output()}`));
    });
  });
  return {
    url,
    output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Starts the gateway over a configuration it must refuse: its exit code (0 when it started after
 * all: it is then stopped), what it printed to stderr, and everything it printed.
 */
export async function refusedStart(config: unknown, env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; output: string }> {
  const { child, output, stderr } = await spawnEntryPoint(config, env);
  const stop = () => child.kill('SIGTERM');
  const timer = setTimeout(stop, START_TIMEOUT_MS);
  child.stdout.on('data', () => {
    if (LISTENING.test(output())) stop();
  });
  // 'close', unlike 'exit', waits for the output to be read to its end.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  return { code, stderr: stderr(), output: output() };
}
