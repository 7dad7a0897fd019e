// Bounds a GraphQL document before anything parses it: its size, its definitions (operations and
// fragments) and how deeply its brackets nest. graphql-js parses recursively, one stack frame per
// nested selection set, list, object or argument list: a few thousand levels overflow the stack (a
// RangeError, a 500 and a stack trace in the log per request). And a parsed document costs a
// hundred times its size in memory and hundreds of milliseconds of CPU per thousand fragments, so a
// document past the bounds is refused unread (one pass that only skips strings and comments), and
// the cache of parsed documents is bounded by their size.
import { LRUCache } from 'lru-cache';
import type { DocumentNode } from 'graphql';
import type { Plugin, YogaServerOptions } from 'graphql-yoga';
import type { Limits } from './config/index.js';
import { clientError, ErrorCode } from './model/errors.js';

export type DocumentLimits = Pick<Limits, 'maxDocumentBytes' | 'maxDefinitions' | 'maxNesting'>;

const OPENING = new Set(['{', '[', '(']);
const CLOSING = new Set(['}', ']', ')']);

/** Why the document is refused before it is parsed, or undefined when it is within the limits. */
export function documentRefusal(source: string, limits: DocumentLimits): string | undefined {
  const bytes = Buffer.byteLength(source);
  if (bytes > limits.maxDocumentBytes) return `The document is ${bytes} bytes long; at most ${limits.maxDocumentBytes} are accepted`;
  let depth = 0;
  let definitions = 0;
  for (let index = 0; index < source.length; index++) {
    const char = source[index]!;
    if (OPENING.has(char)) {
      // Every operation and fragment has exactly one selection set outside any bracket.
      if (depth === 0 && char === '{' && ++definitions > limits.maxDefinitions) {
        return `The document holds more than ${limits.maxDefinitions} definitions (operations and fragments)`;
      }
      depth += 1;
      if (depth > limits.maxNesting) return `The document nests deeper than ${limits.maxNesting} levels of braces, brackets and parentheses`;
    } else if (CLOSING.has(char)) {
      // A closing bracket too many is a syntax error; it must not buy room for more opening ones.
      depth = Math.max(0, depth - 1);
    } else if (char === '"') {
      index = endOfString(source, index);
    } else if (char === '#') {
      index = endOfLine(source, index);
    }
  }
  return undefined;
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

/**
 * Refuses, before it is parsed, a document past the limits (400, BAD_USER_INPUT). A document the
 * parse cache holds (`parsed`) passed them when it first came, and is not scanned again: the scan of
 * a dashboard's document was a twentieth of what serving its kept answer cost.
 */
export function useDocumentLimits(limits: DocumentLimits, parsed: (source: string) => boolean = () => false): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query !== 'string' || parsed(params.query)) return;
      const refusal = documentRefusal(params.query, limits);
      if (refusal) throw clientError(refusal, { extensions: { code: ErrorCode.BAD_USER_INPUT, http: { status: 400 } } });
    },
  };
}

/** The largest document kept parsed, in characters: a larger one is parsed again each time it comes. */
const MAX_CACHED_DOCUMENT = 16 * 1024;
/** The characters of every document kept parsed together; a parsed document holds about a hundred bytes per character. */
const MAX_CACHED_TOTAL = 512 * 1024;

/**
 * Yoga's cache of parsed documents, bounded by what they hold rather than by their number (yoga's
 * own keeps 1,024 documents of any size for an hour, each with every token of its text: unique
 * large documents grew it by gigabytes). It keeps only documents that passed validation, and no
 * parse errors: a refused document is parsed again when it comes again, within its caller's turn.
 */
export function boundedParseCache(): {
  options: NonNullable<YogaServerOptions<object, object>['parserAndValidationCache']>;
  plugin: Plugin;
  /** Whether this document is kept parsed (it passed the document limits and validation). */
  has(source: string): boolean;
} {
  const documents = new LRUCache<string, DocumentNode>({
    maxSize: MAX_CACHED_TOTAL,
    maxEntrySize: MAX_CACHED_DOCUMENT,
    sizeCalculation: (_document, source) => Math.max(1, source.length),
  });
  return {
    options: { documentCache: documents, errorCache: { get: () => undefined, set: () => undefined } },
    has: (source) => documents.has(source),
    plugin: {
      onValidate({ params: { documentAST } }) {
        return ({ result }) => {
          const source = documentAST.loc?.source.body;
          if (result.length > 0 && source !== undefined) documents.delete(source);
        };
      },
    },
  };
}
