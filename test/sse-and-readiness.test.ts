// What a client that is not a GraphQL client in the usual sense gets: a query over Server-Sent
// Events ends as soon as its one result is sent, and /readiness tells a caller without a credential
// only whether the gateway is ready, the counts of sources only to callers that may see them.
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';
import { apiKeyEntry } from './support/secrets.js';

const API_KEY = `ready-${randomBytes(12).toString('hex')}`;

let open: TestGateway;
let guarded: TestGateway;
beforeAll(async () => {
  [open, guarded] = await Promise.all([
    startTestGateway(),
    startTestGateway({
      security: { auth: { apiKeys: [apiKeyEntry('aws-board', API_KEY, ['aws-*'])] } },
    }),
  ]);
});
afterAll(() => Promise.all([open.close(), guarded.close()]));

describe('a query over Server-Sent Events', () => {
  it('ends with its one result and "complete" at once, and leaves the connection free for the next request', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const body = JSON.stringify({ query: '{ backupJobs(first: 1) { totalCount } }' });
    const send = () =>
      new Promise<{ status: number; type: string | undefined; text: string; ms: number; socket: unknown }>((resolve, reject) => {
        const started = performance.now();
        const outgoing = request(
          open.url,
          { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'content-length': Buffer.byteLength(body) } },
          (response) => {
            let text = '';
            response.on('data', (chunk: Buffer) => (text += chunk.toString()));
            response.on('end', () =>
              resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], text, ms: performance.now() - started, socket: response.socket }),
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body);
      });
    try {
      const first = await send();
      expect(first.status).toBe(200);
      expect(first.type).toBe('text/event-stream');
      expect(first.text).toMatch(/^:\n\nevent: next\ndata: \{"data":\{"backupJobs":\{"totalCount":\d+\}\}\}\n\nevent: complete\ndata:\n\n$/);
      // Far below the request timeout (15 s) and the keep-alive ping (12 s).
      expect(first.ms).toBeLessThan(2_000);
      const second = await send();
      expect(second.text).toContain('event: complete');
      expect(second.socket).toBe(first.socket);
    } finally {
      agent.destroy();
    }
  });
});

describe('/readiness', () => {
  async function readiness(target: TestGateway, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const response = await fetch(target.url.replace('/graphql', '/readiness'), { headers });
    return { status: response.status, body: await response.json() };
  }

  it('says only ready or degraded to a caller without a credential, or with one it does not accept', async () => {
    expect(await readiness(guarded)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await readiness(guarded, { 'x-api-key': 'not-a-key' })).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('counts, for a caller with a credential, only the sources it may see', async () => {
    expect(await readiness(guarded, { 'x-api-key': API_KEY })).toEqual({ status: 200, body: { status: 'ready', configured: 2, reachable: 2 } });
  });

  it('counts every source where no authentication is configured, as for every other request', async () => {
    expect(await readiness(open)).toEqual({ status: 200, body: { status: 'ready', configured: 4, reachable: 4 } });
  });
});
