// Makes every error a client sees carry an extensions.code and nothing from inside the server:
// request-level errors that graphql-js leaves without a code (variables that do not coerce) get
// BAD_USER_INPUT, HTTP-level refusals without one (CSRF, multipart) BAD_REQUEST, always with a
// 4xx status; the internal error yoga attaches as `originalError` (the JSON parser's, which quotes
// the body) is dropped; every quoted value in a message is cut short; and the bare 4xx answers
// yoga gives without a body get a GraphQL error body. Query-string JSON that yoga would fail on
// with a 500 (variables or extensions of a GET) is refused as a bad request first.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { boundQuotes, ErrorCode, reissue } from './model/errors.js';

/** Yoga's own answers that carry no body, and the code each gets. */
const BARE_STATUSES: Record<number, string> = {
  406: 'The Accept header names no media type this server answers with (use application/json or application/graphql-response+json)',
  415: 'The request body must be application/json (or a GET with query parameters)',
};

export function useRequestErrorCodes(): Plugin {
  return {
    onRequestParse({ request, url }) {
      if (request.method !== 'GET') return;
      for (const parameter of ['variables', 'extensions']) {
        const value = url.searchParams.get(parameter);
        if (value === null) continue;
        try {
          JSON.parse(value);
        } catch {
          throw new GraphQLError(`The "${parameter}" query parameter is not valid JSON`, {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      }
    },
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const single = result as ExecutionResult;
      if (!single.errors?.length) return;
      // Without a data key the operation never ran: the request itself was rejected.
      const ran = 'data' in single;
      setResult({ ...single, errors: single.errors.map((error) => withCleanExtensions(error, ran)) });
    },
    onResponse({ response, setResponse, fetchAPI }) {
      const message = BARE_STATUSES[response.status];
      if (!message || response.body !== null) return;
      setResponse(
        fetchAPI.Response.json(
          { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] },
          { status: response.status, headers: response.headers },
        ),
      );
    },
  };
}

interface HttpExtension {
  status?: number;
  headers?: Record<string, string>;
  /** Yoga's mark for errors the GraphQL-over-HTTP spec lets it answer with 200 under `Accept: application/json`. */
  spec?: boolean;
}

function withCleanExtensions(error: GraphQLError, ran: boolean): GraphQLError {
  const { originalError, ...extensions } = error.extensions as Record<string, unknown> & { originalError?: unknown; http?: HttpExtension };
  const code = extensions.code ?? fallbackCode(error, ran);
  const http = code === 'BAD_REQUEST' ? asClientError(extensions.http) : extensions.http;
  const message = boundQuotes(error.message);
  if (originalError === undefined && code === extensions.code && http === extensions.http && message === error.message) return error;
  return reissue(error, { message, extensions: { ...extensions, code, ...(http ? { http } : {}) } });
}

/** An error that points into the document is about the operation or its variables; one that does not, about the HTTP request. */
function fallbackCode(error: GraphQLError, ran: boolean): string {
  const located = Boolean(error.locations?.length);
  // After the operation ran, a field's error (it has a path) is the gateway's; a located one without a path is about the
  // operation itself (a subscription, which this schema has no root type for, fails with data null and no path).
  if (ran) return located && !error.path ? ErrorCode.BAD_USER_INPUT : 'INTERNAL_SERVER_ERROR';
  return located ? ErrorCode.BAD_USER_INPUT : 'BAD_REQUEST';
}

/**
 * A request that is not a GraphQL request gets a 4xx whatever the client accepts: without `spec`
 * yoga keeps the status, and an error that has none (multipart, a missing query under the default
 * Accept) gets 400 rather than 200.
 */
function asClientError(http: HttpExtension | undefined): HttpExtension {
  const { spec: _spec, ...rest } = http ?? {};
  const status = rest.status !== undefined && rest.status >= 400 && rest.status < 500 ? rest.status : 400;
  return { ...rest, status };
}
