// A local AWS Backup endpoint for the unmodified @aws-sdk/client-backup (and Account Management's ListRegions for @aws-sdk/client-account): the seeded two-account, two-Region organization, or a large generated one.
import type { AddressInfo } from 'node:net';
import { AccountOperations } from './account.js';
import { FaultTable, type FaultScope, type SandboxFault } from '../faults.js';
import { SandboxClock } from './clock.js';
import { DEFAULT_LIST_ORDER, type ListOrder } from './list-order.js';
import { BackupOperations, DEFAULT_CROSS_ACCOUNT_DESCRIBE, OPERATIONS, type CrossAccountDescribe, type OperationName } from './operations.js';
import { RecordOperations } from './records.js';
import { seededRules, seedJobs } from './seed.js';
import { CallLog, createSandboxServer, type SandboxCallLog } from './server.js';
import { MAX_ACCOUNTS, MAX_JOBS, MAX_REGIONS, Organization, type OrganizationSize } from './organization.js';
import { JobStore, type AwsSandboxStore } from './store.js';

export type { SandboxCallLog } from './server.js';
export { SandboxClock } from './clock.js';
export { AWS_REGIONS, LIST_WINDOW_MS, MAX_ACCOUNTS, MAX_JOBS, MAX_REGIONS, SETTLES_WITHIN_MS } from './organization.js';
export type { OrganizationSize } from './organization.js';
export type { WireBackupPlan, WireBackupVault, WireRecoveryPoint } from './records.js';
export type { AwsSandboxStore, CreationRange, SandboxJob, WireBackupJob, WireLifecycle, WireRecoveryPointCreator, BackupJobState } from './store.js';
export { DEFAULT_LIST_ORDER, LIST_ORDERS, type ListOrder } from './list-order.js';
export { OPT_IN_REGIONS } from './account.js';
export { CROSS_ACCOUNT_DESCRIBE, DEFAULT_CROSS_ACCOUNT_DESCRIBE, type CrossAccountDescribe } from './operations.js';

export interface AwsSandboxOptions {
  /** 0 picks a free port (the default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Anchor of the seed's timestamps; defaults to the current time truncated to the hour (UTC). */
  now?: Date;
  /**
   * Jobs per Region in ListBackupJobs' 30-day window. Setting this, `accounts` or `regions` serves
   * the large generated organization instead of the seeded one (its defaults: 330 jobs, 2 accounts, 2 Regions).
   */
  jobs?: number;
  /** Accounts of the large organization, 1 to MAX_ACCOUNTS. */
  accounts?: number;
  /** Regions of the large organization, 1 to MAX_REGIONS, taken in AWS_REGIONS' order. */
  regions?: number;
  /** The large organization's seed (default 'sandbox'): another seed, other jobs of the same size. */
  seed?: string;
  /** Stops the clock at `now` (or at the start): time then passes only through `clock.advance`. */
  frozenClock?: boolean;
  /** Delay before answering every call, in milliseconds (default 0). */
  latencyMs?: number;
  /** The order ListBackupJobs answers in (default DEFAULT_LIST_ORDER). */
  listOrder?: ListOrder;
  /** Whether DescribeBackupJob answers for another account's job (default DEFAULT_CROSS_ACCOUNT_DESCRIBE). */
  crossAccountDescribe?: CrossAccountDescribe;
  /**
   * The Regions Account Management's ListRegions says are enabled (default: the Regions the sandbox
   * serves jobs in); an opt-in Region (OPT_IN_REGIONS) among them serves no jobs.
   */
  enabledRegions?: readonly string[];
}

export interface AwsSandbox {
  /** Endpoint for the SDK's `endpoint` option, such as http://127.0.0.1:4566. */
  readonly url: string;
  readonly port: number;
  /** Calls received per operation name, counted before validation. */
  readonly calls: SandboxCallLog;
  /** The raw records the sandbox serves, for tests to compare against. */
  readonly store: AwsSandboxStore;
  readonly listOrder: ListOrder;
  readonly crossAccountDescribe: CrossAccountDescribe;
  /** The time jobs are created, run and settle by; `advance` moves it forward. */
  readonly clock: SandboxClock;
  /** The large organization's size, or undefined when the sandbox serves the seeded one. */
  readonly size: OrganizationSize | undefined;
  /** The Regions ListRegions says are enabled. */
  readonly enabledRegions: readonly string[];
  /** Faults by Region (a gateway source reads one Region), for every operation or one. */
  readonly faults: {
    set(region: string, fault: SandboxFault & FaultScope<OperationName>): void;
    clear(): void;
  };
  close(): Promise<void>;
}

/**
 * Sandbox-only credentials, documented so that anyone can point the CLI or SDK at the sandbox.
 * The sandbox reads the region from the signature's credential scope and checks nothing else.
 * Not frozen: the SDK writes a `$source` attribution member into the credentials object it is given.
 */
export const SANDBOX_AWS_CREDENTIALS: { accessKeyId: string; secretAccessKey: string } = {
  accessKeyId: 'AKIASANDBOXEXAMPLE',
  secretAccessKey: 'sandbox-secret',
};

const HOUR = 3_600_000;

export async function startAwsSandbox(options: AwsSandboxOptions = {}): Promise<AwsSandbox> {
  const latencyMs = options.latencyMs ?? 0;
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`latencyMs must be a non-negative number, got ${latencyMs}`);
  const listOrder = options.listOrder ?? DEFAULT_LIST_ORDER;
  const crossAccountDescribe = options.crossAccountDescribe ?? DEFAULT_CROSS_ACCOUNT_DESCRIBE;
  // The clock the jobs live by: a fixed anchor (tests, the bench) plus the time the sandbox has run
  // (none when frozen), so that a job started now is the newest; without an anchor, the real clock.
  const clock = new SandboxClock(options.now?.getTime(), options.frozenClock);
  const now = () => clock.now();
  const large = options.jobs !== undefined || options.accounts !== undefined || options.regions !== undefined;
  const anchor = options.now ?? new Date(Math.floor(Date.now() / HOUR) * HOUR);
  // The seeded organization's jobs in flight move only as the clock is moved: tests compare the
  // gateway's answers with these records while real time runs (docs/sandbox.md).
  const store = large
    ? new Organization(organizationSize(options), listOrder, now)
    : new JobStore(seedJobs(anchor, () => anchor.getTime() + clock.advancedMs), listOrder);
  const calls = new CallLog();
  const faults = new FaultTable<OperationName>(store.regions, OPERATIONS);
  const operations = new BackupOperations(store, { crossAccountDescribe, clock: now });
  const rules = store instanceof Organization ? (account: string, region: string) => store.rules(account, region) : seededRules;
  const records = new RecordOperations(
    { accounts: store.accounts, jobs: (region) => store.jobs(region), job: (region, id) => store.job(region, id), rules },
    { crossAccountDescribe, clock: now },
  );
  const enabledRegions = options.enabledRegions ?? store.regions;
  const account = new AccountOperations(store.accounts, enabledRegions);
  const server = createSandboxServer({ operations, records, account, calls, caller: store.caller, latencyMs, faults, clock });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    calls,
    store,
    listOrder,
    crossAccountDescribe,
    clock,
    size: store instanceof Organization ? store.size : undefined,
    enabledRegions,
    faults: { set: (region, fault) => faults.set(region, fault), clear: () => faults.clear() },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Idle keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}

function organizationSize(options: AwsSandboxOptions): OrganizationSize {
  const count = (name: string, value: number | undefined, fallback: number, max: number) => {
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1 || value > max) throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`);
    return value;
  };
  return {
    jobs: count('jobs', options.jobs, 330, MAX_JOBS),
    accounts: count('accounts', options.accounts, 2, MAX_ACCOUNTS),
    regions: count('regions', options.regions, 2, MAX_REGIONS),
    seed: options.seed ?? 'sandbox',
  };
}
