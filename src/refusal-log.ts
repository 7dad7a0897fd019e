// Refusals the gateway makes on its own account (its pacing, a spent budget, a caller over its
// share, an open circuit) repeat by the thousand under load: they are counted, and logged at most
// once per source and reason per interval, with the count; the metrics count every one.
import { log } from './observability/log.js';
import { recordRefusal } from './observability/metrics.js';

const INTERVAL_MS = 10_000;

const counts = new Map<string, { count: number; since: number; loggedAt: number }>();

export function noteRefusal(sourceName: string, reason: string, now: number = Date.now()): void {
  recordRefusal(sourceName, reason);
  const key = `${sourceName}\u0000${reason}`;
  const entry = counts.get(key) ?? { count: 0, since: now, loggedAt: Number.NEGATIVE_INFINITY };
  entry.count += 1;
  counts.set(key, entry);
  if (now - entry.loggedAt < INTERVAL_MS) return;
  const seconds = Math.max(1, Math.round((now - entry.since) / 1000));
  log('warn', 'refused', `[refused] source=${sourceName} reason=${reason} count=${entry.count} in ${seconds}s`, {
    source: sourceName,
    reason,
    count: entry.count,
    seconds,
  });
  counts.set(key, { count: 0, since: now, loggedAt: now });
}
