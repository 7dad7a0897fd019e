// One address cannot take every connection: past its share (maxConnectionsPerAddress) its new
// connections are closed as they arrive, while another address is still served. Linux routes all
// of 127.0.0.0/8 on the loopback interface, so 127.0.0.2 is a second client on the same machine.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntryPoint, type EntryPoint } from './support/entry-point.js';
import { freePort } from './support/ports.js';
import { apiKeyEntry } from './support/secrets.js';

const API_KEY = `peraddress-${randomBytes(12).toString('hex')}`;
/** Above the default share of one address (250), below the crowd below. */
const MAX_CONNECTIONS = 300;
const CROWD = 400;

let gateway: EntryPoint;
beforeAll(async () => {
  gateway = await startEntryPoint({
    security: {
      limits: { maxConnections: MAX_CONNECTIONS },
      auth: { apiKeys: [apiKeyEntry('per-address', API_KEY, ['*'])] },
    },
    // No request of this test reaches a source: the port is closed.
    sources: [{ kind: 'aws', name: 'aws-idle', region: 'us-east-1', endpoint: `http://127.0.0.1:${await freePort()}` }],
  });
}, 60_000);
afterAll(() => gateway?.stop());

/** A silent connection from `localAddress`: resolves true when it is still open after `waitMs`, false when the server closed it. */
function silent(localAddress: string, waitMs: number): { socket: Socket; open: Promise<boolean> } {
  const { port } = new URL(gateway.url);
  const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress });
  socket.on('error', () => undefined);
  const open = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(!socket.destroyed), waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  return { socket, open };
}

/** One normal request from `localAddress`, on a connection of its own. */
function normalRequest(localAddress: string): Promise<number> {
  const body = JSON.stringify({ query: '{ backupSources { name } }' });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      gateway.url,
      { method: 'POST', agent: false, localAddress, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('connections per address', () => {
  it(`keeps ${CROWD} silent connections of one address to its share, and serves another address beside them`, async () => {
    const crowd = Array.from({ length: CROWD }, () => silent('127.0.0.1', 1_500));
    try {
      const stillOpen = (await Promise.all(crowd.map((connection) => connection.open))).filter(Boolean).length;
      expect(stillOpen).toBe(250);
      expect(await normalRequest('127.0.0.2')).toBe(200);
      // The crowd's own address is at its share: a new connection of it is closed, however polite.
      await expect(normalRequest('127.0.0.1')).rejects.toThrow();
    } finally {
      for (const connection of crowd) connection.socket.destroy();
    }
  }, 30_000);
});
