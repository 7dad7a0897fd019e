// What an action on an upstream (start, stop, delete) can be refused for, as every kind reports it:
// expected answers of the upstream, which the graph returns in the action's payload, not as errors.

export type ActionRefusal =
  /** The upstream does not know the job (or no longer does). */
  | { readonly kind: 'JOB_NOT_FOUND' }
  /** The job is in a state the action does not apply to; its state as the upstream reports it, when known. */
  | { readonly kind: 'NOT_STOPPABLE'; readonly state: string | null }
  /** The upstream refused what the request holds; `upstreamName` is its error's name, never its message. */
  | { readonly kind: 'INVALID_INPUT'; readonly upstreamName: string };

/** An action the upstream refused for a reason the caller can act on. */
export class ActionRefused extends Error {
  override name = 'ActionRefused';
  constructor(readonly refusal: ActionRefusal) {
    super(`the upstream refused the action: ${refusal.kind}`);
  }
}
