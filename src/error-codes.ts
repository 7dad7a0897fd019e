// Makes every error a client sees carry an extensions.code and nothing from inside the server:
// request-level errors that graphql-js leaves without a code (variables that do not coerce) get
// BAD_USER_INPUT, HTTP-level refusals without one (CSRF) BAD_REQUEST, the JSON parser's message
// that yoga attaches as `originalError` (it quotes the body) is dropped, and the bare 4xx answers
// yoga gives without a body get a GraphQL error body. Query-string JSON that yoga would fail on
// with a 500 (variables or extensions of a GET) is refused as a bad request first.
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode, reissue } from './errors.js';

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

function withCleanExtensions(error: GraphQLError, ran: boolean): GraphQLError {
  const { originalError, ...extensions } = error.extensions as Record<string, unknown> & { originalError?: { name?: string } };
  if (extensions.code && originalError === undefined) return error;
  // An error that points into the document is about the operation or its variables; one that does not, about the HTTP request.
  const fallbackCode = ran ? 'INTERNAL_SERVER_ERROR' : error.locations?.length ? ErrorCode.BAD_USER_INPUT : 'BAD_REQUEST';
  return reissue(error, {
    extensions: {
      ...extensions,
      code: extensions.code ?? fallbackCode,
      // Yoga picks the HTTP status by whether an originalError is present; its name alone keeps that status.
      ...(originalError === undefined ? {} : { originalError: { name: originalError.name ?? 'Error' } }),
    },
  });
}
