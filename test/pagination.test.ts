// The cross-source merge on its own: order, horizon, filtered items and the end position.
import { describe, expect, it } from 'vitest';
import { mergePages, type Position } from '../resolvers/pagination.js';

type Item = Position & { ok?: boolean };
const item = (createdAt: number, sourceName: string, jobId = `${sourceName}${createdAt}`, ok = true): Item => ({ createdAt, sourceName, jobId, ok });
const merge = (pages: { items: Item[]; hasMore: boolean }[], first: number, after: Position | null = null) =>
  mergePages(pages, { first, after, positionOf: (i) => i, accept: (i) => i.ok !== false });
const ids = (items: Item[]) => items.map((i) => i.jobId);

describe('mergePages', () => {
  it('interleaves sources newest first and breaks ties by source then id', () => {
    const page = merge(
      [
        { items: [item(9, 'a'), item(5, 'a'), item(5, 'a', 'a5b')], hasMore: false },
        { items: [item(7, 'b'), item(5, 'b')], hasMore: false },
      ],
      10,
    );
    expect(ids(page.items)).toEqual(['a9', 'b7', 'a5', 'a5b', 'b5']);
    expect(page.hasNextPage).toBe(false);
  });

  it('never emits past the oldest item of a source that has more', () => {
    const page = merge(
      [
        { items: [item(10, 'a'), item(8, 'a')], hasMore: true },
        { items: [item(9, 'b'), item(7, 'b'), item(6, 'b')], hasMore: false },
      ],
      10,
    );
    // b7 and b6 could have unseen a-items before them, so they wait for the next page.
    expect(ids(page.items)).toEqual(['a10', 'b9', 'a8']);
    expect(page.hasNextPage).toBe(true);
    expect(page.endPosition).toMatchObject({ createdAt: 8, sourceName: 'a' });
  });

  it('skips what it has already emitted and stops at first', () => {
    const after = item(8, 'a');
    const page = merge([{ items: [item(9, 'a'), item(8, 'a'), item(7, 'a'), item(6, 'a')], hasMore: false }], 1, after);
    expect(ids(page.items)).toEqual(['a7']);
    expect(page.hasNextPage).toBe(true);
  });

  it('moves the end position past filtered items so an empty page still advances', () => {
    const page = merge([{ items: [item(9, 'a', 'x', false), item(8, 'a', 'y', false)], hasMore: true }], 5);
    expect(page.items).toEqual([]);
    expect(page.endPosition).toMatchObject({ createdAt: 8, jobId: 'y' });
    expect(page.hasNextPage).toBe(true);
  });

  it('knows there is no next page when only rejected items remain', () => {
    const page = merge([{ items: [item(9, 'a'), item(8, 'a', 'no', false)], hasMore: false }], 1);
    expect(ids(page.items)).toEqual(['a9']);
    expect(page.hasNextPage).toBe(false);
  });
});
