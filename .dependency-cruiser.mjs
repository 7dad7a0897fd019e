// The house rules of the imports, as dependency-cruiser reads them: the layers of the gateway from
// the ground floor up, each importing only the ones below it; no circles; the sandbox and the
// gateway apart. test/architecture.test.ts runs them, and docs/architecture.md draws the layers.

/**
 * The layers of the gateway, the ground floor first. A file belongs to the first layer whose path
 * matches it, and imports only from its own layer and the ones before it.
 */
export const LAYERS = [
  {
    name: 'model',
    description: 'the job model: jobs, the filter, keys, phases, order, error codes',
    path: '^src/model/',
  },
  {
    name: 'runtime',
    description: 'what every upstream read passes: guard, budgets, turns, shared state, metrics, traces, logs',
    path: '^src/(observability/(?!plugin[.]ts$)|shared-state/|budget[.]ts$|source-guard[.]ts$|refusal-log[.]ts$|caller-turns[.]ts$)',
  },
  {
    name: 'read model',
    description: "each source's shared snapshot of its jobs, refreshed one at a time",
    path: '^src/read-model/',
  },
  {
    name: 'kinds',
    description: 'one folder per kind of upstream (client, adapter, mapper, config schema) and the contract they implement',
    path: '^src/((?!model/|observability/|shared-state/|read-model/|config/|sandbox/)[^/]+/|source-kind[.]ts$|config/(source|url)[.]ts$)',
  },
  {
    name: 'registry',
    description: 'the registry of kinds, the configuration, callers, the configured sources, their probes and live updates',
    path: '^src/(sources[.]ts$|source-registry[.]ts$|live-updates[.]ts$|auth[.]ts$|probe[.]ts$|config/(?!(source|url)[.]ts$))',
  },
  {
    name: 'resolvers',
    description: 'the request context, per-request loaders, the job list, paging, ids',
    path: '^resolvers/',
  },
  {
    name: 'schema',
    description: 'the Pothos schema: one file per kind beside the shared ones',
    path: '^schema/',
  },
  {
    name: 'server',
    description: 'yoga and its plugins (auth, limits, health, errors, observability, GraphiQL, the response cache), and npm start on one process or several workers',
    path: '^src/(main|server|workers|health|security|document-limits|trusted-documents|graphiql|error-codes|lean-errors|partial-errors|response-cache|shared-subscription-events|event-stream)[.]ts$|^src/observability/plugin[.]ts$',
  },
];

/** The local upstreams: a building of their own beside the gateway. */
export const SANDBOX = '^src/sandbox/';

/** Where the gateway starts the sandbox when no configuration names real upstreams. */
const START = '^src/main[.]ts$';

/** The gateway: everything under src/, resolvers/ and schema/ but the sandbox. */
const GATEWAY = '^(src/(?!sandbox/)|resolvers/|schema/)';

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name.replace(/ /g, '-')}`,
  comment: `The ${layer.name} layer imports only from itself and the layers below it (${LAYERS.slice(0, index).map(({ name }) => name).join(', ') || 'none: it is the ground floor'}).`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(index + 1).map(({ path }) => path) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No module reaches itself through its imports, type-only imports included: every arrow points one way.',
      severity: 'error',
      from: { path: '^(src|resolvers|schema|bench|test)/' },
      to: { circular: true },
    },
    {
      name: 'model-imports-nothing-above',
      comment: 'The job model is the ground floor: it imports packages, never a module of the project outside src/model/.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^(src|resolvers|schema|bench|test)/', pathNot: '^src/model/' },
    },
    {
      name: 'runtime-not-to-graphql',
      comment: 'What runs under src/ never reaches up into the GraphQL layer; only the wiring (src/main.ts, src/server.ts) assembles the two.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|server)[.]ts$' },
      to: { path: '^(resolvers|schema)/' },
    },
    ...layerRules,
    {
      name: 'sandbox-not-to-gateway',
      comment:
        "The sandbox imitates the upstreams on its own: it imports nothing of the gateway but an upstream's wire records (what the SDK's types are for AWS), and src/sandbox/index.ts, which hands npm start the configuration of its sources.",
      severity: 'error',
      from: { path: SANDBOX, pathNot: '^src/sandbox/index[.]ts$' },
      to: { path: GATEWAY, pathNot: '^src/sailpoint/records[.]ts$' },
    },
    {
      name: 'sandbox-configures-only',
      comment: 'src/sandbox/index.ts takes from the gateway only its configuration module, to describe its sources.',
      severity: 'error',
      from: { path: '^src/sandbox/index[.]ts$' },
      to: { path: GATEWAY, pathNot: ['^src/config/index[.]ts$', '^src/sailpoint/records[.]ts$'] },
    },
    {
      name: 'gateway-not-to-sandbox',
      comment: 'The gateway reads real upstreams; only npm start (src/main.ts) starts the sandbox when no configuration names any.',
      severity: 'error',
      from: { path: GATEWAY, pathNot: START },
      to: { path: SANDBOX },
    },
    {
      name: 'test-support-for-tests',
      comment: 'test/support/ serves the tests and the benchmarks, nothing that runs in production.',
      severity: 'error',
      from: { pathNot: '^(bench|test)/' },
      to: { path: '^test/support/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: a circle of types is a circle a reader has to untangle all the same.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
