// Trusted documents (persisted operations): the gateway serves a known frontend's operations by the
// hash its build wrote into a manifest (codegen's persisted-documents.json), and where they are
// enforced refuses every other document before reading it, so that an unknown document costs no
// parse, no validation and no cache entry.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { ConfigError, type SecurityConfig } from './config/index.js';
import { ErrorCode } from './model/errors.js';

type TrustedDocumentsConfig = NonNullable<SecurityConfig['trustedDocuments']>;

/** The manifest's documents by their SHA-256; a start-up error names what is wrong with it, never its text. */
export function readManifest(path: string): Map<string, string> {
  const where = `security.trustedDocuments.manifest (${path})`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(`${where} cannot be read as JSON: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${where} must be a JSON object from each document's SHA-256 to its text, as codegen's persisted-documents.json`);
  }
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(parsed)) {
    if (typeof document !== 'string' || createHash('sha256').update(document).digest('hex') !== hash) {
      throw new ConfigError(`${where}: the entry "${hash.slice(0, 64)}" is not a document under its SHA-256 (write the manifest with hashAlgorithm "sha256")`);
    }
    documents.set(hash, document);
  }
  return documents;
}

const refusal = (message: string, code: string) => ({ message, extensions: { code, http: { status: 400 } } });

/**
 * Serves the manifest's documents by hash (`extensions.persistedQuery.sha256Hash`, as Apollo's and
 * codegen's clients send it). `enforced`: nothing else is accepted; otherwise any document is too.
 */
export function useTrustedDocuments(config: TrustedDocumentsConfig, enforced: boolean): Plugin {
  const documents = readManifest(config.manifest);
  return usePersistedOperations({
    getPersistedOperation: (hash) => documents.get(hash) ?? null,
    allowArbitraryOperations: !enforced,
    customErrors: {
      persistedQueryOnly: refusal(
        'This gateway accepts only its trusted documents: send the SHA-256 of one as extensions.persistedQuery.sha256Hash, without a query',
        'PERSISTED_QUERY_ONLY',
      ),
      notFound: refusal('No trusted document has this hash', 'PERSISTED_QUERY_NOT_IN_LIST'),
      keyNotFound: refusal('Send a query, or the SHA-256 of a trusted document as extensions.persistedQuery.sha256Hash', 'PERSISTED_QUERY_ID_REQUIRED'),
    },
  }) as Plugin;
}
