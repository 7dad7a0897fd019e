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
async function spawnEntryPoint(config: unknown, env: Record<string, string>): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const file = join(await mkdtemp(join(tmpdir(), 'backup-graph-entry-')), 'gateway.json');
  await writeFile(file, JSON.stringify(config), { mode: 0o600 });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, PORT: '0', GATEWAY_CONFIG: file, AWS_EC2_METADATA_DISABLED: 'true', ...env },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
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
