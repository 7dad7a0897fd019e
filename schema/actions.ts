// What every action (mutation) shares, whatever its kind of source: the Mutation root, the typed
// refusals its payload carries, the write permission (scope-auth's `writeSource`), and the one
// audit line each action writes.
import type { FieldMap, InputFieldMap, InputObjectRef, ObjectRef } from '@pothos/core';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../resolvers/context.js';
import { ActionRefused } from '../src/model/actions.js';
import { ErrorCode, quoted } from '../src/model/errors.js';
import { toGraphQLError } from '../src/model/upstream-errors.js';
import { currentRequestId, log } from '../src/observability/log.js';
import { builder } from './builder.js';

builder.mutationType({
  description:
    'Actions on the upstreams: start and stop AWS Backup jobs, delete SailPoint Configuration Hub backups and uploads. Each needs write permission on its source, separate from seeing it: a token\'s write claim (`backup_sources_write` by default) or an API key\'s `write` list names the sources. Without authentication, anyone may act when the gateway runs over its own embedded sandbox (nothing real can be touched) and nobody over real upstreams (docs/security.md). Each action goes straight to the upstream, writes one audit line, and makes the job lists show its effect at once.',
});

/** An expected refusal, as a payload's `errors` lists it. */
type ActionProblem =
  | { kind: 'NotPermitted'; message: string; sourceName: string }
  | { kind: 'JobNotFound'; message: string; sourceName: string; jobId: string }
  | { kind: 'NotStoppable'; message: string; sourceName: string; jobId: string; state: string | null }
  | { kind: 'InvalidActionInput'; message: string; sourceName: string; upstreamError: string };

/** What an action acts on, for its audit line and its refusals. */
interface ActionTarget {
  /** The mutation's name. */
  action: string;
  sourceName: string;
  /** The job (or backup) id the action names, when it names one. */
  jobId?: string;
}

/** What every action's input holds besides its own fields. */
export interface ActionInput {
  sourceName: string;
  clientMutationId?: string | null;
}

/** What every action's payload holds besides its own fields. */
export interface ActionPayload {
  clientMutationId: string | null;
  errors: ActionProblem[];
}

const ActionError = builder.interfaceRef<ActionProblem>('ActionError').implement({
  description: 'Why an action was not done, for a reason the caller can act on. Failures of the upstream itself are GraphQL errors with a code instead.',
  resolveType: (problem) => problem.kind,
  fields: (t) => ({
    message: t.exposeString('message', { nullable: false, description: 'What happened, in a sentence for people.' }),
    sourceName: t.exposeString('sourceName', { nullable: false, description: 'The source the action named.' }),
  }),
});

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** One kind of refusal as a type of ActionError, with the fields it adds. */
function problemType<Kind extends ActionProblem['kind']>(
  kind: Kind,
  description: string,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Extract<ActionProblem, { kind: Kind }>>) => FieldMap = () => ({}),
): void {
  builder.objectRef<Extract<ActionProblem, { kind: Kind }>>(kind).implement({
    description,
    interfaces: [ActionError],
    isTypeOf: (problem) => (problem as ActionProblem).kind === kind,
    fields,
  });
}

problemType(
  'NotPermitted',
  'The caller may not act on this source: its credential does not list it for writing (a token\'s write claim, an API key\'s `write` list), or no authentication is configured over real upstreams. Also the answer for a source the caller cannot see, so that it learns nothing of hidden sources.',
);

problemType('JobNotFound', 'The upstream does not know the job (or backup) the action names: a wrong id, or one already deleted.', (t) => ({
  jobId: t.exposeString('jobId', { nullable: false, description: 'The id the action named.' }),
}));

problemType(
  'NotStoppable',
  'The job is not in a state it can be stopped in: AWS stops a job only while it is CREATED, PENDING or RUNNING, and not jobs of some resource types (RDS, Aurora, FSx, ...).',
  (t) => ({
    jobId: t.exposeString('jobId', { nullable: false, description: 'The id the action named.' }),
    state: t.exposeString('state', { description: 'The job\'s state as the upstream reports it now, when it could be read.' }),
  }),
);

problemType(
  'InvalidActionInput',
  'The upstream refused what the action holds: for AWS, a vault that does not exist, an ARN or role it does not accept, windows or a lifecycle out of range; for SailPoint, a delete it answers with HTTP 400.',
  (t) => ({
    upstreamError: t.exposeString('upstreamError', { nullable: false, description: 'The name of the upstream\'s error, such as `InvalidParameterValueException` or `HTTP 400`; never its message.' }),
  }),
);

/** An action's input type: its own fields after the source it acts on, and Relay's clientMutationId. */
export function actionInput<Input extends ActionInput>(
  name: string,
  description: string,
  fields: (t: PothosSchemaTypes.InputFieldBuilder<Types, 'InputObject'>) => InputFieldMap,
) {
  const ref = builder.inputType(name, {
    description,
    fields: (t) => ({
      sourceName: t.string({ required: true, description: 'The configured source to act on; the caller needs write permission on it.' }),
      ...fields(t),
      clientMutationId: t.string({
        required: false,
        description: 'Any string the client chooses; the payload returns it unchanged (Relay), so a client can match answers to requests.',
      }),
    }),
  });
  // The fields are the caller's, so the shape they give is its word: Input names it.
  return ref as unknown as InputObjectRef<Types, Input>;
}

/** An action's payload type: its own fields, `errors` and the clientMutationId. */
export function actionPayload<Payload extends ActionPayload>(
  name: string,
  description: string,
  fields: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Payload>) => FieldMap,
) {
  return builder.objectRef<Payload>(name).implement({
    description,
    fields: (t) => ({
      ...fields(t),
      errors: t.field({
        type: [ActionError],
        nullable: false,
        description: 'Why the action was not done, each a type of `ActionError`; empty when it was done.',
        resolve: (payload) => payload.errors,
      }),
      clientMutationId: t.string({ description: 'The `clientMutationId` of the input, unchanged.', resolve: (payload) => payload.clientMutationId }),
    }),
  });
}

/**
 * A mutation that acts on one source: refused with NotPermitted by the schema (scope-auth's
 * `writeSource`) unless the caller may write to that source; then `act` goes upstream. Its
 * expected refusals (ActionRefused) become the payload's `errors`, and everything else a coded
 * GraphQL error. Whatever happens, exactly one audit line is written. Not the Relay plugin's
 * relayMutationField: it echoes clientMutationId from its own resolver, which scope-auth's
 * refusal never runs, so a NotPermitted payload would lose it.
 */
export function actionField<Input extends ActionInput, Payload extends ActionPayload>(
  name: string,
  options: {
    description: string;
    input: InputObjectRef<Types, Input>;
    payload: ObjectRef<Types, Payload>;
    /** The job or backup id the input names, for the audit line and the refusals. */
    jobId?: (input: Input) => string;
    /** The payload's own fields when nothing was done. */
    nothing: Omit<Payload, keyof ActionPayload>;
    act: (input: Input, context: GatewayContext) => Promise<Omit<Payload, keyof ActionPayload>>;
  },
): void {
  // Pothos infers argument and result types from the refs; seen through their common shape, the
  // field is typed once for every action.
  const inputRef = options.input as unknown as InputObjectRef<Types, ActionInput>;
  const payloadRef = options.payload as unknown as ObjectRef<Types, ActionPayload>;
  const targetOf = (input: Input): ActionTarget => ({ action: name, sourceName: input.sourceName, ...(options.jobId ? { jobId: options.jobId(input) } : {}) });
  const refused = (input: ActionInput, problem: ActionProblem): ActionPayload => ({ ...options.nothing, clientMutationId: input.clientMutationId ?? null, errors: [problem] });
  builder.mutationField(name, (t) =>
    t.field({
      type: payloadRef,
      nullable: false,
      description: options.description,
      args: { input: t.arg({ type: inputRef, required: true, description: 'What to act on.' }) },
      authScopes: (_root, { input }) => ({ writeSource: input.sourceName }),
      // The builder's error names a job's or a source's own source; here the refusal is the payload's, built below.
      unauthorizedError: () => 'not permitted',
      unauthorizedResolver: (_root, { input }, context) => {
        const target = targetOf(input as Input);
        audit(context, target, 'NOT_PERMITTED');
        return refused(input, { kind: 'NotPermitted', message: `The caller may not act on source ${quoted(target.sourceName)}`, sourceName: target.sourceName });
      },
      resolve: async (_root, { input }, context) => {
        const target = targetOf(input as Input);
        try {
          // An action costs its caller as a lookup does: one of the request's upstream calls, and its share of them.
          await context.reader.charge(target.sourceName, 'lookup');
          const done = await options.act(input as Input, context);
          audit(context, target, 'OK');
          return { ...done, clientMutationId: input.clientMutationId ?? null, errors: [] };
        } catch (error) {
          if (error instanceof ActionRefused) {
            const problem = problemOf(error, target);
            audit(context, target, RESULTS[problem.kind]);
            return refused(input, problem);
          }
          const failure = error instanceof GraphQLError ? error : toGraphQLError(error, target.sourceName);
          audit(context, target, String(failure.extensions.code ?? ErrorCode.UPSTREAM_UNAVAILABLE));
          throw failure;
        }
      },
    }),
  );
}

const RESULTS: Record<ActionProblem['kind'], string> = {
  NotPermitted: 'NOT_PERMITTED',
  JobNotFound: 'JOB_NOT_FOUND',
  NotStoppable: 'NOT_STOPPABLE',
  InvalidActionInput: 'INVALID_INPUT',
};

function problemOf({ refusal }: ActionRefused, target: ActionTarget): ActionProblem {
  const { sourceName } = target;
  const jobId = target.jobId ?? '';
  switch (refusal.kind) {
    case 'JOB_NOT_FOUND':
      return { kind: 'JobNotFound', message: `Source ${quoted(sourceName)} has no job ${quoted(jobId)}`, sourceName, jobId };
    case 'NOT_STOPPABLE':
      return {
        kind: 'NotStoppable',
        message: `Job ${quoted(jobId)} of source ${quoted(sourceName)} cannot be stopped${refusal.state ? ` in the state ${refusal.state}` : ''}`,
        sourceName,
        jobId,
        state: refusal.state,
      };
    case 'INVALID_INPUT':
      return { kind: 'InvalidActionInput', message: `Source ${quoted(sourceName)} refused the request: ${refusal.upstreamName}`, sourceName, upstreamError: refusal.upstreamName };
  }
}

/**
 * The one audit line of an action: who, what, which source and job, the result (OK, a refusal, or
 * the error code) and the request id. Names and ids only: never a credential or an upstream body,
 * and a client-given id is quoted within bounds.
 */
function audit(context: GatewayContext, target: ActionTarget, result: string): void {
  const requestId = currentRequestId();
  const jobId = target.jobId === undefined ? undefined : quoted(target.jobId);
  log(
    'info',
    'audit',
    `[audit] caller=${quoted(context.caller.name)} action=${target.action} source=${quoted(target.sourceName)} job=${jobId ?? '-'} result=${result} requestId=${requestId ?? '-'}`,
    { caller: context.caller.name, action: target.action, source: target.sourceName, jobId: target.jobId, result },
  );
}
