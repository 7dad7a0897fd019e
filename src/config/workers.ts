// How many worker processes serve the gateway: WORKERS, or every core the machine, or its container's CPU quota, gives it.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { ConfigError } from './index.js';

/** Where cgroup v2 states a container's CPU quota: "<quota> <period>" in microseconds, or "max <period>" for none. */
export const CGROUP_CPU_MAX = '/sys/fs/cgroup/cpu.max';

/** More workers than this would only share the same cores ever thinner. */
const MAX_WORKERS = 256;

/**
 * The whole CPUs a cgroup v2 `cpu.max` grants, at least one; null when it sets no quota or cannot be
 * read. Rounded down: a worker per part of a CPU would only wait for its turn on the same time slice.
 */
export function cpusOfQuota(cpuMax: string): number | null {
  const [quota, period] = cpuMax.trim().split(/\s+/);
  if (quota === undefined || quota === 'max') return null;
  const cpus = Number(quota) / Number(period ?? 100_000);
  if (!Number.isFinite(cpus) || cpus <= 0) return null;
  return Math.max(1, Math.floor(cpus));
}

function quotaOf(path: string): number | null {
  try {
    return cpusOfQuota(readFileSync(path, 'utf8'));
  } catch {
    // No cgroup v2 here (another OS, cgroup v1, a sandboxed /sys): the cores Node sees are the bound.
    return null;
  }
}

/** The cores this process may use: what Node sees, bounded by the container's quota when one is set. */
export function availableCores(cpuMaxPath = CGROUP_CPU_MAX): number {
  const quota = quotaOf(cpuMaxPath);
  return Math.min(availableParallelism(), quota ?? Number.POSITIVE_INFINITY);
}

/** WORKERS: a whole number of workers, or `auto` (the default) for one per available core. */
export function readWorkers(env: NodeJS.ProcessEnv = process.env, cpuMaxPath = CGROUP_CPU_MAX): number {
  const raw = env.WORKERS?.trim();
  if (raw === undefined || raw === '' || raw === 'auto') return availableCores(cpuMaxPath);
  const workers = Number(raw);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new ConfigError(`WORKERS must be auto or a whole number from 1 to ${MAX_WORKERS}, got "${raw}"`);
  }
  return workers;
}
