// Refusals on the gateway's own account come by the thousand under load: one counted line per
// source and reason per interval, not one line each.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { noteRefusal } from '../src/refusal-log.js';

afterEach(() => vi.restoreAllMocks());

describe('noteRefusal', () => {
  it('logs the first refusal, then one line with the count per 10 s, per source and reason', () => {
    const lines: string[] = [];
    vi.spyOn(console, 'warn').mockImplementation((line: string) => void lines.push(line));
    const start = 5_000_000;
    for (let i = 0; i < 1_000; i++) noteRefusal('tenant-a', 'Budget', start + i);
    noteRefusal('tenant-a', 'CircuitOpen', start + 1_000);
    noteRefusal('tenant-b', 'Budget', start + 1_000);
    expect(lines).toEqual([
      '[refused] source=tenant-a reason=Budget count=1 in 1s',
      '[refused] source=tenant-a reason=CircuitOpen count=1 in 1s',
      '[refused] source=tenant-b reason=Budget count=1 in 1s',
    ]);
    noteRefusal('tenant-a', 'Budget', start + 10_000);
    expect(lines.at(-1)).toBe('[refused] source=tenant-a reason=Budget count=1000 in 10s');
    expect(lines).toHaveLength(4);
  });
});
