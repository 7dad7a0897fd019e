// `npx tsx bench/answer-cost.ts [requests]`: what one answer costs the gateway itself, in process and
// without HTTP or upstream latency: CPU and bytes allocated per answer of the dashboard (20 and 100
// newest jobs), a detail fan-out and a federation lookup, and the functions that allocate most.
import { Session } from 'node:inspector/promises';
import { readFileSync } from 'node:fs';
import { parseObservability, parseResponseCache } from '../src/config/index.js';
import { startSandbox } from '../src/sandbox/index.js';
import { createGateway } from '../src/server.js';
import { SourceRegistry } from '../src/source-registry.js';

const REQUESTS = Number(process.argv[2] ?? 2_000);
/** One sample per this many bytes allocated: fine enough to rank functions, cheap enough not to change the figures much. */
const SAMPLING_BYTES = 16 * 1024;

const sandbox = await startSandbox({ now: new Date('2026-11-01T12:00:00Z') });
const config = {
  ...sandbox.config,
  // Fresh for the whole run: nothing here waits for an upstream.
  sources: sandbox.config.sources.map((source) => ({ ...source, freshness: { refreshAfterMs: 3_600_000, maxStalenessMs: 3_600_000, staleIfErrorMs: 3_600_000 } })),
};
const sources = SourceRegistry.fromConfig(config);
const security = { ...config.security, limits: { ...config.security.limits, callerBudget: { calls: 1_000_000, perSeconds: 1 }, callerConcurrency: 10_000 } };
const gateway = createGateway(sources, security, parseObservability(), parseResponseCache({ enabled: false }));

async function post(body: string): Promise<string> {
  const response = await gateway.fetch('http://gateway/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-graphql-csrf': '1' }, body });
  const text = await response.text();
  if (text.includes('"errors"')) throw new Error(`the operation failed: ${text.slice(0, 300)}`);
  return text;
}

const dashboard = readFileSync(new URL('../examples/frontend/operations/dashboard.graphql', import.meta.url), 'utf8');
const ids = (JSON.parse(await post(JSON.stringify({ query: '{ backupJobs(first: 100) { edges { node { id sourceKind } } } }' }))) as {
  data: { backupJobs: { edges: { node: { id: string; sourceKind: string } }[] } };
}).data.backupJobs.edges.map(({ node }) => node);
const operations: Record<string, string> = {
  'dashboard 20': JSON.stringify({ query: dashboard, variables: { first: 20 } }),
  'dashboard 100': JSON.stringify({ query: dashboard, variables: { first: 100 } }),
  'detail 50': JSON.stringify({
    query: `query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on AwsBackupJob { backupJobId state statusMessage backupSizeInBytes createdAt completedAt createdBy { backupPlanName } recoveryPointLifecycle { deleteAfterDays } } } }`,
    variables: { ids: ids.filter((job) => job.sourceKind === 'AWS_BACKUP').slice(0, 50).map((job) => job.id) },
  }),
  'federation 100': JSON.stringify({
    query: `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on BackupJob { id displayName phase createdAt } } }`,
    variables: { representations: ids.map((job) => ({ __typename: 'BackupJob', id: job.id })) },
  }),
};

const session = new Session();
session.connect();
for (const [name, body] of Object.entries(operations)) {
  for (let warm = 0; warm < 300; warm++) await post(body);
  const cpu = process.cpuUsage();
  for (let index = 0; index < REQUESTS; index++) await post(body);
  const used = process.cpuUsage(cpu);
  await session.post('HeapProfiler.startSampling', { samplingInterval: SAMPLING_BYTES, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  for (let index = 0; index < REQUESTS; index++) await post(body);
  const { profile } = await session.post('HeapProfiler.stopSampling');
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: (typeof profile)['head']) => {
    const bytes = node.selfSize;
    total += bytes;
    const { functionName, url, lineNumber } = node.callFrame;
    const site = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|schema|resolvers)\//, '$1/')}:${lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + bytes);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  console.log(`${name}: ${((used.user + used.system) / 1000 / REQUESTS).toFixed(3)} CPU ms and ${(total / REQUESTS / 1024).toFixed(0)} KB allocated per answer (${REQUESTS} answers)`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${(bytes / REQUESTS / 1024).toFixed(1).padStart(7)} KB  ${site}`);
  }
}
session.disconnect();
sources.destroy();
await sandbox.close();
