// Loaded into a gateway the heap-per-job tool starts (`--import`): on SIGUSR2 it collects garbage
// in full and writes the heap's size, so that what is left is what the process keeps.
import { writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';

const collect = (globalThis as { gc?: () => void }).gc;
const out = process.env.HEAP_PROBE_OUT;
if (!collect || !out) throw new Error('bench/heap-probe.ts needs --expose-gc and HEAP_PROBE_OUT');

process.on('SIGUSR2', () => {
  // Several passes: one collection can leave what only the next finds unreachable (weak references, finalizers).
  for (let pass = 0; pass < 3; pass++) collect();
  writeFileSync(out, JSON.stringify({ heapBytes: getHeapStatistics().used_heap_size, rssBytes: process.memoryUsage().rss }));
});
