// How a frontend uses the generated documents: the operation fixes the variables' and the
// answer's types, so a typo in a field or a variable fails at compile time. Against a gateway that
// accepts only trusted documents it sends a document's hash (which codegen stores in the document
// and its manifest) instead of its text.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLAnswer<Result> {
  data?: Result | null;
  errors?: { message: string; extensions?: { code?: string; sourceName?: string } }[];
}

/** What codegen's client preset adds to each document when it writes the manifest. */
interface HashedDocument {
  __meta__?: { hash?: string };
}

export async function request<Result, Variables>(
  url: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
  options: { byHash?: boolean } = {},
): Promise<GraphQLAnswer<Result>> {
  const hash = (document as HashedDocument).__meta__?.hash;
  if (options.byHash && !hash) throw new Error('The document carries no hash: run `npm run codegen`');
  const operation = options.byHash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } : { query: print(document) };
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ ...operation, variables }),
  });
  return (await response.json()) as GraphQLAnswer<Result>;
}
