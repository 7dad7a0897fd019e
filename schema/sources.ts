// The configured sources as a client sees them, with whether each one answers right now.
import { createContextCache } from '@pothos/core';
import type { GatewayContext } from '../resolvers/context.js';
import { toGraphQLError } from '../resolvers/upstream-errors.js';
import type { Source } from '../src/sources.js';
import { BackupSource } from './backup-job.js';
import { builder } from './builder.js';

interface HealthModel {
  reachable: boolean;
  checkedAt: Date;
  latencyMs: number;
  errorCode: string | null;
}

/** One probe per source per request, however often the field is selected. */
const probes = createContextCache(() => new Map<string, Promise<HealthModel>>());

function probe(context: GatewayContext, source: Source): Promise<HealthModel> {
  const cache = probes(context);
  let pending = cache.get(source.name);
  if (!pending) {
    const started = performance.now();
    pending = source.ping().then(
      () => ({ reachable: true, checkedAt: new Date(), latencyMs: Math.round(performance.now() - started), errorCode: null }),
      (error: unknown) => ({
        reachable: false,
        checkedAt: new Date(),
        latencyMs: Math.round(performance.now() - started),
        errorCode: String(toGraphQLError(error, source.name).extensions.code),
      }),
    );
    cache.set(source.name, pending);
  }
  return pending;
}

const SourceHealth = builder.objectRef<HealthModel>('SourceHealth').implement({
  description: 'The outcome of one probe of a source.',
  fields: (t) => ({
    reachable: t.exposeBoolean('reachable', { nullable: false, description: 'Whether the source answered the probe.' }),
    checkedAt: t.expose('checkedAt', { type: 'DateTime', nullable: false, description: 'When the probe finished.' }),
    latencyMs: t.exposeInt('latencyMs', { nullable: false, description: 'How long the probe took, in milliseconds.' }),
    errorCode: t.exposeString('errorCode', {
      description: 'Why the source did not answer, as an error code from the README (such as `UPSTREAM_TIMEOUT`).',
    }),
  }),
});

const ConfiguredSource = builder.objectRef<Source>('ConfiguredSource').implement({
  description: 'A source from the gateway configuration.',
  fields: (t) => ({
    name: t.exposeString('name', { nullable: false, description: 'The configured name; jobs carry it as `sourceName`.' }),
    kind: t.field({
      type: BackupSource,
      nullable: false,
      description: 'What kind of upstream this is.',
      resolve: () => 'AWS_BACKUP' as const,
    }),
    region: t.exposeString('region', { description: 'AWS only: the Region this source reads.' }),
    accountId: t.exposeString('accountId', {
      description: 'AWS only: the account this source is pinned to, `*` for a whole organization, null for the caller account.',
    }),
    health: t.field({
      type: SourceHealth,
      nullable: false,
      description: 'Probes the source now with its cheapest call (for AWS, a one-item ListBackupJobs).',
      resolve: (source, _args, context) => probe(context, source),
    }),
  }),
});

builder.queryField('backupSources', (t) =>
  t.field({
    type: [ConfiguredSource],
    nullable: false,
    description: 'Every configured source, in configuration order.',
    resolve: (_root, _args, context) => context.sources.all,
  }),
);
