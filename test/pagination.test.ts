// The cross-source page on its own: order, filters, cursors, and parts missing from some pages.
import { describe, expect, it } from 'vitest';
import { assemblePage, cursorScope, decodeCursor, encodeCursor, type Cursor, type PagePart } from '../resolvers/pagination.js';
import { floorPosition, type ReadableJob } from '../src/model/order.js';

type Job = ReadableJob & { ok?: boolean };
const job = (createdAt: number, sourceName: string, id = `${sourceName}${createdAt}`, ok = true): Job => ({
  key: `${sourceName}:${id}`,
  sourceName,
  createdAt,
  ok,
});
/** A source's part as the read model hands it over: sorted newest first. */
const part = (sourceName: string, jobs: Job[] | null): PagePart<Job> => ({
  sourceName,
  jobs: jobs && [...jobs].sort((a, b) => b.createdAt! - a.createdAt! || (a.key < b.key ? -1 : 1)),
});
const page = (parts: PagePart<Job>[], first: number, after: Cursor | null = null) =>
  assemblePage(parts, { first, after, accept: (j) => j.ok !== false });
const keys = (jobs: Job[]) => jobs.map((j) => j.key.split(':')[1]);

describe('assemblePage', () => {
  it('interleaves sources newest first and breaks ties by source, then key', () => {
    const result = page([part('a', [job(9, 'a'), job(5, 'a'), job(5, 'a', 'a5b')]), part('b', [job(7, 'b'), job(5, 'b')])], 10);
    expect(keys(result.items)).toEqual(['a9', 'b7', 'a5', 'a5b', 'b5']);
    expect(result.hasNextPage).toBe(false);
  });

  it('continues after the cursor, stops at first, and knows whether more is left', () => {
    const a = part('a', [job(9, 'a'), job(8, 'a'), job(7, 'a'), job(6, 'a')]);
    const one = page([a], 2);
    expect(keys(one.items)).toEqual(['a9', 'a8']);
    expect(one.hasNextPage).toBe(true);
    const two = page([a], 2, one.endCursor);
    expect(keys(two.items)).toEqual(['a7', 'a6']);
    expect(two.hasNextPage).toBe(false);
  });

  it('leaves out what the filter rejects, and has no next page when only rejected jobs remain', () => {
    const result = page([part('a', [job(9, 'a'), job(8, 'a', 'no', false)])], 1);
    expect(keys(result.items)).toEqual(['a9']);
    expect(result.hasNextPage).toBe(false);
  });

  it('pages the same jobs when it starts from a creation-time bound, found by a search, as when it walks to them', () => {
    const a = part('a', [job(9, 'a'), job(7, 'a'), job(5, 'a'), job(3, 'a')]);
    const b = part('b', [job(8, 'b'), job(6, 'b'), job(4, 'b')]);
    const before6 = (j: Job) => j.createdAt! < 6;
    const one = assemblePage([a, b], { first: 2, after: null, accept: before6, from: floorPosition(5) });
    expect(keys(one.items)).toEqual(['a5', 'b4']);
    const two = assemblePage([a, b], { first: 2, after: one.endCursor, accept: before6, from: floorPosition(5) });
    expect(keys(two.items)).toEqual(['a3']);
    expect(two.hasNextPage).toBe(false);
    const walked = assemblePage([a, b], { first: 2, after: null, accept: before6 });
    expect(walked.items).toEqual(one.items);
    expect(walked.endCursor).toEqual(one.endCursor);
  });

  it('keeps a source read only back to its floor at the floor, holds it back there, and delivers its older jobs once read', () => {
    const a = [job(10, 'a'), job(8, 'a'), job(6, 'a'), job(4, 'a')];
    // b is read back to 7 only: its job created at 7 and those before may be missing.
    const bNewest = [job(9, 'b'), job(8, 'b')];
    const b = [...bNewest, job(7, 'b'), job(5, 'b'), job(3, 'b')];
    const first = page([part('a', a), { ...part('b', bNewest), completeAfter: 7 }], 4);
    expect(keys(first.items)).toEqual(['a10', 'b9', 'a8', 'b8']);
    expect(first.heldBack).toEqual(new Set());
    const second = page([part('a', a), { ...part('b', bNewest), completeAfter: 7 }], 2, first.endCursor);
    expect(keys(second.items)).toEqual(['a6', 'a4']);
    expect(second.heldBack).toEqual(new Set(['b']));
    expect(second.hasNextPage).toBe(true);
    // Read in full now: the jobs b held back come, each once, and then the end.
    const third = page([part('a', a), part('b', b)], 5, decodeCursor(encodeCursor(second.endCursor!, 'f'), 'f'));
    expect(keys(third.items)).toEqual(['b7', 'b5', 'b3']);
    expect(third.hasNextPage).toBe(false);
  });

  it('keeps a missing source behind its unread jobs, and delivers them once it is back', () => {
    const a = [job(10, 'a'), job(8, 'a'), job(6, 'a')];
    const b = [job(9, 'b'), job(7, 'b'), job(5, 'b')];
    const first = page([part('a', a), part('b', null)], 2);
    expect(keys(first.items)).toEqual(['a10', 'a8']);
    expect(first.hasNextPage).toBe(true);
    expect(first.endCursor?.behind).toEqual({ b: null });

    // b answers again: its jobs newer than the cursor come first, then the merge goes on in order.
    const second = page([part('a', a), part('b', b)], 3, decodeCursor(encodeCursor(first.endCursor!, 'f'), 'f'));
    expect(keys(second.items)).toEqual(['b9', 'b7', 'a6']);
    const third = page([part('a', a), part('b', b)], 3, second.endCursor);
    expect(keys(third.items)).toEqual(['b5']);
    expect(third.hasNextPage).toBe(false);
  });

  it('gives every edge a cursor that resumes right after it', () => {
    const parts = [part('a', [job(9, 'a'), job(7, 'a')]), part('b', [job(8, 'b'), job(6, 'b')])];
    const whole = page(parts, 4);
    const resumed = page(parts, 4, whole.cursorAfter(1));
    expect(keys(resumed.items)).toEqual(['a7', 'b6']);
  });

  it('delivers every job exactly once across a traversal whatever pages lack a source', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const sources = ['a', 'b', 'c'];
    const all = sources.flatMap((name) => Array.from({ length: 40 }, (_, i) => job(Math.floor(random() * 60), name, `${name}-${i}`)));
    for (let round = 0; round < 50; round++) {
      const seen: string[] = [];
      let cursor: Cursor | null = null;
      for (let guard = 0; guard < 500; guard++) {
        const parts = sources.map((name) => part(name, random() < 0.3 ? null : all.filter((j) => j.sourceName === name)));
        const result = page(parts, 1 + Math.floor(random() * 9), cursor);
        seen.push(...result.items.map((j) => j.key));
        cursor = result.endCursor;
        if (!result.hasNextPage) break;
      }
      expect(seen.sort()).toEqual(all.map((j) => j.key).sort());
    }
  });
});

describe('cursors', () => {
  it('round-trip, and forged ones are refused', () => {
    const cursor: Cursor = { position: { createdAt: 1_700_000_000_123, sourceName: 'prod', jobId: 'prod:J' }, behind: { other: null } };
    expect(decodeCursor(encodeCursor(cursor, 'f'), 'f')).toEqual(cursor);
    const forged = ['', 'abc', '[3,"f",1,"a","b"]', '[2,[1,"a","b"],[]]', '[3,"f",[1,"a"],[]]', '[3,"f",null,[["x",[1,"a"]]]]', '[3,"f",null,{}]', '[3,null,null,[]]'];
    for (const text of forged) {
      expect(() => decodeCursor(Buffer.from(text).toString('base64url'), 'f')).toThrow('not a cursor');
    }
  });

  it('name the filter they were issued for, whatever order its lists and keys come in', () => {
    const at = new Date('2026-10-20T00:00:00Z');
    expect(cursorScope({ phases: ['FAILED', 'RUNNING'], createdAfter: at, sourceNames: null })).toBe(
      cursorScope({ createdAfter: new Date(at.getTime()), phases: ['RUNNING', 'FAILED'] }),
    );
    expect(cursorScope({})).not.toBe(cursorScope({ sourceKinds: ['AWS_BACKUP'] }));
    expect(cursorScope({ phases: ['FAILED'] })).not.toBe(cursorScope({ phases: ['FAILED', 'RUNNING'] }));
    const cursor: Cursor = { position: null, behind: {} };
    expect(() => decodeCursor(encodeCursor(cursor, cursorScope({})), cursorScope({ sourceKinds: ['AWS_BACKUP'] }))).toThrow('another filter');
  });
});
