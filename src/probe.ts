// Whether a source answers right now: its cheapest call, timed, with the failure as an error code.
import { toGraphQLError } from './model/upstream-errors.js';
import type { Source } from './sources.js';

export interface SourceProbe {
  reachable: boolean;
  checkedAt: Date;
  latencyMs: number;
  errorCode: string | null;
}

export async function probeSource(source: Source, requestSignal?: AbortSignal): Promise<SourceProbe> {
  const started = performance.now();
  const outcome = (errorCode: string | null): SourceProbe => ({
    reachable: errorCode === null,
    checkedAt: new Date(),
    latencyMs: Math.round(performance.now() - started),
    errorCode,
  });
  try {
    await source.ping(requestSignal);
    return outcome(null);
  } catch (error) {
    return outcome(String(toGraphQLError(error, source.name).extensions.code));
  }
}
