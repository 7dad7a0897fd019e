// Loads and validates the gateway configuration: the HTTP port and the upstream sources it serves.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { unusableKeys } from '../auth.js';
import type { OtlpProtocol } from '../observability/tracing.js';
import type { Expansion, SourceEnvironment } from '../source-kind.js';
import { SOURCE_KINDS, type SourceConfig } from '../sources.js';
import { authSchema } from './auth.js';
import { callsPerWindow } from './source.js';
import { productionProblem, urlKeys, urlSetting } from './url.js';

const limitsSchema = z
  .object({
    maxDepth: z.number().int().min(2).max(100).default(10),
    maxAliases: z.number().int().min(1).max(1000).default(100),
    maxTokens: z.number().int().min(100).max(100_000).default(10_000),
    maxDirectives: z.number().int().min(1).max(1000).default(20),
    /** Brackets (`{`, `[`, `(`) nested in a document, counted before it is parsed; the parser recurses once per level. */
    maxNesting: z.number().int().min(2).max(500).default(64),
    /** The document's size in bytes (UTF-8), checked before it is parsed. */
    maxDocumentBytes: z.number().int().min(1024).max(1024 * 1024).default(64 * 1024),
    /** Operations and fragments in one document, counted before it is parsed. */
    maxDefinitions: z.number().int().min(1).max(10_000).default(100),
    maxCost: z.number().int().min(100).max(10_000_000).default(50_000),
    maxPageSize: z.number().int().min(1).max(1000).default(100),
    /** Representations one `_entities` call may ask for (routers batch a whole list into one call). */
    maxRepresentations: z.number().int().min(1).max(10_000).default(1_000),
    /** Upstream calls one request may make, however its fields, aliases and lists multiply. */
    maxUpstreamCalls: z.number().int().min(1).max(100_000).default(200),
    /** How long one request may run; upstream calls still under way then are cancelled. */
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(15_000),
    maxBodyBytes: z.number().int().min(1024).max(10 * 1024 * 1024).default(256 * 1024),
    /**
     * Upstream reads one caller may cause in any window (a refresh of a source's read model or a
     * direct lookup); past it, what needs a new read fails with RATE_LIMITED, and what the read
     * model already holds is still served.
     */
    callerBudget: callsPerWindow.default({ calls: 30, perSeconds: 10 }),
    /**
     * Operations of one caller that compute at once; its others wait their turn, so a caller with
     * many requests in flight cannot hold up another's. An operation waiting for an upstream lends
     * its turn out for the wait.
     */
    callerConcurrency: z.number().int().min(1).max(10_000).default(1),
    /** How long a client may take to send a request's headers; a connection that sends nothing counts from when it opened (408, closed). */
    headersTimeoutMs: z.number().int().min(1_000).max(120_000).default(10_000),
    /** How long a client may take to send a whole request, headers and body (408, closed). */
    receiveTimeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
    /** How long a connection may sit idle after an answer before it is closed. */
    keepAliveTimeoutMs: z.number().int().min(100).max(600_000).default(5_000),
    /** Connections one process holds open at once; past it a new connection is closed as it arrives. */
    maxConnections: z.number().int().min(1).max(100_000).default(1_000),
    /** Connections one client address holds open at once, so that one address cannot take every connection. */
    maxConnectionsPerAddress: z.number().int().min(1).max(100_000).default(250),
    /** Subscriptions one caller holds open at once on the gateway, every worker and replica sharing its state counted (each is also a connection). */
    maxSubscriptionsPerCaller: z.number().int().min(1).max(100_000).default(20),
    /** Subscriptions the gateway holds open at once, of every caller, counted as maxSubscriptionsPerCaller is. */
    maxSubscriptions: z.number().int().min(1).max(100_000).default(500),
  })
  .strict()
  .superRefine((limits, ctx) => {
    // Node's HTTP server refuses this pair at start-up with a message that names neither key.
    if (limits.headersTimeoutMs > limits.receiveTimeoutMs) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['headersTimeoutMs'], message: 'must not be longer than receiveTimeoutMs, which includes the headers' });
    }
  });

const securitySchema = z
  .object({
    /** Who may call the gateway and which sources each caller sees; absent: anyone, every source. */
    auth: authSchema.optional(),
    /**
     * Production mode. A configuration file means a deployment, so it defaults to on there (see
     * parseConfig); on the sandbox it is on only with NODE_ENV=production.
     */
    production: z.boolean().optional(),
    /** Serve GraphiQL even in production mode. */
    graphiql: z.boolean().optional(),
    /** Answer introspection even in production mode. */
    introspection: z.boolean().optional(),
    /**
     * Trusted documents: the manifest of a known frontend's operations (`npm run codegen` writes
     * the example frontend's). Production mode then serves those by hash and refuses any other
     * document, unless GraphiQL is served; development accepts any document beside them.
     */
    trustedDocuments: z
      .object({
        /** Path of the manifest: a JSON object from each document's SHA-256 (hex) to its text. */
        manifest: z.string().min(1, 'must be the path of a manifest such as examples/frontend/generated/persisted-documents.json'),
      })
      .strict()
      .optional(),
    /** Browser origins allowed by CORS in production mode (development allows any). */
    corsOrigins: z.array(urlSetting('an origin such as https://backups.example.com')).default([]),
    limits: limitsSchema.default({}),
  })
  .strict();

/** Paths the gateway already serves, which the metrics cannot take. */
const RESERVED_PATHS = ['/graphql', '/health', '/readiness'];

/**
 * Prometheus metrics. Traces and the log format are set by the environment (OTEL_*, LOG_FORMAT),
 * as collectors and log shippers expect; see docs/observability.md.
 */
const metricsSchema = z
  .object({
    /**
     * Absent: served, except on a gateway with `security.auth` and no `sha256`, whose callers must
     * not learn the configured sources' names from the metrics' labels either.
     */
    enabled: z.boolean().optional(),
    path: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/, 'must be a URL path such as /metrics')
      .refine((path) => !RESERVED_PATHS.includes(path), `must not be one of ${RESERVED_PATHS.join(', ')}`)
      .default('/metrics'),
    /** SHA-256 of the token a scraper sends as "Authorization: Bearer <token>"; absent: none needed. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the token as 64 lowercase hex digits').optional(),
    /** Distinct operation names that get a label of their own; the ones after them count as "other". */
    maxOperationNames: z.number().int().min(0).max(1000).default(50),
  })
  .strict();

const observabilitySchema = z
  .object({
    metrics: metricsSchema.default({}),
  })
  .strict();

/** Whole answers kept and served again while the snapshots they were built from stay fresh; see docs/performance.md. */
const responseCacheSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Answers kept in memory at most (the least recently used go first); with Redis, Redis keeps them. */
    maxEntries: z.number().int().min(1).max(1_000_000).default(1_000),
  })
  .strict();

/** The configuration schema of each kind of a list, in its order. */
type ConfigSchemas<Kinds extends readonly unknown[]> = { -readonly [Index in keyof Kinds]: Kinds[Index] extends { config: infer Schema } ? Schema : never };

/** One entry of `sources` of any registered kind, told apart by its `kind` key. */
const sourceSchema = z.discriminatedUnion('kind', SOURCE_KINDS.map((kind) => kind.config) as ConfigSchemas<typeof SOURCE_KINDS>);

type SourceEntry = z.output<typeof sourceSchema>;

/** What one entry stands for, as its kind expands it. */
function expandEntry(entry: SourceEntry): Expansion<SourceEntry, SourceConfig> {
  const kind = SOURCE_KINDS.find(({ configKind }) => configKind === entry.kind) as { expand?: (entry: SourceEntry) => Expansion<SourceEntry, SourceConfig> } | undefined;
  return kind?.expand ? kind.expand(entry) : [entry as SourceConfig];
}

/** A problem of one entry, at its path. */
interface Problem {
  path: (string | number)[];
  message: string;
}

const configFileSchema = z
  .object({
    security: securitySchema.default({}),
    observability: observabilitySchema.default({}),
    responseCache: responseCacheSchema.default({}),
    sources: z.array(sourceSchema).min(1, 'must list at least one source'),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.security.production ?? true) productionUrlProblems(config, ctx);
    const expansions = config.sources.map(expandEntry);
    const problems = config.sources.flatMap((entry, index): Problem[] => {
      const expanded = expansions[index]!;
      if ('problem' in expanded) return [{ path: ['sources', index], message: expanded.problem }];
      return timeoutProblem(entry, index, config.security.limits.requestTimeoutMs);
    });
    // Sources an entry must ask its upstream for have no names yet: resolveConfig checks them once it has.
    const known = expansions.map((expanded) => (Array.isArray(expanded) ? expanded : []));
    for (const problem of [...problems, ...duplicateNames(known)]) ctx.addIssue({ code: z.ZodIssueCode.custom, ...problem });
  });

type CheckedConfig = z.output<typeof configFileSchema>;

function timeoutProblem(entry: SourceEntry, index: number, requestTimeoutMs: number): Problem[] {
  if (entry.timeoutMs < requestTimeoutMs) return [];
  return [
    {
      path: ['sources', index, 'timeoutMs'],
      message:
        "must be shorter than security.limits.requestTimeoutMs: a call cut by the request's deadline says nothing about the source, so a source that hangs would never open its circuit",
    },
  ];
}

/** A name that more than one source takes, at the entry of its second source; `sources` lists each entry's sources. */
function duplicateNames(sources: readonly (readonly SourceConfig[])[]): Problem[] {
  const seen = new Set<string>();
  return sources.flatMap((ofEntry, index) =>
    ofEntry.flatMap((source): Problem[] => {
      const taken = seen.has(source.name);
      seen.add(source.name);
      return taken ? [{ path: ['sources', index, 'name'], message: `"${source.name}" is used by more than one source; names must be unique` }] : [];
    }),
  );
}

/** The configuration once every entry has become the sources it stands for. */
function withSources(config: CheckedConfig, sources: readonly (readonly SourceConfig[])[], origin: string): GatewayConfig {
  const duplicates = duplicateNames(sources);
  if (duplicates.length > 0) throw invalid(origin, duplicates);
  config.security.production ??= true;
  return { ...config, sources: sources.flat() };
}

/** Every URL setting of a production configuration that production mode refuses (see ./url.ts). */
function productionUrlProblems(config: { security: z.infer<typeof securitySchema>; sources: readonly SourceEntry[] }, ctx: z.RefinementCtx): void {
  const urls: { path: (string | number)[]; value: string | undefined }[] = [
    { path: ['security', 'auth', 'jwt', 'jwksUrl'], value: config.security.auth?.jwt?.jwksUrl },
    ...config.security.corsOrigins.map((value, index) => ({ path: ['security', 'corsOrigins', index], value })),
    ...config.sources.flatMap((source, index) => {
      const kind = SOURCE_KINDS.find((candidate) => candidate.configKind === source.kind)!;
      return urlKeys(kind.config.shape).map((key) => ({ path: ['sources', index, key], value: (source as Record<string, unknown>)[key] as string | undefined }));
    }),
  ];
  for (const { path, value } of urls) {
    const problem = value === undefined ? null : productionProblem(value);
    if (problem !== null) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: problem });
  }
}

export type { SourceConfig };

export type SecurityConfig = z.infer<typeof securitySchema>;

export type Limits = SecurityConfig['limits'];

export type ObservabilityConfig = z.infer<typeof observabilitySchema>;

export type MetricsConfig = ObservabilityConfig['metrics'];

export type ResponseCacheConfig = z.infer<typeof responseCacheSchema>;

export interface GatewayConfig {
  sources: SourceConfig[];
  security: SecurityConfig;
  observability: ObservabilityConfig;
  responseCache: ResponseCacheConfig;
  /**
   * Set only by the embedded sandbox's own configuration, never by a file: every source is one of
   * its local servers, so an anonymous caller may act on them (see src/auth.ts).
   */
  sandbox?: true;
}

/** One source from its JSON form, every default filled in; for configurations built in code (the sandbox, tests). */
export function parseSource(input: unknown): SourceConfig {
  const expanded = expandEntry(sourceSchema.parse(input));
  if (!Array.isArray(expanded) || expanded.length !== 1) throw new ConfigError(`a source: ${'problem' in expanded ? expanded.problem : 'stands for more than one source'}`);
  return expanded[0]!;
}

/** Security settings from their JSON form, every default filled in; none at all gives the defaults. */
export function parseSecurity(input: unknown = {}): SecurityConfig {
  return securitySchema.parse(input);
}

/** Observability settings from their JSON form, every default filled in; none at all gives the defaults. */
export function parseObservability(input: unknown = {}): ObservabilityConfig {
  return observabilitySchema.parse(input);
}

/** Response cache settings from their JSON form, every default filled in; none at all gives the defaults. */
export function parseResponseCache(input: unknown = {}): ResponseCacheConfig {
  return responseCacheSchema.parse(input);
}

/** Whether the metrics are served: see `enabled` above. */
export function metricsServed(metrics: MetricsConfig, security: SecurityConfig): boolean {
  return metrics.enabled ?? (security.auth === undefined || metrics.sha256 !== undefined);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Validates a parsed configuration object, naming every bad key and why. */
function checkConfig(input: unknown, origin: string): CheckedConfig {
  const result = configFileSchema.safeParse(input);
  if (!result.success) throw invalid(origin, result.error.issues);
  return result.data;
}

/**
 * Validates a parsed configuration object, naming every bad key and why, and turns each entry into
 * the sources it stands for. An entry that must ask its upstream which they are (an AWS entry for
 * every enabled Region) is refused here: only `resolveConfig` asks.
 */
export function parseConfig(input: unknown, origin = 'configuration'): GatewayConfig {
  const config = checkConfig(input, origin);
  const sources = config.sources.map((entry, index) => {
    const expanded = expandEntry(entry);
    if (!Array.isArray(expanded)) throw invalid(origin, [{ path: ['sources', index], message: 'stands for sources only its upstream can list, which the gateway asks at start' }]);
    return expanded;
  });
  return withSources(config, sources, origin);
}

/**
 * `parseConfig`, except that an entry whose sources only its upstream can tell asks it, once: the
 * gateway's start. An upstream that does not answer stops the start, naming the entry and why.
 */
export async function resolveConfig(input: unknown, origin = 'configuration'): Promise<GatewayConfig> {
  const config = checkConfig(input, origin);
  const outcomes = await Promise.all(
    config.sources.map(async (entry): Promise<SourceConfig[] | { problem: string }> => {
      const expanded = expandEntry(entry);
      if (!('ask' in expanded)) return expanded as SourceConfig[];
      const answered = await expanded.ask();
      return 'problem' in answered ? answered : (expandEntry(answered) as SourceConfig[] | { problem: string });
    }),
  );
  const problems = outcomes.flatMap((outcome, index) => ('problem' in outcome ? [{ path: ['sources', index], message: `("${config.sources[index]!.name}") ${outcome.problem}` }] : []));
  if (problems.length > 0) throw unresolved(origin, problems);
  return withSources(config, outcomes as SourceConfig[][], origin);
}

/** The one form of every configuration error: each bad key by its path and why, never its value. */
function invalid(origin: string, problems: readonly { path: readonly (string | number)[]; message: string }[]): ConfigError {
  return new ConfigError(`Invalid ${origin}:\n${problemLines(problems)}`);
}

/** A valid configuration whose upstreams could not say what some of its entries stand for. */
function unresolved(origin: string, problems: readonly Problem[]): ConfigError {
  return new ConfigError(`Cannot start over ${origin}:\n${problemLines(problems)}`);
}

function problemLines(problems: readonly { path: readonly (string | number)[]; message: string }[]): string {
  return problems.map(({ path, message }) => `  - ${path.length > 0 ? path.join('.') : '(top level)'}: ${message}`).join('\n');
}

/**
 * Reads the file named by GATEWAY_CONFIG and adds each source the environment describes (for
 * SailPoint, SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET, the variables its own tools
 * read; each kind names its variables in its `environment`): into the file's source of that kind
 * and name when there is one (which then holds only its tuning), as a source of its own
 * otherwise. Returns null when neither is set, which means "run on the embedded sandbox". Static
 * JWT keys are imported here, so that a key no token could verify with stops the start rather
 * than fail every request.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig | null> {
  const file = env.GATEWAY_CONFIG;
  const fromFile = file ? await readConfigFile(file) : undefined;
  const fromEnv = sourcesFromEnv(env);
  if (!file && fromEnv.length === 0) return null;
  const variables = `${fromEnv.map((source) => source.environment.label).join(' and ')} variables`;
  const origin = fromEnv.length === 0
    ? `GATEWAY_CONFIG file ${file}`
    : file
      ? `configuration (GATEWAY_CONFIG file ${file} plus ${variables})`
      : variables;
  const json = fromEnv.length === 0 ? fromFile : fromEnv.reduce((merged: unknown, source) => withEnvSource(merged, source, origin), fromFile ?? {});
  const config = await resolveConfig(json, origin);
  const jwt = config.security.auth?.jwt;
  const unusable = jwt ? await unusableKeys(jwt) : [];
  if (unusable.length > 0) {
    throw invalid(origin, unusable.map(({ index, reason }) => ({ path: ['security', 'auth', 'jwt', 'keys', index], message: reason })));
  }
  return config;
}

/** One source the environment describes: its kind's variables, its name and the keys they set. */
interface EnvSource {
  configKind: string;
  environment: SourceEnvironment;
  name: string;
  keys: Record<string, string>;
}

/** The source each kind's variables describe, for every kind whose variables are set. */
function sourcesFromEnv(env: NodeJS.ProcessEnv): EnvSource[] {
  return SOURCE_KINDS.flatMap(({ configKind, environment }): EnvSource[] => {
    if (!environment) return [];
    const keys = Object.keys(environment.variables);
    const missing = keys.filter((key) => !env[environment.variables[key]!]).map((key) => environment.variables[key]!);
    if (missing.length === keys.length) return [];
    if (missing.length > 0) {
      throw new ConfigError(`${environment.subject} from the environment is incomplete: set ${missing.join(', ')} as well`);
    }
    const values = Object.fromEntries(keys.map((key) => [key, env[environment.variables[key]!]!]));
    return [{ configKind, environment, name: env[environment.nameVariable] || environment.defaultName, keys: values }];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The file's JSON with a source from the environment in it. A file that is not an object with a
 * list of sources is left for parseConfig to report; a key that both the file's entry and a
 * variable set is refused, since either one would be silently ignored.
 */
function withEnvSource(json: unknown, source: EnvSource, origin: string): unknown {
  if (!isRecord(json)) return json;
  const sources: unknown = json.sources ?? [];
  if (!Array.isArray(sources)) return json;
  const index = sources.findIndex((entry) => isRecord(entry) && entry.kind === source.configKind && entry.name === source.name);
  if (index === -1) return { ...json, sources: [...sources, { kind: source.configKind, name: source.name, ...source.keys }] };
  const entry = sources[index] as Record<string, unknown>;
  const doubled = Object.keys(source.keys).filter((key) => entry[key] !== undefined);
  if (doubled.length > 0) {
    throw invalid(
      origin,
      doubled.map((key) => ({ path: ['sources', index, key], message: `is also set by ${source.environment.variables[key]}; set it in one place` })),
    );
  }
  return { ...json, sources: sources.map((other, at) => (at === index ? { ...entry, ...source.keys } : other)) };
}

async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read GATEWAY_CONFIG file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`GATEWAY_CONFIG file ${path} is not valid JSON${whereJsonFailed(text, error as Error)}`);
  }
}

/**
 * Where the JSON parser stopped, as line and column. The parser's own message is not shown: it
 * quotes the text around the error, which in this file can be a client secret.
 */
function whereJsonFailed(text: string, error: Error): string {
  const position = /at position (\d+)/.exec(error.message)?.[1];
  if (position === undefined) return '';
  const before = text.slice(0, Number(position));
  return ` at line ${before.split('\n').length}, column ${before.length - before.lastIndexOf('\n')}`;
}

/** The HTTP port, from PORT (default 4000). */
export function readPort(env: NodeJS.ProcessEnv = process.env, fallback = 4000): number {
  const raw = env.PORT;
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`PORT must be an integer between 0 and 65535, got "${raw}"`);
  }
  return port;
}

/** The log format, from LOG_FORMAT: `text` (default: plain lines) or `json` (one object per line). */
export function readLogFormat(env: NodeJS.ProcessEnv = process.env): 'text' | 'json' {
  const raw = env.LOG_FORMAT;
  if (raw === undefined || raw === '' || raw === 'text') return 'text';
  if (raw === 'json') return 'json';
  throw new ConfigError(`LOG_FORMAT must be text or json, got "${raw}"`);
}

/**
 * Whether to export traces, from the OpenTelemetry SDK's standard variables: OTEL_SDK_DISABLED,
 * OTEL_TRACES_EXPORTER (otlp or none) and the OTLP protocol. Unlike the SDK's own default, nothing
 * is exported unless an exporter or an endpoint is named: a gateway must not send spans to a
 * localhost collector nobody asked for. Returns null for no traces.
 */
export function readTracesExport(env: NodeJS.ProcessEnv = process.env): { protocol: OtlpProtocol } | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (exporters.includes('none')) return null;
  const unsupported = exporters.filter((name) => name !== 'otlp');
  if (unsupported.length > 0) throw new ConfigError(`OTEL_TRACES_EXPORTER must be otlp or none, got "${unsupported.join(', ')}"`);
  if (exporters.length === 0 && !env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return null;
  const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new ConfigError(`The OTLP protocol must be http/protobuf or http/json (a collector's port 4318), got "${protocol}"`);
  }
  return { protocol };
}
