// Slow and idle clients cannot hold the gateway's connections: the real entry point, configured
// with short limits, closes connections that drip their headers or body, sit silent or idle after
// an answer, and refuses connections past its cap, while normal requests keep their latency.
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEntryPoint, type EntryPoint } from './support/entry-point.js';
import { freePort } from './support/ports.js';
import { apiKeyEntry } from './support/secrets.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

const API_KEY = `slowtest-${randomBytes(12).toString('hex')}`;

/** Short limits so that the test runs in seconds; Node looks for expired connections every second (src/server.ts). */
const LIMITS = { headersTimeoutMs: 1_500, receiveTimeoutMs: 3_000, keepAliveTimeoutMs: 500 };
const CHECK_INTERVAL_MS = 1_000;
/** Node 20 keeps an idle keep-alive socket this much longer than keepAliveTimeout, so that the client's own timer fires first. */
const NODE_KEEP_ALIVE_GRACE_MS = 1_000;
/** Room for a loaded two-core machine running other test files beside this one. */
const SLACK_MS = 2_000;
/** Timers may fire a little early against the test's own clock, which starts after the server's. */
const EARLY_MS = 100;

function configWith(limits: Record<string, number>) {
  return {
    security: {
      limits,
      auth: { apiKeys: [apiKeyEntry('slow-test', API_KEY, ['*'])] },
    },
    // No request of this test reaches a source: the port is closed.
    sources: [{ kind: 'aws', name: 'aws-idle', region: 'us-east-1', endpoint: `http://127.0.0.1:${CLOSED_PORT}` }],
  };
}

let gateway: EntryPoint;
let capped: EntryPoint;
const CAP = 20;
beforeAll(async () => {
  [gateway, capped] = await Promise.all([
    startEntryPoint(configWith({ ...LIMITS, maxConnections: 200 })),
    startEntryPoint(configWith({ headersTimeoutMs: 3_000, maxConnections: CAP })),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([gateway?.stop(), capped?.stop()]);
});

interface RawSocket {
  socket: Socket;
  /** When it connected, on performance.now()'s clock. */
  connected: Promise<number>;
  /** When the server closed it. */
  closed: Promise<number>;
  received(): string;
}

/** A raw TCP connection to the gateway, driven by `drive` once it connects. */
function open(url: string, drive: (socket: Socket) => void = () => undefined): RawSocket {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  // A reset counts as closed too; the test looks at when, not how.
  socket.on('error', () => undefined);
  const connected = new Promise<number>((resolve) => socket.once('connect', () => resolve(performance.now())));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now())));
  socket.once('connect', () => drive(socket));
  return { socket, connected, closed, received: () => received };
}

/** When the event happened, or Infinity when it has not within `waitMs`. */
function within(event: Promise<number>, waitMs: number): Promise<number> {
  const giveUp = new Promise<number>((resolve) => setTimeout(() => resolve(Number.POSITIVE_INFINITY), Math.max(0, waitMs)).unref());
  return Promise.race([event, giveUp]);
}

/** How long the connection stayed open, or Infinity when it still is `boundMs` after it connected. */
async function lifetime(connection: RawSocket, boundMs: number): Promise<number> {
  const connected = await connection.connected;
  return (await within(connection.closed, connected + boundMs - performance.now())) - connected;
}

/** Writes one byte every `everyMs` until the socket closes: never silent, never done. */
function drip(socket: Socket, everyMs: number): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write('a')), everyMs);
  socket.once('close', () => clearInterval(timer));
}

const QUERY = JSON.stringify({ query: '{ backupSources { name kind } }' });

/** One normal request on a connection of its own: its status and how long it took. */
function normalRequest(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-api-key': API_KEY, 'content-length': Buffer.byteLength(QUERY) } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(QUERY);
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('slow and idle clients', () => {
  it('closes slow headers, slow bodies, silent and idle connections on time, while normal requests keep their latency', async () => {
    const baseline: number[] = [];
    for (let i = 0; i < 10; i++) baseline.push((await normalRequest(gateway.url)).ms);

    const headerDrips = Array.from({ length: 8 }, () =>
      open(gateway.url, (socket) => {
        socket.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ');
        drip(socket, 250);
      }),
    );
    const bodyDrips = Array.from({ length: 8 }, () =>
      open(gateway.url, (socket) => {
        // A credential the gateway accepts: the body, not the caller, is what is slow.
        socket.write(`POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nx-api-key: ${API_KEY}\r\nContent-Length: 10000\r\n\r\n`);
        drip(socket, 250);
      }),
    );
    const silent = Array.from({ length: 100 }, () => open(gateway.url));
    const idle = open(gateway.url, (socket) => socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`));
    const answeredAt = new Promise<number>((resolve) => idle.socket.once('data', () => resolve(performance.now())));

    const headersBound = LIMITS.headersTimeoutMs + CHECK_INTERVAL_MS + SLACK_MS;
    const receiveBound = LIMITS.receiveTimeoutMs + CHECK_INTERVAL_MS + SLACK_MS;
    const lifetimes = Promise.all([
      Promise.all([...headerDrips, ...silent].map((connection) => lifetime(connection, headersBound))),
      Promise.all(bodyDrips.map((connection) => lifetime(connection, receiveBound))),
    ]);
    // Normal requests, one after another, until every slow connection is gone or overstayed.
    let done = false;
    void lifetimes.then(() => (done = true));
    const during: { status: number; ms: number }[] = [];
    while (!done) {
      during.push(await normalRequest(gateway.url));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [slowHeaders, slowBodies] = await lifetimes;

    for (const closedAfter of slowHeaders) {
      expect(closedAfter).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - EARLY_MS);
      expect(closedAfter).toBeLessThan(headersBound);
    }
    for (const closedAfter of slowBodies) {
      expect(closedAfter).toBeGreaterThanOrEqual(LIMITS.receiveTimeoutMs - EARLY_MS);
      expect(closedAfter).toBeLessThan(receiveBound);
    }
    for (const connection of [...headerDrips, ...bodyDrips, ...silent]) expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
    const idleBound = LIMITS.keepAliveTimeoutMs + NODE_KEEP_ALIVE_GRACE_MS + SLACK_MS;
    const answered = await answeredAt;
    const idleFor = (await within(idle.closed, answered + idleBound - performance.now())) - answered;
    expect(idle.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(idleFor).toBeGreaterThanOrEqual(LIMITS.keepAliveTimeoutMs - EARLY_MS);
    expect(idleFor).toBeLessThan(idleBound);

    // Served throughout, never made to wait for the crowd: a request that waited for a slow
    // connection to be closed would take at least headersTimeoutMs.
    expect(during.length).toBeGreaterThan(5);
    expect(during.map((answer) => answer.status)).toEqual(during.map(() => 200));
    expect(Math.max(...during.map((answer) => answer.ms))).toBeLessThan(LIMITS.headersTimeoutMs);
    expect(median(during.map((answer) => answer.ms))).toBeLessThan(median(baseline) + 250);
    expect(gateway.output()).not.toMatch(/\n\s+at /);
  }, 30_000);

  it('closes connections past maxConnections as they arrive, and serves again once the crowd is closed', async () => {
    const crowd = Array.from({ length: CAP }, () => open(capped.url));
    // Until Node has accepted the crowd, one of the next connections could take a slot first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const surplus = Array.from({ length: 5 }, () => open(capped.url));
    // Closed at once, long before the 3 s headers timeout that closes the crowd.
    for (const closedAfter of await Promise.all(surplus.map((connection) => lifetime(connection, 1_500)))) expect(closedAfter).toBeLessThan(1_500);
    expect(surplus.map((connection) => connection.received())).toEqual(surplus.map(() => ''));
    expect(crowd.every((connection) => !connection.socket.destroyed)).toBe(true);
    await expect(normalRequest(capped.url)).rejects.toThrow();

    for (const closedAfter of await Promise.all(crowd.map((connection) => lifetime(connection, 3_000 + CHECK_INTERVAL_MS + SLACK_MS)))) {
      expect(closedAfter).toBeGreaterThanOrEqual(3_000 - EARLY_MS);
      expect(closedAfter).toBeLessThan(3_000 + CHECK_INTERVAL_MS + SLACK_MS);
    }
    expect((await normalRequest(capped.url)).status).toBe(200);
  }, 30_000);
});
