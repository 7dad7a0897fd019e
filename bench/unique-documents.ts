// `npx tsx bench/unique-documents.ts`: what unique large documents cost the gateway's memory. It
// starts the real entry point, sends documents of 1,000 distinct fragments (about 60 KB, under the
// token, cost, alias and depth limits), each made unique, and reads the process's resident memory
// from its metrics before and after. Loopback only; a few connections, one run.
import { parseArgs } from 'node:util';
import { startEntryPoint } from '../test/support/entry-point.js';
import { freePort } from '../test/support/ports.js';
import { numberOption } from './cli.js';

const USAGE = `npx tsx bench/unique-documents.ts [options]
  --documents <n>     unique documents to send (default 2000)
  --connections <n>   sent at once (default 4)
  --fragments <n>     distinct fragments per document (default 1000)
  --limits <json>     security.limits for the gateway, such as '{"maxDefinitions":2000}' (default none)`;

const { values } = parseArgs({
  options: {
    documents: { type: 'string', default: '2000' },
    connections: { type: 'string', default: '4' },
    fragments: { type: 'string', default: '1000' },
    limits: { type: 'string', default: '{}' },
  },
});
const documents = numberOption(USAGE, 'documents', values.documents);
const connections = numberOption(USAGE, 'connections', values.connections);
const fragments = numberOption(USAGE, 'fragments', values.fragments);

/** One document of `fragments` fragments on Query, every name carrying `nonce`. */
function uniqueDocument(nonce: number): string {
  const names = Array.from({ length: fragments }, (_, index) => `f${nonce}x${index}`);
  return `{ ${names.map((name) => `...${name}`).join(' ')} }\n${names.map((name) => `fragment ${name} on Query { __typename }`).join('\n')}`;
}

// No request reaches a source: the document asks for __typename only.
const gateway = await startEntryPoint({
  security: { production: false, limits: JSON.parse(values.limits) as unknown },
  sources: [{ kind: 'aws', name: 'aws-idle', region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}` }],
});
const metricsUrl = gateway.url.replace('/graphql', '/metrics');

async function residentMb(): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  return Number(/^process_resident_memory_bytes (\d+)/m.exec(text)![1]) / 2 ** 20;
}

try {
  for (let index = 0; index < 20; index++) await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
  const before = await residentMb();
  const statuses = new Map<string, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < documents) {
        const query = uniqueDocument(next++);
        const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
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
} finally {
  await gateway.stop();
}
