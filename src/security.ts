// What protects the gateway and its upstreams from hostile or careless requests: trusted documents,
// query limits (the document's size and shape before it is parsed, then graphql-armor) and
// production mode (no GraphiQL, introspection or field suggestions unless asked for, CSRF
// prevention, CORS from an allow-list). The body size cap is yoga's own option.
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import { GraphQLError, Kind, visit, type ASTNode, type ExecutionResult, type ValidationContext, type ValidationRule } from 'graphql';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import type { SecurityConfig } from './config/index.js';
import { useDocumentLimits } from './document-limits.js';
import { ErrorCode, pageSizeOutOfRange, reissue } from './model/errors.js';
import { useTrustedDocuments } from './trusted-documents.js';

export interface SecurityPosture {
  production: boolean;
  graphiql: boolean;
  introspection: boolean;
}

export function postureOf(security: SecurityConfig, env: NodeJS.ProcessEnv = process.env): SecurityPosture {
  const production = security.production ?? env.NODE_ENV === 'production';
  return {
    production,
    graphiql: security.graphiql ?? !production,
    introspection: security.introspection ?? !production,
  };
}

/**
 * A browser sends a GET or a form POST to another site without asking first; in production such a
 * request must carry one of these headers, which only a preflighted (CORS-checked) request can set.
 * The second is the one Apollo Client sends when told to.
 */
const CSRF_HEADERS = ['x-graphql-csrf', 'apollo-require-preflight'];

/** Query limits; every rejection is a GraphQL error with BAD_USER_INPUT, before anything runs. */
export function limitPlugins(security: SecurityConfig, posture: SecurityPosture, parsed?: (source: string) => boolean): Plugin[] {
  const { limits } = security;
  const onReject = [(_context: unknown, error: GraphQLError) => tagAsBadInput(error)];
  return [
    // First: an untrusted document is refused before anything else reads it.
    ...(security.trustedDocuments ? [useTrustedDocuments(security.trustedDocuments, posture.production && !posture.graphiql)] : []),
    useDocumentLimits(limits, parsed),
    // Before the cost limit, which multiplies by a written `first`: a client asking for 100,000
    // jobs learns the range it may ask for, not a cost it cannot make sense of.
    useValidationRule(pageSizeInRange(limits.maxPageSize)),
    EnvelopArmorPlugin({
      maxDepth: { n: limits.maxDepth, onReject },
      maxAliases: { n: limits.maxAliases, onReject },
      maxTokens: { n: limits.maxTokens, onReject },
      maxDirectives: { n: limits.maxDirectives, onReject },
      // Reported beside the other validation errors rather than thrown, which would drop them.
      costLimit: {
        maxCost: limits.maxCost,
        propagateOnRejection: false,
        onReject: [(context: ValidationContext | null, error: GraphQLError) => (tagAsBadInput(error), context?.reportError(error))],
      },
      blockFieldSuggestion: { enabled: posture.production },
    }) as Plugin,
    ...(posture.introspection ? [] : [useDisableIntrospection() as Plugin, useValidationRule(noSubgraphSdl)]),
    ...(posture.production ? [useCSRFPrevention({ requestHeaders: CSRF_HEADERS }) as Plugin, useHiddenSuggestions()] : []),
  ];
}

/** `_service { sdl }` is the whole schema, as introspection is: off with it (routers compose from the committed SDL). */
const noSubgraphSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType()?.name === 'Query') {
      context.reportError(new GraphQLError('The subgraph SDL (_service) is not served while introspection is off', { nodes: node }));
    }
  },
});

/**
 * `first` of `backupJobs` written into an operation (or a fragment it spreads) outside 1 to
 * maxPageSize. Checked as the operation is entered, as the cost limit checks it, so that its
 * error comes first; a `first` in a variable the resolver checks.
 */
function pageSizeInRange(maxPageSize: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const spread = new Set<string>();
      const check = (node: ASTNode): void => {
        visit(node, {
          Field(field) {
            if (field.name.value !== 'backupJobs') return;
            const first = field.arguments?.find((argument) => argument.name.value === 'first')?.value;
            if (first?.kind !== Kind.INT) return;
            const value = Number(first.value);
            if (value < 1 || value > maxPageSize) context.reportError(pageSizeOutOfRange(value, maxPageSize, first));
          },
          FragmentSpread(node) {
            const fragment = context.getFragment(node.name.value);
            if (!fragment || spread.has(node.name.value)) return;
            spread.add(node.name.value);
            check(fragment);
          },
        });
      };
      check(operation);
    },
  });
}

function useValidationRule(rule: ValidationRule): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(rule);
    },
  };
}

/**
 * Drops graphql-js's "Did you mean ...?" hints from every error (enum values, input fields,
 * arguments): armor's blockFieldSuggestion covers only field names, and each hint spells out a
 * piece of a schema that production mode does not show.
 */
function useHiddenSuggestions(): Plugin {
  const hint = / ?(Did you mean .*\?|\[Suggestion hidden\])$/;
  return {
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const single = result as ExecutionResult;
      if (!single.errors?.some((error) => hint.test(error.message))) return;
      setResult({
        ...single,
        errors: single.errors.map((error) =>
          hint.test(error.message) ? reissue(error, { message: error.message.replace(hint, '') }) : error,
        ),
      });
    },
  };
}

/** Armor reports its limits through the parser, whose "Syntax Error" prefix would mislead: the query parses fine. */
function tagAsBadInput(error: GraphQLError): void {
  (error.extensions as Record<string, unknown>).code = ErrorCode.BAD_USER_INPUT;
  error.message = error.message.replace(/^Syntax Error: /, '');
}

/**
 * CORS: any origin while developing; in production only the configured origins, and with none
 * configured no CORS headers at all (same-origin only: yoga reads an empty origin list as "any").
 * Never credentials: callers authenticate with a header, never a cookie.
 */
export function corsOf(security: SecurityConfig, posture: SecurityPosture): YogaServerOptions<object, object>['cors'] {
  if (!posture.production) return { credentials: false };
  if (security.corsOrigins.length === 0) return false;
  const allowed = new Set(security.corsOrigins.map((origin) => new URL(origin).origin));
  // Per request, so that an origin off the list gets no CORS headers at all: yoga's own list
  // answers it with "Access-Control-Allow-Origin: null", which a sandboxed page (origin null) matches.
  return (request) => {
    const origin = request.headers.get('origin');
    return origin !== null && allowed.has(origin) ? { origin, methods: ['GET', 'POST'], credentials: false } : false;
  };
}
