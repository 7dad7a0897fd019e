// GraphQL Code Generator: prints the subgraph SDL to schema/schema.graphql (as composition sees
// it, federation directives included), generates typed documents for the example frontend
// operations and writes their manifest of trusted documents (persisted-documents.json).
import { printSubgraphSchema } from '@apollo/subgraph';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { schema } from './schema/index.js';

const config: CodegenConfig = {
  // What clients can query: the API schema, without federation's own directive definitions.
  schema: printSchema(schema),
  documents: 'examples/frontend/operations/*.graphql',
  // This project is ESM under NodeNext: generated relative imports need their .js extension.
  emitLegacyCommonJSImports: false,
  generates: {
    'schema/schema.graphql': {
      // The subgraph SDL verbatim; the schema-ast printer would drop the @link schema extension.
      plugins: [{ add: { content: printSubgraphSchema(schema) } }],
    },
    'examples/frontend/generated/': {
      preset: 'client',
      config: {
        enumsAsTypes: true,
        // Of the graph's own types only enums, inputs and scalars: a frontend reads answers through the
        // operations' result types, and the 5.x preset would otherwise print every object type too.
        onlyOperationTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', SafeInt: 'number' },
      },
      presetConfig: {
        fragmentMasking: false,
        // Each document carries its SHA-256 (`__meta__.hash`), the key a gateway enforcing trusted
        // documents looks it up by (`extensions.persistedQuery.sha256Hash`), and the manifest maps
        // every hash to its document.
        persistedDocuments: { hashAlgorithm: 'sha256' },
      },
    },
  },
};

export default config;
