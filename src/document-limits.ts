// Bounds a GraphQL document before anything parses it. graphql-js parses recursively, one stack
// frame per nested selection set, list, object or argument list: a few thousand levels overflow
// the stack (a RangeError, a 500 and a stack trace in the log per request), so the nesting is
// counted first, in one pass that only skips strings and comments.
import type { Plugin } from 'graphql-yoga';
import type { Limits } from './config/index.js';
import { clientError, ErrorCode } from './errors.js';

const OPENING = new Set(['{', '[', '(']);
const CLOSING = new Set(['}', ']', ')']);

/** Whether brackets of any kind (`{`, `[`, `(`) outside strings and comments nest deeper than `max`. */
export function nestsDeeperThan(source: string, max: number): boolean {
  let depth = 0;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (OPENING.has(char)) {
      depth += 1;
      if (depth > max) return true;
    } else if (CLOSING.has(char)) {
      // A closing bracket too many is a syntax error; it must not buy room for more opening ones.
      depth = Math.max(0, depth - 1);
    } else if (char === '"') {
      index = endOfString(source, index);
    } else if (char === '#') {
      index = endOfLine(source, index);
    }
  }
  return false;
}

/** The index of the last character of the string that starts at `start` (a block string or a quoted one). */
function endOfString(source: string, start: number): number {
  if (source.startsWith('"""', start)) {
    for (let index = start + 3; index < source.length; index++) {
      if (source.startsWith('\\"""', index)) index += 3;
      else if (source.startsWith('"""', index)) return index + 2;
    }
    return source.length;
  }
  for (let index = start + 1; index < source.length; index++) {
    const char = source[index];
    if (char === '\\') index += 1;
    // A quoted string ends at its line's end, closed or not (the parser reports the unclosed one).
    else if (char === '"' || char === '\n' || char === '\r') return index;
  }
  return source.length;
}

function endOfLine(source: string, start: number): number {
  for (let index = start + 1; index < source.length; index++) {
    if (source[index] === '\n' || source[index] === '\r') return index;
  }
  return source.length;
}

/** Refuses, before it is parsed, a document that would take the parser too deep (400, BAD_USER_INPUT). */
export function useDocumentLimits(limits: Pick<Limits, 'maxNesting'>): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query !== 'string') return;
      if (nestsDeeperThan(params.query, limits.maxNesting)) {
        throw clientError(`The document nests deeper than ${limits.maxNesting} levels of braces, brackets and parentheses`, {
          extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } },
        });
      }
    },
  };
}
