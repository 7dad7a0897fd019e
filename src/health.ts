// Liveness and readiness for orchestrators: /health answers while the process serves HTTP;
// /readiness says whether the configured sources answer, from probes run in the background.
import { setTimeout as sleep } from 'node:timers/promises';
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { Authenticator } from './auth.js';
import { untraced } from './observability/tracing.js';
import { probeSource } from './probe.js';
import type { SourceRegistry } from './source-registry.js';

/** A round of probes starts at most this often, however often orchestrators ask. */
const PROBE_INTERVAL_MS = 5_000;
/**
 * The longest a readiness check waits for a round under way; a source whose probe is still silent
 * then counts as not answering. Well under Kubernetes' default probe timeout (1 s), so that one
 * hanging upstream never makes every replica's probe time out at once.
 */
const MAX_WAIT_MS = 400;

/**
 * 200 "ready" when every source answered its latest probe, 200 "degraded" when some did (the
 * gateway still serves their jobs, and taking every replica out of service would serve nobody),
 * 503 "unavailable" when none did. It needs no credential, so it says no more than that: how many
 * sources there are and how many answer it adds for a caller with a credential (or for anyone when
 * no authentication is configured), counting only the sources that caller may see. Which sources
 * answer is in `backupSources`.
 */
export function useSourceReadiness(sources: SourceRegistry, authenticator: Authenticator | null): Plugin {
  const answered = new Map<string, boolean>();
  /** Sources whose probe of the current round has not finished yet. */
  const pending = new Set<string>();
  let lastRoundAt = Number.NEGATIVE_INFINITY;
  let round: Promise<void> | undefined;

  const currentRound = (): Promise<void> => {
    if (!round && performance.now() - lastRoundAt >= PROBE_INTERVAL_MS) {
      lastRoundAt = performance.now();
      // Settled, not all: a probe that threw ends the round like the others instead of failing it.
      // Untraced: orchestrators ask every few seconds, and a trace per probe would bury the requests'
      // traces; the probes' calls still count in the upstream metrics.
      round = untraced(() =>
        Promise.allSettled(
          sources.all.map(async (source) => {
            pending.add(source.name);
            answered.set(source.name, (await probeSource(source)).reachable);
            pending.delete(source.name);
          }),
        ),
      ).then(() => {
        round = undefined;
      });
    }
    return round ?? Promise.resolve();
  };

  /** The sources the request's credential may see; undefined without a credential the gateway accepts. */
  const visibleSources = async (request: Request) => {
    if (!authenticator) return sources.all;
    try {
      return sources.visibleTo(await authenticator.authenticate(request.headers)).all;
    } catch {
      return undefined;
    }
  };

  return useReadinessCheck({
    endpoint: '/readiness',
    check: async ({ request, fetchAPI }) => {
      const [visible] = await Promise.all([visibleSources(request), Promise.race([currentRound(), sleep(MAX_WAIT_MS)])]);
      // A source that answered the last round but has not answered this one within the wait counts as silent now.
      const isReachable = (source: { name: string }) => answered.get(source.name) === true && !pending.has(source.name);
      const reachable = sources.all.filter(isReachable).length;
      const status = reachable === sources.all.length ? 'ready' : reachable > 0 ? 'degraded' : 'unavailable';
      const detail = visible ? { configured: visible.length, reachable: visible.filter(isReachable).length } : {};
      return fetchAPI.Response.json(
        { status, ...detail },
        { status: status === 'unavailable' ? 503 : 200, headers: { 'cache-control': 'no-store' } },
      );
    },
  });
}
