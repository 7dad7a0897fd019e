// The response cache: a whole answer is served again, without running its query, while the
// read-model snapshots it was built from stay fresh, and dropped as soon as one of them changes.
import { createHash } from 'node:crypto';
import type { BuildResponseCacheKeyFunction } from '@envelop/response-cache';
import { useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Caller } from './auth.js';
import { recordResponseCache } from './observability/metrics.js';
import type { ResponseCacheConfig } from './config/index.js';
import type { Reader, SourcePart } from './read-model/source-read-model.js';
import type { SourceHealth } from './source-guard.js';
import type { SourceRegistry } from './source-registry.js';

/** The entity an answer names for each source it read; invalidating it drops every answer built from that source. */
const SOURCE_ENTITY = 'backup-graph:response-source';
const KEY_PREFIX = 'backup-graph:response:';
/** Answers served from the cache say so in this header. */
export const RESPONSE_CACHE_HEADER = 'x-response-cache';
/** How the yoga plugin marks an answer it served from the cache. */
export const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

/** What the cache reads of a request's context: what its execution was served of each source, and whose last call it shows. */
interface WithReads {
  reader: Reader;
  lastCallsShown: ReadonlyMap<string, SourceHealth | undefined>;
}

/** What an answer stands on: the snapshots it read, and the sources whose last call it shows. */
interface Basis {
  parts: readonly SourcePart[];
  lastCalls: ReadonlyMap<string, SourceHealth | undefined>;
}

const sameOutcome = (a: SourceHealth | undefined, b: SourceHealth | undefined) => a?.reachable === b?.reachable && a?.errorCode === b?.errorCode;

/** What an answer built from a source names, and what dropping that source's answers invalidates. */
export const sourceEntity = (sourceName: string) => ({ typename: SOURCE_ENTITY, id: sourceName });

/**
 * The response cache over the registry's shared state (this process, or Redis for every replica).
 * An answer is keyed by its document, variables and the set of sources its caller may see, so
 * callers with the same rights share answers and no answer reaches a caller who may not see one of
 * its sources. It is kept only when it has no errors, read no job beyond a snapshot, and every
 * snapshot it read was fresh; for the least time left before one of them is due for a refresh; and
 * each source's answers go when that source's read model stores a new version, or when the outcome
 * of its latest call changes.
 */
export function useSnapshotResponseCache(sources: SourceRegistry, config: ResponseCacheConfig, callerOf: (request: Request) => Caller): Plugin {
  const store = sources.state.responseCache(config.maxEntries);
  /** Drops of a source's answers under way (in Redis, or in the other workers): answers wait for them to end. */
  const dropping = new Set<Promise<void>>();
  for (const source of sources.all) {
    const drop = () => {
      const dropped = Promise.resolve(store.invalidate([sourceEntity(source.name)])).catch(() => undefined);
      dropping.add(dropped);
      void dropped.finally(() => dropping.delete(dropped));
    };
    sources.readModel(source.name)!.onChange(drop);
    source.onHealthChange(drop);
  }
  const freshFor = new Map(sources.all.map((source) => [source.name, source.freshness.refreshAfterMs]));
  // An answer that read no source (a malformed id, a source filter that names none) is kept as long as the longest freshness.
  const longest = Math.max(0, ...freshFor.values());

  const visibleSets = new WeakMap<Caller, string>();
  const session = (request: Request): string => {
    const caller = callerOf(request);
    let visible = visibleSets.get(caller);
    if (visible === undefined) {
      visible = sources.all.filter((source) => caller.maySee(source.name)).map((source) => source.name).join('\n');
      visibleSets.set(caller, visible);
    }
    return visible;
  };

  /** How long an answer may be served again, from what its execution read: 0 when it may not. */
  const validity = ({ reader }: WithReads): number => {
    if (reader.beyondSnapshot) return 0;
    const now = Date.now();
    let ttl = longest;
    for (const part of reader.served) {
      if (!part.snapshot || part.stale) return 0;
      ttl = Math.min(ttl, part.snapshot.fetchedAt + freshFor.get(part.sourceName)! - now);
    }
    return Math.max(0, Math.floor(ttl));
  };

  // The plugin decides the time to live, then whether to keep, then keeps, in one synchronous run
  // per answer; what the answer read passes from the first step to the last under its key.
  const keys = new WeakMap<object, string>();
  const bases = new Map<string, Basis>();
  const cache: Cache = {
    get: (key) => store.get(key),
    set: async (key, result, _entities, ttl) => {
      const basis = bases.get(key);
      bases.delete(key);
      if (!basis) return;
      const { parts, lastCalls } = basis;
      const named = new Set([...parts.map((part) => part.sourceName), ...lastCalls.keys()]);
      await store.set(key, withoutRevalidation(result), [...named].map(sourceEntity), ttl);
      recordResponseCache('kept');
      // A version stored, or a call's outcome changed, while the answer was built (a slice of a first
      // read filled in, the refresh that read made) dropped the source's answers before this one was
      // kept: drop it too.
      const moved = await Promise.all(parts.map(async (part) => ((await sources.readModel(part.sourceName)!.current()) === part.snapshot ? [] : [part.sourceName])));
      const called = [...lastCalls].filter(([name, shown]) => !sameOutcome(shown, sources.get(name)?.health)).map(([name]) => name);
      const dropped = [...moved.flat(), ...called];
      if (dropped.length > 0) await store.invalidate(dropped.map(sourceEntity));
    },
    invalidate: (entities) => store.invalidate(entities),
  };

  const hits = new WeakSet<Request>();
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(
        useResponseCache<object>({
          cache,
          session,
          buildResponseCacheKey: (params) => {
            const key = KEY_PREFIX + responseKey(params);
            keys.set(params.context as object, key);
            return key;
          },
          // Fields that change with time or with every call, not with a snapshot: a circuit opens and
          // half-opens by the clock, a probe is made per request, a fetch time moves with every refresh.
          // A last call's outcome is kept: its change drops the answers that show it.
          ttlPerSchemaCoordinate: { 'BackupSource.circuit': 0, 'BackupSource.health': 0, 'BackupSource.fetchedAt': 0, 'SourceLastCall.checkedAt': 0 },
          // Entities are the sources an answer read, not the objects it holds: no ids to add to the document.
          idFields: [],
          // Mutations are never kept: the plugin runs them apart (and with this off, it would key and keep them as queries).
          invalidateViaMutation: true,
          onTtl: ({ ttl, context }) => {
            const kept = Math.min(ttl, validity(context as WithReads));
            const { reader, lastCallsShown } = context as WithReads;
            if (kept > 0) bases.set(keys.get(context)!, { parts: [...reader.served], lastCalls: new Map(lastCallsShown) });
            return kept;
          },
          shouldCacheResult: ({ cacheKey, result }) => {
            if (!result.errors?.length) return true;
            bases.delete(cacheKey);
            return false;
          },
        }),
      );
    },
    onResultProcess({ request, result, setResult }) {
      if (!Array.isArray(result) && SERVED_FROM_CACHE in result) {
        hits.add(request);
        recordResponseCache('hit');
        setResult({ ...result, stringify: keptText });
      }
      // An answer that changed a source (an action) goes out once the answers it made wrong are gone
      // everywhere, so that the caller's next request finds none of them on any worker or replica.
      return dropping.size > 0 ? Promise.all(dropping).then(() => undefined) : undefined;
    },
    onResponse({ request, response }) {
      if (hits.has(request)) response.headers.set(RESPONSE_CACHE_HEADER, 'hit');
    },
  };
}

/** The JSON of each kept answer this process has served, by the answer's data. */
const texts = new WeakMap<object, string>();

/**
 * A kept answer's JSON, written once per process and served again as it is: every hit on the same
 * entry of the embedded store shares its data, and writing a 100-job dashboard anew was a quarter of
 * a worker's CPU per answer. (An answer read from Redis is a new object each time, written each time.)
 */
function keptText(result: ExecutionResult): string {
  const { data } = result;
  if (!data) return JSON.stringify(result);
  let text = texts.get(data);
  if (text === undefined) {
    text = JSON.stringify(result);
    texts.set(data, text);
  }
  return text;
}

/**
 * The hash of what the plugin's default key hashes (document, operation name, variables, the set of
 * sources the caller may see), made with node:crypto in the same turn: the default's WebCrypto digest
 * is a job on libuv's thread pool that cost every request 30 µs of CPU or more, to hash a few hundred
 * bytes. Variables are written as sent (a key in another order makes another key, never a wrong hit).
 */
function responseKey({ documentString, operationName, variableValues, sessionId }: Parameters<BuildResponseCacheKeyFunction>[0]): string {
  return createHash('sha256')
    .update([documentString, operationName ?? '', JSON.stringify(variableValues ?? {}), sessionId ?? ''].join('|'))
    .digest('hex');
}

/**
 * The answer without the ETag and Last-Modified yoga adds to what it keeps. A request that sends an
 * ETag back is answered 304 when the cache holds that key, whoever asks: a caller could learn that
 * a source it may not see exists by the key of an answer built with it.
 */
function withoutRevalidation(result: ExecutionResult): ExecutionResult {
  if (!result.extensions?.http) return result;
  const {
    extensions: { http: _http, ...extensions },
    ...answer
  } = result;
  return Object.keys(extensions).length > 0 ? { ...answer, extensions } : answer;
}
