// What the configuration of every source holds, whatever its kind: its name, the deadline of one
// call, its guard, its upstream budget and how fresh its read model must be. Each kind's own
// schema (src/<kind>/config.ts) adds its keys to these.
import { z } from 'zod';

export const sourceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/,
    'must be 1-63 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

/**
 * How fresh the shared read model of a source must be. Up to `refreshAfterMs` old it is served as
 * it is; up to `maxStalenessMs` it is served while one refresh runs in the background; older, a
 * reader waits for the refresh. When a refresh fails (or the upstream budget has no call left), a
 * read model up to `staleIfErrorMs` old is still served, marked stale. A source too large for one
 * upstream page is refreshed by what changed, and listed again in full, in the background, every
 * `reconcileAfterMs`.
 */
const freshnessSchema = z
  .object({
    refreshAfterMs: z.number().int().min(0).max(3_600_000).default(5_000),
    maxStalenessMs: z.number().int().min(0).max(3_600_000).default(15_000),
    staleIfErrorMs: z.number().int().min(0).max(86_400_000).default(300_000),
    /** Absent: every 15 minutes. */
    reconcileAfterMs: z.number().int().min(60_000).max(86_400_000).optional(),
  })
  .strict()
  .refine((f) => f.refreshAfterMs <= f.maxStalenessMs && f.maxStalenessMs <= f.staleIfErrorMs, {
    message: 'must keep refreshAfterMs <= maxStalenessMs <= staleIfErrorMs',
  });

/** So many calls in a window of so many seconds. */
export const callsPerWindow = z
  .object({
    calls: z.number().int().min(1).max(1_000_000),
    perSeconds: z.number().int().min(1).max(3_600),
  })
  .strict();

/**
 * Upstream calls the gateway may make to one source in any `perSeconds` window, however many
 * replicas share it (through Redis) and whatever the load; retries and token requests count. It
 * is kept as one-second windows of calls / (perSeconds + 1) each, which must not round to none.
 */
export const budgetSchema = callsPerWindow.refine((b) => b.calls > b.perSeconds, {
  message: 'must allow more calls than the window has seconds (calls > perSeconds)',
});

/** What every source shares: the deadline of one call, how its guard protects it, and how fresh its read model is. */
export const guardKeys = {
  timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  maxConcurrency: z.number().int().min(1).max(256).default(16),
  circuitBreaker: z
    .object({
      failures: z.number().int().min(1).max(100).default(5),
      halfOpenAfterMs: z.number().int().min(100).max(600_000).default(30_000),
    })
    .strict()
    .default({}),
  freshness: freshnessSchema.default({}),
};
