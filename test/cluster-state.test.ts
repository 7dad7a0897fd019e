// The workers' shared state without Redis: the primary keeps it, and each worker reads its copy of a
// value while the version the primary announced is current. Two real cluster workers of this test
// process, each with a WorkerState, do what the test asks of them.
import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStateToWorkers } from '../src/shared-state/cluster.js';
import type { StateQuestion } from './support/state-worker.js';

let asked = 0;

async function startWorker(): Promise<Worker> {
  const worker = cluster.fork();
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (message: { ready?: boolean }) => message.ready && resolve());
    worker.once('exit', (code) => reject(new Error(`the state worker exited with ${code}`)));
  });
  return worker;
}

function ask(worker: Worker, question: Omit<StateQuestion, 'question'>): Promise<any> {
  const id = ++asked;
  return new Promise((resolve) => {
    const listener = (message: { answer?: number; result?: unknown }) => {
      if (message.answer !== id) return;
      worker.off('message', listener);
      resolve(message.result);
    };
    worker.on('message', listener);
    worker.send({ ...question, question: id });
  });
}

/** Asks until `done` holds of the answer (the primary's announcements travel on their own), at most 5 s. */
async function askUntil(worker: Worker, question: Omit<StateQuestion, 'question'>, done: (result: any) => boolean): Promise<any> {
  for (let waited = 0; ; waited += 20) {
    const result = await ask(worker, question);
    if (done(result) || waited > 5_000) return result;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let a: Worker;
let b: Worker;
beforeAll(async () => {
  cluster.setupPrimary({ exec: fileURLToPath(new URL('./support/state-worker.ts', import.meta.url)), execArgv: ['--import', 'tsx'], serialization: 'advanced' });
  serveStateToWorkers();
  [a, b] = await Promise.all([startWorker(), startWorker()]);
}, 60_000);
afterAll(() => {
  for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
});

describe('shared state kept by the primary for its workers', () => {
  it('serves one worker what another wrote, Dates included, and the same object while its version stands', async () => {
    const value = { jobs: [{ key: 'j1', createdAt: new Date(1_000) }] };
    await ask(a, { op: 'write', key: 'snapshot:s', value, fetchedAt: 1, ttlMs: 60_000 });
    const first = await askUntil(b, { op: 'read', key: 'snapshot:s' }, (read) => read !== null);
    expect(first).toEqual({ value, fetchedAt: 1, same: false });
    expect(first.value.jobs[0].createdAt).toBeInstanceOf(Date);
    expect(await ask(b, { op: 'read', key: 'snapshot:s' })).toMatchObject({ fetchedAt: 1, same: true });
  });

  it('passes a refresh that found nothing new as a new date: the other worker keeps its object', async () => {
    await ask(a, { op: 'rewrite', key: 'snapshot:s', fetchedAt: 2, ttlMs: 60_000 });
    const read = await askUntil(b, { op: 'read', key: 'snapshot:s' }, (result) => result?.fetchedAt === 2);
    expect(read).toMatchObject({ fetchedAt: 2, same: true });
  });

  it('sends the value again when the primary no longer holds the version a rewrite names', async () => {
    await ask(a, { op: 'write', key: 'snapshot:short', value: { jobs: ['x'] }, fetchedAt: 1, ttlMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await ask(b, { op: 'read', key: 'snapshot:short' })).toBeNull();
    await ask(a, { op: 'rewrite', key: 'snapshot:short', fetchedAt: 3, ttlMs: 60_000 });
    const read = await askUntil(b, { op: 'read', key: 'snapshot:short' }, (result) => result !== null);
    expect(read).toMatchObject({ value: { jobs: ['x'] }, fetchedAt: 3 });
  });

  it('passes a sliced value by slice: the slices a worker holds stay its objects, and a slice the primary lost is sent again', async () => {
    const slice = (id: string, version: string, items: unknown[]) => ({ id, version, items });
    const newer = slice('1', 'v1', [{ key: 'j2', createdAt: new Date(2_000) }]);
    const older = slice('0', 'v0', [{ key: 'j1', createdAt: new Date(1_000) }]);
    await ask(a, { op: 'writeSliced', key: 'list:s', value: { head: { small: false }, slices: [newer, older] }, fetchedAt: 1, ttlMs: 60_000 });
    const first = await askUntil(b, { op: 'readSliced', key: 'list:s' }, (read) => read !== null);
    expect(first).toEqual({ value: { head: { small: false }, slices: [newer, older] }, fetchedAt: 1, same: [false, false] });
    expect(first.value.slices[0].items[0].createdAt).toBeInstanceOf(Date);

    // A new job in the newest slice: the other worker keeps the older slice as it had it.
    const changed = slice('1', 'v2', [{ key: 'j3', createdAt: new Date(2_500) }, ...newer.items]);
    await ask(a, { op: 'writeSliced', key: 'list:s', value: { head: { small: false }, slices: [changed, older] }, fetchedAt: 2, ttlMs: 60_000 });
    const second = await askUntil(b, { op: 'readSliced', key: 'list:s' }, (read) => read?.fetchedAt === 2);
    expect(second).toEqual({ value: { head: { small: false }, slices: [changed, older] }, fetchedAt: 2, same: [false, true] });

    // The primary's copy expired: a write that names the slices it had must send them again.
    await ask(a, { op: 'writeSliced', key: 'list:short', value: { head: 1, slices: [older] }, fetchedAt: 1, ttlMs: 50 });
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await ask(b, { op: 'readSliced', key: 'list:short' })).toBeNull();
    await ask(a, { op: 'writeSliced', key: 'list:short', value: { head: 2, slices: [older] }, fetchedAt: 3, ttlMs: 60_000 });
    const read = await askUntil(b, { op: 'readSliced', key: 'list:short' }, (result) => result !== null);
    expect(read).toMatchObject({ value: { head: 2, slices: [older] }, fetchedAt: 3 });
  });

  it('hands an event one worker publishes to the listeners of every worker, Dates included', async () => {
    await Promise.all([ask(a, { op: 'listen', key: 'jobs:s' }), ask(b, { op: 'listen', key: 'jobs:s' })]);
    const detail = { sourceName: 's', updates: [{ job: { key: 's:1', createdAt: new Date(1_000) }, changes: ['APPEARED'] }] };
    await ask(a, { op: 'publish', key: 'jobs:s', value: detail });
    const onB = await askUntil(b, { op: 'heard', key: 'jobs:s' }, (events) => events.length > 0);
    expect(onB).toEqual([detail]);
    expect(onB[0].updates[0].job.createdAt).toBeInstanceOf(Date);
    expect(await askUntil(a, { op: 'heard', key: 'jobs:s' }, (events) => events.length > 0)).toEqual([detail]);
    expect(await ask(b, { op: 'heard', key: 'jobs:other' })).toEqual([]);
  });

  it('gives a lease to one worker at a time, and back when its holder releases it or dies', async () => {
    expect(await ask(a, { op: 'lease', key: 'refresh:s', ttlMs: 60_000 })).toBe(true);
    expect(await ask(b, { op: 'lease', key: 'refresh:s', ttlMs: 60_000 })).toBe(false);
    expect(await ask(b, { op: 'leased', key: 'refresh:s' })).toBe(true);
    await ask(a, { op: 'release', key: 'refresh:s' });
    expect(await askUntil(b, { op: 'lease', key: 'refresh:s', ttlMs: 60_000 }, (taken) => taken === true)).toBe(true);

    const exited = new Promise((resolve) => b.once('exit', resolve));
    b.process.kill('SIGKILL');
    await exited;
    expect(await askUntil(a, { op: 'lease', key: 'refresh:s', ttlMs: 60_000 }, (taken) => taken === true)).toBe(true);
    b = await startWorker();
  }, 60_000);

  it('counts slots across workers, and gives back those released and those of a worker that dies', async () => {
    const take = (worker: Worker) => ask(worker, { op: 'takeSlot', key: 'subscriptions', limit: 3 });
    expect([await take(a), await take(b), await take(a), await take(b)]).toEqual([true, true, true, false]);
    await ask(a, { op: 'releaseSlot', key: 'subscriptions' });
    expect(await askUntil(b, { op: 'takeSlot', key: 'subscriptions', limit: 3 }, (taken) => taken === true)).toBe(true);
    expect(await take(a)).toBe(false);
    // b holds two of the three: they come back when it dies, and no more than they.
    const exited = new Promise((resolve) => b.once('exit', resolve));
    b.process.kill('SIGKILL');
    await exited;
    expect(await askUntil(a, { op: 'takeSlot', key: 'subscriptions', limit: 3 }, (taken) => taken === true)).toBe(true);
    expect(await take(a)).toBe(true);
    expect(await take(a)).toBe(false);
    b = await startWorker();
  }, 60_000);

  it("counts a limiter's points across workers", async () => {
    const consume = (worker: Worker) => ask(worker, { op: 'consume', key: 'caller-1', limiter: { name: 'caller', points: 3, durationSeconds: 60 } });
    expect([await consume(a), await consume(b), await consume(a), await consume(b)]).toEqual([true, true, true, false]);
  });
});
