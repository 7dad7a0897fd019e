// The configured sources as a client sees them, with whether each one answers right now. Each
// kind's schema file adds the fields only its sources have.
import { createContextCache, type FieldMap } from '@pothos/core';
import { countUpstreamCall, type GatewayContext } from '../resolvers/context.js';
import { probeSource, type SourceProbe } from '../src/probe.js';
import type { Source } from '../src/sources.js';
import { BackupSourceKind } from './backup-job.js';
import { builder } from './builder.js';

/** One probe per source per request, however often the field is selected. */
const probes = createContextCache(() => new Map<string, Promise<SourceProbe>>());

function probe(context: GatewayContext, source: Source): Promise<SourceProbe> {
  const cache = probes(context);
  let pending = cache.get(source.name);
  if (!pending) {
    const signal = countUpstreamCall(context);
    pending = context.reader.away(() => probeSource(source, signal));
    cache.set(source.name, pending);
  }
  return pending;
}

const SourceHealth = builder.objectRef<SourceProbe>('SourceHealth').implement({
  description: 'The outcome of one probe of a source.',
  fields: (t) => ({
    reachable: t.exposeBoolean('reachable', { nullable: false, description: 'Whether the source answered the probe.' }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: false, description: 'When the probe finished.' }),
    latencyMs: t.exposeInt('latencyMs', { nullable: false, description: 'How long the probe took, in milliseconds.' }),
    errorCode: t.exposeString('errorCode', {
      description: 'Why the source did not answer, as the code an error of that source would carry (such as `UPSTREAM_TIMEOUT`).',
    }),
  }),
});

const LastCall = builder.objectRef<NonNullable<Source['health']>>('SourceLastCall').implement({
  description: 'The outcome of the latest call the gateway made to a source for any request.',
  fields: (t) => ({
    reachable: t.exposeBoolean('reachable', { nullable: false, description: 'Whether that call got an answer.' }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: false, description: 'When that call finished.' }),
    errorCode: t.exposeString('errorCode', { description: 'Why it failed, as the code an error of that source would carry.' }),
  }),
});

const CircuitState = builder.enumType('CircuitState', {
  description: "Where a source's circuit breaker stands: whether the gateway calls the source at all.",
  values: {
    CLOSED: { description: 'Calls go through as usual.' },
    OPEN: {
      description:
        'The source failed too many calls in a row: calls fail at once with UPSTREAM_UNAVAILABLE, without reaching it, until the probe interval passes.',
    },
    HALF_OPEN: { description: 'The probe interval passed: the next call goes through and decides whether the circuit closes again.' },
  },
});

type SourceFieldBuilder = PothosSchemaTypes.ObjectFieldBuilder<typeof builder.$inferSchemaTypes, Source>;

/** The fields each kind adds to its configured sources, in the order the kinds' schema files add them. */
const kindFields: ((t: SourceFieldBuilder) => FieldMap)[] = [];

/** Adds fields only one kind's sources have (null on the others); they follow `kind`. */
export function addSourceFields(fields: (t: SourceFieldBuilder) => FieldMap): void {
  kindFields.push(fields);
}

export const BackupSource = builder.objectRef<Source>('BackupSource').implement({
  description:
    'One source of the gateway configuration: an AWS Backup Region (and account), or a SailPoint tenant. Every job names the source that reported it in `sourceName`.',
  authScopes: (source) => ({ source: source.name }),
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: 'The configured name; jobs carry it as `sourceName`.' }),
    kind: t.field({
      type: BackupSourceKind,
      nullable: false,
      description: 'Which upstream system this source is; its jobs carry the same value as `sourceKind`.',
      resolve: (source) => source.kind,
    }),
    ...kindFields.reduce<FieldMap>((all, fields) => ({ ...all, ...fields(t) }), {}),
    fetchedAt: t.field({
      type: 'DateTime',
      description:
        "When the gateway last fetched this source's jobs into its shared read model (what `backupJobs` and lookups answer from); null before the first fetch. Reading it costs no call.",
      resolve: async (source, _args, context) => {
        const fetchedAt = await context.sources.readModel(source.name)?.fetchedAt();
        return fetchedAt ? new Date(fetchedAt) : null;
      },
    }),
    lastCall: t.field({
      type: LastCall,
      description:
        'Last known health at no cost: how the latest call to this source went, whichever request made it. Null until the first call.',
      resolve: (source, _args, context) => {
        context.lastCallsShown.set(source.name, source.health);
        return source.health ?? null;
      },
    }),
    circuit: t.field({
      type: CircuitState,
      nullable: false,
      description: "The state of the gateway's circuit breaker for this source (free: no call is made).",
      resolve: (source) => source.circuit,
    }),
    health: t.field({
      type: SourceHealth,
      nullable: false,
      description:
        'Probes the source now with its cheapest call (for AWS a one-item ListBackupJobs, for SailPoint a status-filtered list).',
      resolve: (source, _args, context) => probe(context, source),
    }),
  }),
});
