// Liveness and readiness for orchestrators: /health answers while the process serves HTTP;
// /readiness probes the configured sources (at most once per interval, whoever asks).
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import { probeSource, type SourceProbe } from '../resolvers/probe.js';
import type { SourceRegistry } from './sources.js';

export const READINESS_PATH = '/readiness';

/** How long one round of probes answers readiness checks, so that frequent checks cost the upstreams nothing more. */
const PROBE_INTERVAL_MS = 5_000;

/**
 * 200 when every source answers, 200 with status "degraded" when some do (the gateway still serves
 * their jobs, and pulling every replica out of service would serve nobody), 503 when none does.
 */
export function useSourceReadiness(sources: SourceRegistry): Plugin {
  let latest: { at: number; probes: Promise<(SourceProbe & { name: string; kind: string })[]> } | undefined;
  const probeAll = () => {
    if (!latest || performance.now() - latest.at > PROBE_INTERVAL_MS) {
      latest = {
        at: performance.now(),
        probes: Promise.all(sources.all.map(async (source) => ({ name: source.name, kind: source.kind, ...(await probeSource(source)) }))),
      };
    }
    return latest.probes;
  };
  return useReadinessCheck({
    endpoint: READINESS_PATH,
    check: async ({ fetchAPI }) => {
      const probes = await probeAll();
      const reachable = probes.filter((probe) => probe.reachable).length;
      const status = reachable === probes.length ? 'ready' : reachable > 0 ? 'degraded' : 'unavailable';
      return fetchAPI.Response.json(
        {
          status,
          sources: probes.map(({ name, kind, reachable: up, errorCode, checkedAt, latencyMs }) => ({ name, kind, reachable: up, errorCode, checkedAt, latencyMs })),
        },
        { status: status === 'unavailable' ? 503 : 200, headers: { 'cache-control': 'no-store' } },
      );
    },
  });
}
