// A real redis-server for the tests that share state between replicas, on a free loopback port.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './ports.js';

/** Whether Debian's redis-server is installed; under CI its absence fails the run instead of skipping (.ci/run installs it). */
export const REDIS_AVAILABLE = (() => {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI) throw new Error('redis-server is not installed: .ci/run installs it with apt-get install redis-server');
    console.warn('redis-server is not installed (apt-get install redis-server): the tests of shared state across replicas are skipped');
    return false;
  }
})();

export interface RedisServer {
  url: string;
  close(): Promise<void>;
}

/** A redis-server of its own; `databases` numbered 0 to databases - 1 (redis's default is 16). */
export async function startRedis(databases = 16): Promise<RedisServer> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--databases', String(databases)];
  const child: ChildProcess = spawn('redis-server', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
