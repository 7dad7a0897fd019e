// `npx tsx bench/unique-documents.ts`: what unique large documents cost the gateway's memory, and
// another caller beside them. It starts the real entry point over the sandbox's SailPoint tenants,
// sends documents of 1,000 distinct fragments (about 60 KB, under the token, cost, alias and depth
// limits), each made unique, and reads the process's resident memory from its metrics before and
// after; a victim with an API key of its own asks for its dashboard one request after another,
// alone and then beside the attack. Loopback only; a few connections, one run.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox/index.js';
import { SANDBOX_NOW } from '../test/support/gateway.js';
import { startEntryPoint } from '../test/support/entry-point.js';
import { numberOption } from './cli.js';

const USAGE = `npx tsx bench/unique-documents.ts [options]
  --documents <n>     unique documents to send (default 2000)
  --connections <n>   sent at once (default 4)
  --fragments <n>     distinct fragments per document (default 1000)
  --limits <json>     security.limits for the gateway, such as '{"maxDefinitions":2000}' (default none)
  --victim <s>        seconds the victim's dashboard is measured alone before the attack (default 5)`;

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '4' },
    fragments: { type: 'string', default: '1000' },
    limits: { type: 'string', default: '{}' },
    victim: { type: 'string', default: '5' },
  },
});
const documents = numberOption(USAGE, 'documents', values.documents);
const connections = numberOption(USAGE, 'connections', values.connections);
const fragments = numberOption(USAGE, 'fragments', values.fragments);
const victimSeconds = numberOption(USAGE, 'victim', values.victim);

/** One document of `fragments` fragments on Query, every name carrying `nonce`. */
function uniqueDocument(nonce: number): string {
  const names = Array.from({ length: fragments }, (_, index) => `f${nonce}x${index}`);
  return `{ ${names.map((name) => `...${name}`).join(' ')} }\n${names.map((name) => `fragment ${name} on Query { __typename }`).join('\n')}`;
}

// Two callers, each with its own turns and share: the attacker's documents ask for __typename only,
// and the victim's dashboard is served from the read models of the sandbox's tenants.
const KEYS = { victim: 'bgk_victim_of_unique_documents', attacker: 'bgk_sender_of_unique_documents' };
const sandbox = await startSandbox({ now: SANDBOX_NOW });
const gateway = await startEntryPoint({
  security: {
    production: false,
    limits: JSON.parse(values.limits) as unknown,
    auth: { apiKeys: Object.entries(KEYS).map(([name, key]) => ({ name, sha256: createHash('sha256').update(key).digest('hex'), sources: ['*'] })) },
  },
  // The metrics the memory is read from, open to this script although callers need a key.
  observability: { metrics: { enabled: true } },
  sources: sandbox.config.sources.filter((source) => source.kind === 'sailpoint'),
});
const DASHBOARD = JSON.stringify({ query: '{ backupJobs(first: 20) { edges { node { id displayName phase createdAt } } } }' });

/** The victim's dashboard one request after another until `done` says stop; each answer's milliseconds. */
async function victim(done: () => boolean): Promise<number[]> {
  const times: number[] = [];
  while (!done()) {
    const started = performance.now();
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.victim }, body: DASHBOARD });
    if (!response.ok) throw new Error(`the victim's dashboard answered ${response.status}`);
    await response.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

function percentile(times: readonly number[], share: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;
}

const metricsUrl = gateway.url.replace('/graphql', '/metrics');

async function residentMb(): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]) / 2 ** 20;
}

try {
  for (let index = 0; index < 20; index++) await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.attacker }, body: '{"query":"{ __typename }"}' });
  const aloneUntil = performance.now() + victimSeconds * 1000;
  const alone = await victim(() => performance.now() > aloneUntil);
  const before = await residentMb();
  const statuses = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  const besideAttack = victim(() => next >= documents);
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < documents) {
        const query = uniqueDocument(next++);
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': KEYS.attacker }, body: JSON.stringify({ query }) });
        const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
        const key = `${response.status} ${body.errors?.[0]?.extensions?.code ?? 'ok'}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = await residentMb();
  console.log(`document: ${Buffer.byteLength(uniqueDocument(documents))} bytes, ${fragments} fragments; ${documents} sent over ${connections} connections in ${seconds.toFixed(1)} s`);
  console.log(`answers: ${[...statuses].map(([key, count]) => `${count} × ${key}`).join(', ')}`);
  console.log(`resident memory: ${before.toFixed(0)} MB before, ${after.toFixed(0)} MB after (${(after - before).toFixed(0)} MB more)`);
  const beside = await besideAttack;
  const [aloneP99, besideP99] = [percentile(alone, 0.99), percentile(beside, 0.99)];
  console.log(
    `victim's dashboard: p50 ${percentile(alone, 0.5).toFixed(1)} ms, p99 ${aloneP99.toFixed(1)} ms alone (${alone.length} answers); p50 ${percentile(beside, 0.5).toFixed(1)} ms, p99 ${besideP99.toFixed(1)} ms beside the attack (${beside.length} answers): ${(besideP99 / aloneP99).toFixed(2)} times alone`,
  );
} finally {
  await gateway.stop();
  await sandbox.close();
}
