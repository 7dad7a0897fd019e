// A refresh of an organization of a million jobs, 2,000 to 3,000 of them running at once, costs
// three ListBackupJobs calls however many run: the jobs created since and completed since, in
// full, so that new and settled jobs are exact at every refresh, and one page of the running ones,
// the next page at the next refresh, so that every running job's progress is seen within one walk
// over their pages. A job the page leaves out keeps the version the list has; a job that starts
// running behind where the walk stands is reached when it comes round; a NextToken the upstream
// refuses starts the walk over; a reconciliation brings up to date what the walk has not reached yet.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsBackupJobModel } from '../src/aws/mapper.js';
import type { AwsBackupSource } from '../src/aws/source.js';
import { systemReader } from '../src/live-updates.js';
import { SourceReadModel, type Snapshot } from '../src/read-model/source-read-model.js';
import type { WireBackupJob } from '../src/sandbox/aws/store.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { MemoryState } from '../src/shared-state/memory.js';
import { SourceRegistry } from '../src/source-registry.js';
import { stopWalked, untilFilled, walkedSources } from './support/walked-source.js';

const REGION = 'us-east-1';
const SOURCE = `aws-${REGION}`;
const PAGE_SIZE = 1_000;
const HOUR = 60 * 60 * 1000;
/** Every job of the sandbox settles within a day of its creation: older ones cannot change. */
const SETTLES_WITHIN = 24 * HOUR;
const RECONCILE_AFTER = HOUR;
const SETTLED = new Set(['COMPLETED', 'FAILED', 'ABORTED', 'EXPIRED', 'PARTIAL']);
/** In the nightly hours, when most jobs run: about 2,750 of the million are RUNNING, three pages. */
const NIGHT = new Date('2026-11-01T03:00:00Z');

let sandbox: Sandbox;
let registry: SourceRegistry;
let state: MemoryState;
let model: SourceReadModel<AwsBackupJobModel>;
/** The gateway's clock: a refresh is due whenever it moves (no staleness allowed), a reconciliation once it moved RECONCILE_AFTER. */
let gatewayNow = Date.now();

/**
 * The Region's source, its list shared for `staleIfErrorMs`. A day and two hours kept: every job
 * that can still change, and a fill of a few seconds.
 */
const walked = (staleIfErrorMs: number) => walkedSources(sandbox, SOURCE, { retainedHours: 26, staleIfErrorMs, reconcileAfterMs: RECONCILE_AFTER });

beforeAll(async () => {
  sandbox = await startSandbox({ now: NIGHT, awsJobs: 1_000_000, awsAccounts: 40, awsRegions: 1, awsFrozenClock: true });
  state = new MemoryState();
  registry = SourceRegistry.fromConfig({ ...sandbox.config, sources: walked(24 * HOUR) }, state);
  model = new SourceReadModel(registry.get(SOURCE) as AwsBackupSource, state, () => gatewayNow);
  await model.read(systemReader());
  await untilFilled(model, 90_000, 100);
}, 120_000);
afterAll(() => stopWalked({ model, registry, sandbox }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One refresh, read as a reader finds it due: the ListBackupJobs calls it made, and the list it made. */
async function refresh(): Promise<{ calls: number; snapshot: Snapshot<AwsBackupJobModel> }> {
  gatewayNow += 1_000;
  sandbox.aws.calls.reset();
  const part = await model.read(systemReader());
  expect(part.error).toBeNull();
  return { calls: sandbox.aws.calls.count('ListBackupJobs'), snapshot: part.snapshot! };
}

/** The jobs the upstream lists now that can still have changed since the list was read, by id. */
function upstream(): Map<string, WireBackupJob> {
  const after = sandbox.aws.clock.now() - SETTLES_WITHIN - HOUR;
  return new Map([...sandbox.aws.store.created(REGION, { after })].map(({ record }) => [record.BackupJobId, record]));
}

const running = (jobs: Map<string, WireBackupJob>) => [...jobs.values()].filter((record) => record.State === 'RUNNING');

/**
 * How the list stands against the upstream: jobs it lacks (or holds that the upstream does not
 * list), settled jobs it holds in another version, and running jobs whose progress it holds as
 * of an earlier refresh.
 */
function compare(snapshot: Snapshot<AwsBackupJobModel>, listed: Map<string, WireBackupJob>) {
  const since = sandbox.aws.clock.now() - SETTLES_WITHIN;
  const held = new Map(snapshot.jobs.map((job) => [job.backupJobId, job]));
  const missing = [...listed.keys()].filter((id) => !held.has(id));
  const strangers = snapshot.jobs.filter((job) => job.createdAt! > since && !listed.has(job.backupJobId)).map((job) => job.backupJobId);
  const wrongSettled = [...listed.values()]
    .filter((record) => SETTLED.has(record.State!) && held.has(record.BackupJobId))
    .filter((record) => {
      const job = held.get(record.BackupJobId)!;
      return job.state !== record.State || Math.abs(job.completedAt! - record.CompletionDate! * 1000) >= 1;
    })
    .map((record) => record.BackupJobId);
  const behind = running(listed)
    .filter((record) => {
      const job = held.get(record.BackupJobId);
      return job !== undefined && (job.state !== 'RUNNING' || job.percentDone !== (record.PercentDone ?? null) || job.bytesTransferred !== (record.BytesTransferred ?? null));
    })
    .map((record) => record.BackupJobId);
  return { missing, strangers, wrongSettled, behind };
}

/** New and settled jobs exact, no job dropped, none that is not there. */
function expectExact(comparison: ReturnType<typeof compare>): void {
  expect({ missing: comparison.missing, strangers: comparison.strangers, wrongSettled: comparison.wrongSettled }).toEqual({ missing: [], strangers: [], wrongSettled: [] });
}

describe('an organization of a million jobs, more of them running than one page holds', () => {
  it('refreshes in three ListBackupJobs calls, new and settled jobs exact each time, and sees every running job within one walk over their pages', async () => {
    // Time passes upstream: jobs are created, start, progress and settle.
    sandbox.aws.clock.advance(60_000);
    const listed = upstream();
    const pages = Math.ceil(running(listed).length / PAGE_SIZE);
    expect(pages).toBeGreaterThanOrEqual(3);
    for (let refreshed = 1; refreshed <= pages; refreshed++) {
      const { calls, snapshot } = await refresh();
      expect(calls).toBe(3);
      const comparison = compare(snapshot, listed);
      expectExact(comparison);
      // Until the walk has read every page, some running jobs keep the progress of an earlier read.
      if (refreshed < pages) expect(comparison.behind.length).toBeGreaterThan(0);
      else expect(comparison.behind).toEqual([]);
    }
  }, 120_000);

  it('keeps walking while time passes: each refresh three calls, exact, and a job left out of the page keeps its version', async () => {
    for (let refreshed = 0; refreshed < 3; refreshed++) {
      sandbox.aws.clock.advance(20_000);
      const before = await model.current();
      const { calls, snapshot } = await refresh();
      expect(calls).toBe(3);
      const listed = upstream();
      const comparison = compare(snapshot, listed);
      expectExact(comparison);
      // A running job the page did not hold is the very version the list held before.
      const held = new Map(before!.jobs.map((job) => [job.key, job]));
      const kept = comparison.behind.filter((id) => snapshot.byKey.get(`${SOURCE}:${id}`) === held.get(`${SOURCE}:${id}`));
      expect(comparison.behind.length).toBeGreaterThan(0);
      expect(kept.length).toBeGreaterThan(0);
    }
  }, 120_000);

  it('reaches a job that starts running behind where the walk stands when the walk comes round: within one walk and one refresh', async () => {
    // The walk at its start, then one page on.
    await state.write<string | null>(`progress:${SOURCE}`, { value: null, fetchedAt: gatewayNow }, HOUR);
    const before = new Set(running(upstream()).map((record) => record.BackupJobId));
    await refresh();
    // Jobs start running while the walk is under way; in the upstream's order, some of them come
    // before the page it has reached.
    sandbox.aws.clock.advance(10 * 60_000);
    const listed = upstream();
    const started = running(listed).filter((record) => !before.has(record.BackupJobId));
    expect(started.length).toBeGreaterThan(0);
    const pages = Math.ceil(running(listed).length / PAGE_SIZE);
    let refreshes = 0;
    for (let behind = Number.POSITIVE_INFINITY; behind > 0; refreshes++) {
      expect(refreshes).toBeLessThanOrEqual(pages + 1);
      const { calls, snapshot } = await refresh();
      expect(calls).toBe(3);
      const comparison = compare(snapshot, listed);
      expectExact(comparison);
      behind = comparison.behind.length;
    }
    expect(refreshes).toBeGreaterThan(1);
  }, 120_000);

  it('starts the walk over from the first page when the upstream refuses where it stood', async () => {
    sandbox.aws.clock.advance(60_000);
    const listed = upstream();
    const pages = Math.ceil(running(listed).length / PAGE_SIZE);
    // A NextToken this sandbox never issued, as one AWS let expire would be: refused with InvalidParameterValueException.
    await state.write<string | null>(`progress:${SOURCE}`, { value: 'expired.token', fetchedAt: gatewayNow }, HOUR);
    const first = await refresh();
    expect(first.calls).toBe(4);
    expectExact(compare(first.snapshot, listed));
    let last = first.snapshot;
    for (let refreshed = 1; refreshed < pages; refreshed++) {
      const next = await refresh();
      expect(next.calls).toBe(3);
      last = next.snapshot;
    }
    expect(compare(last, listed).behind).toEqual([]);
  }, 120_000);

  it('leaves to the reconciliation what the walk has not reached yet', async () => {
    sandbox.aws.clock.advance(60_000);
    const listed = upstream();
    expect(compare((await refresh()).snapshot, listed).behind.length).toBeGreaterThan(0);
    // The reconciliation is due: the next refresh starts it, in the background, after its own page.
    gatewayNow += RECONCILE_AFTER;
    expect(compare((await refresh()).snapshot, listed).behind.length).toBeGreaterThan(0);
    let comparison = compare((await model.current())!, listed);
    for (let waited = 0; comparison.behind.length > 0; waited += 100) {
      expect(waited).toBeLessThan(90_000);
      await sleep(100);
      comparison = compare((await model.current())!, listed);
    }
    expectExact(comparison);
  }, 120_000);
});

describe('the walk where lists are kept for no time', () => {
  it('goes on past its first page when staleIfErrorMs is 0: where it stands is kept as long as a refresh builds on the list', async () => {
    const briefState = new MemoryState();
    const brief = SourceRegistry.fromConfig({ ...sandbox.config, sources: walked(0) }, briefState);
    let now = gatewayNow;
    const briefModel = new SourceReadModel(brief.get(SOURCE) as AwsBackupSource, briefState, () => now);
    try {
      // Read, not looked up in the shared state: a list shared for no time is found there by nobody.
      for (let waited = 0; (await briefModel.read(systemReader())).snapshot?.completeAfter !== null; waited += 100) {
        expect(waited).toBeLessThan(90_000);
        await sleep(100);
      }
      const positions: (string | null | undefined)[] = [];
      for (let refreshed = 0; refreshed < 3; refreshed++) {
        now += 1_000;
        expect((await briefModel.read(systemReader())).error).toBeNull();
        // Past the list's own millisecond in the shared state.
        await sleep(5);
        positions.push((await briefState.read<string | null>(`progress:${SOURCE}`))?.value);
      }
      // Three refreshes of a walk of three pages: two of them stood past the first page, the third at its end (null).
      expect(positions.filter((position) => typeof position === 'string')).toHaveLength(2);
      expect(positions.filter((position) => position === null)).toHaveLength(1);
    } finally {
      briefModel.stop();
      brief.destroy();
    }
  }, 120_000);
});
