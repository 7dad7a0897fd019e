// How a frontend uses the generated documents: the operation fixes the variables' and the
// answer's types, so a typo in a field or a variable fails at compile time.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

export interface GraphQLAnswer<Result> {
  data?: Result | null;
  errors?: { message: string; extensions?: { code?: string; sourceName?: string } }[];
}

export async function request<Result, Variables>(
  url: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<GraphQLAnswer<Result>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await response.json()) as GraphQLAnswer<Result>;
}
