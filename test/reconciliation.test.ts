// A reconciliation lists a large source's slices outside the refresh lease and merges them into
// the list later, while refreshes go on storing the progress of the jobs under way: a merge takes
// what only the sweep has seen, and never puts back a version older than the one a refresh stored
// since the slice was asked, neither in the list served nor in the updates subscribers hear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsBackupJobModel } from '../src/aws/mapper.js';
import type { AwsBackupSource } from '../src/aws/source.js';
import { jobUpdates, type JobUpdate } from '../src/model/changes.js';
import { systemReader } from '../src/live-updates.js';
import { SourceReadModel, type Snapshot } from '../src/read-model/source-read-model.js';
import type { WireBackupJob } from '../src/sandbox/aws/store.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { MemoryState } from '../src/shared-state/memory.js';
import { SourceRegistry } from '../src/source-registry.js';
import { WATCHED_BY_KIND } from '../src/sources.js';
import { stopWalked, untilFilled, walkedSources } from './support/walked-source.js';

const REGION = 'us-east-1';
const SOURCE = `aws-${REGION}`;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const RECONCILE_AFTER = HOUR;
/** How far back the source keeps jobs: every job that can still change (they settle within a day), and a sweep of two slices. */
const RETAINED_HOURS = 26;
/** In the nightly hours, when most jobs run. */
const NIGHT = new Date('2026-11-01T03:00:00Z');
const REFRESH_LEASE = `refresh:${SOURCE}`;
const SWEEP_LEASE = `sweep:${SOURCE}`;

/**
 * The shared state of one process, which tells when the refresh lease is refused while the test
 * holds it: the only other taker then is a sweep's merge, which waits for its turn.
 */
class TurnState extends MemoryState {
  private onRefused: (() => void) | undefined;

  /** Resolves once the refresh lease is next refused. */
  refused(): Promise<void> {
    return new Promise((resolve) => (this.onRefused = resolve));
  }

  override async lease(key: string, ttlMs: number): Promise<boolean> {
    const taken = await super.lease(key, ttlMs);
    if (!taken && key === REFRESH_LEASE) this.onRefused?.();
    return taken;
  }
}

let sandbox: Sandbox;
let registry: SourceRegistry;
let state: TurnState;
let model: SourceReadModel<AwsBackupJobModel>;
/** The gateway's clock: a refresh is due whenever it moves, a reconciliation once it moved RECONCILE_AFTER. */
let gatewayNow = Date.now();
/** What subscribers of `backupJobUpdated` hear, as live-updates publishes each version's change. */
const heard: JobUpdate<AwsBackupJobModel>[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ now: NIGHT, awsJobs: 20_000, awsAccounts: 5, awsRegions: 1, awsFrozenClock: true });
  state = new TurnState();
  const sources = walkedSources(sandbox, SOURCE, { retainedHours: RETAINED_HOURS, staleIfErrorMs: 24 * HOUR, reconcileAfterMs: RECONCILE_AFTER });
  registry = SourceRegistry.fromConfig({ ...sandbox.config, sources }, state);
  const source = registry.get(SOURCE) as AwsBackupSource;
  model = new SourceReadModel(source, state, () => gatewayNow);
  const watched = WATCHED_BY_KIND.get(source.kind)!;
  model.onChange((change) => {
    if (!change.backfill) heard.push(...jobUpdates(change.added, change.dropped, watched));
  });
  expect((await model.read(systemReader())).error).toBeNull();
  await untilFilled(model, 30_000, 20);
  await sweepDone();
}, 60_000);
afterAll(() => stopWalked({ model, registry, sandbox }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for the background listing under way (a first read's fill, or a reconciliation) to end. */
async function sweepDone(): Promise<void> {
  for (let waited = 0; await state.leased(SWEEP_LEASE); waited += 20) {
    expect(waited).toBeLessThan(30_000);
    await sleep(20);
  }
}

/** One refresh, read as a reader finds it due. */
async function refresh(): Promise<Snapshot<AwsBackupJobModel>> {
  gatewayNow += 1_000;
  const part = await model.read(systemReader());
  expect(part.error).toBeNull();
  return part.snapshot!;
}

/**
 * Starts a reconciliation (the refresh that finds it due starts it, in the background) and holds
 * the refresh lease until the sweep has listed its slices and waits to merge them: `meanwhile`
 * runs before the first slice is asked. Returns the way to give the turn back.
 */
async function sweepUpToTheMerge(meanwhile: () => void = () => undefined): Promise<() => Promise<void>> {
  gatewayNow += RECONCILE_AFTER;
  await refresh();
  // The sweep pauses before its first slice: the lease is the test's before the slice is asked.
  expect(await state.lease(REFRESH_LEASE, 60_000)).toBe(true);
  meanwhile();
  await state.refused();
  return () => state.release(REFRESH_LEASE);
}

/** When the latest full listing of the window began, as the stored list says: a reconciliation's last merge moves it. */
async function listedInFullAt(): Promise<number> {
  return (await state.readSliced<{ listedInFullAt: number }, unknown>(`snapshot:${SOURCE}`))!.value.head.listedInFullAt;
}

/** The upstream's jobs of the retained window as the sandbox describes them now, by id. */
function upstream(): Map<string, WireBackupJob> {
  const after = sandbox.aws.clock.now() - (RETAINED_HOURS - 1) * HOUR;
  return new Map([...sandbox.aws.store.created(REGION, { after })].map(({ record }) => [record.BackupJobId, { ...record }]));
}

/** Whether the list holds a job as the upstream record describes it: its state and progress. */
function holdsAsListed(snapshot: Snapshot<AwsBackupJobModel>, record: WireBackupJob): boolean {
  const job = snapshot.byKey.get(`${SOURCE}:${record.BackupJobId}`);
  return job !== undefined && job.state === record.State && job.percentDone === (record.PercentDone ?? null) && job.bytesTransferred === (record.BytesTransferred ?? null);
}

/** The records of `now` that differ from `before` in state or progress: the jobs that moved between the two. */
function moved(before: Map<string, WireBackupJob>, now: Map<string, WireBackupJob>): WireBackupJob[] {
  return [...now.values()].filter((record) => {
    const was = before.get(record.BackupJobId);
    return was !== undefined && (was.State !== record.State || was.PercentDone !== record.PercentDone || was.BytesTransferred !== record.BytesTransferred);
  });
}

const idsOf = (records: readonly WireBackupJob[]) => records.map((record) => record.BackupJobId);

/** Updates that report a job going back: from settled to under way, or to less progress than the update before said. */
function backwards(updates: readonly JobUpdate<AwsBackupJobModel>[], isSettled: (job: AwsBackupJobModel) => boolean): JobUpdate<AwsBackupJobModel>[] {
  const last = new Map<string, AwsBackupJobModel>();
  return updates.filter(({ job }) => {
    const before = last.get(job.key);
    last.set(job.key, job);
    if (!before) return false;
    if (isSettled(before)) return !isSettled(job);
    return Number(job.percentDone ?? 0) < Number(before.percentDone ?? 0) || (job.bytesTransferred ?? 0) < (before.bytesTransferred ?? 0);
  });
}

describe('a reconciliation merged while refreshes go on', () => {
  it('takes what only the sweep saw: progress and settling the refreshes have not read yet', async () => {
    const before = upstream();
    const giveBack = await sweepUpToTheMerge(() => sandbox.aws.clock.advance(10 * MINUTE));
    const listed = upstream();
    const progressed = moved(before, listed);
    expect(progressed.filter((record) => record.State === 'RUNNING').length).toBeGreaterThan(0);
    expect(progressed.filter((record) => record.State === 'COMPLETED').length).toBeGreaterThan(0);
    const held = (await model.current())!;
    expect(idsOf(progressed.filter((record) => holdsAsListed(held, record)))).toEqual([]);
    const unmerged = await listedInFullAt();
    await giveBack();
    await sweepDone();
    expect(await listedInFullAt()).toBeGreaterThan(unmerged);
    const merged = (await model.current())!;
    expect(idsOf(progressed.filter((record) => !holdsAsListed(merged, record)))).toEqual([]);
  }, 30_000);

  it('never puts back a version older than one a refresh stored after the slice was asked', async () => {
    const heardBefore = heard.length;
    const giveBack = await sweepUpToTheMerge();
    // The sweep holds its slices as of now; the jobs move on before it merges them.
    const asSwept = upstream();
    sandbox.aws.clock.advance(10 * MINUTE);
    const now = upstream();
    const progressed = moved(asSwept, now).filter((record) => record.State === 'RUNNING');
    expect(progressed.length).toBeGreaterThan(0);
    // The turn goes to a refresh before the merge: it takes the lease within this turn of the
    // event loop, while the merge polls for it on a timer.
    const unmerged = await listedInFullAt();
    await giveBack();
    const refreshed = await refresh();
    expect(idsOf(progressed.filter((record) => !holdsAsListed(refreshed, record)))).toEqual([]);
    expect(await listedInFullAt()).toBe(unmerged);
    await sweepDone();
    expect(await listedInFullAt()).toBeGreaterThan(unmerged);
    // Served as a reader finds it now, without a refresh: the merged list.
    const served = (await model.read(systemReader())).snapshot!;
    const ids = new Set(progressed.map((record) => record.BackupJobId));
    expect(heard.slice(heardBefore).some(({ job }) => ids.has(job.backupJobId))).toBe(true);
    expect({
      heldOlder: idsOf(progressed.filter((record) => !holdsAsListed(served, record))),
      heardGoingBack: backwards(heard, (job) => model.adapter.isSettled(job)).map(({ job, changes }) => `${job.backupJobId} ${changes.join(',')}`),
    }).toEqual({ heldOlder: [], heardGoingBack: [] });
  }, 30_000);
});
