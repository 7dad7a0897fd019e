// Settings that would start and then fail every request stop the real entry point at start-up,
// with a message that names the key and never its value; an identity provider that is merely
// down at start-up is a run-time condition.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refusedStart, startEntryPoint } from './support/entry-point.js';
import { freePort } from './support/ports.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;

const AWS_SOURCE = { kind: 'aws', name: 'aws-prod', region: 'us-east-1', endpoint: `http://127.0.0.1:${CLOSED_PORT}` };
const jwt = (keys: unknown[]) => ({ auth: { jwt: { keys, issuer: 'https://idp.example.com/', audience: 'backup-graph' } } });

const goodKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
const privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const symmetricSecret = secret('hmacsecret');
const urlPassword = secret('urlpassword');

/** Starts the entry point over a configuration it must refuse, and checks what it said. */
async function expectRefused(config: unknown, keys: string[], values: string[]): Promise<void> {
  const { code, stderr, output } = await refusedStart(config);
  expect(code).toBe(1);
  for (const key of keys) expect(stderr).toContain(`  - ${key}: `);
  // Exactly these keys: the good ones around them are not blamed.
  expect(stderr.match(/^ {2}- /gm)).toHaveLength(keys.length);
  for (const value of values) expect(output).not.toContain(value);
}

describe('start-up checks', () => {
  // Each start costs seconds of a loaded machine, so one configuration holds every problem the
  // schema finds (it reports them all at once); the key import runs once the schema passes.
  it('refuses a symmetric or private JWK, a SailPoint baseUrl with credentials and a source timeoutMs not below requestTimeoutMs', async () => {
    const clientSecret = secret('clientsecret');
    await expectRefused(
      {
        security: jwt([{ kty: 'oct', kid: 'shared', k: Buffer.from(symmetricSecret).toString('base64url') }, privateKey, goodKey]),
        sources: [
          { ...AWS_SOURCE, timeoutMs: 20_000 },
          { kind: 'sailpoint', name: 'acme', baseUrl: `https://ops:${urlPassword}@acme.api.identitynow.com`, clientId: 'id', clientSecret },
          { ...AWS_SOURCE, name: 'aws-equal', timeoutMs: 15_000 },
          { ...AWS_SOURCE, name: 'aws-fine', timeoutMs: 14_999 },
        ],
      },
      ['security.auth.jwt.keys.0', 'security.auth.jwt.keys.1', 'sources.0.timeoutMs', 'sources.1.baseUrl', 'sources.2.timeoutMs'],
      [Buffer.from(symmetricSecret).toString('base64url'), privateKey.d!, urlPassword, 'ops:', clientSecret, '20000', '15000'],
    );
  }, 60_000);

  it('refuses, by one rule, an AWS endpoint with credentials, a file:// SailPoint baseUrl and a plain http jwksUrl in production', async () => {
    const clientSecret = secret('clientsecret');
    await expectRefused(
      {
        security: { auth: { jwt: { jwksUrl: 'http://idp.example.com/.well-known/jwks.json', issuer: 'https://idp.example.com/', audience: 'backup-graph' } } },
        sources: [
          { ...AWS_SOURCE, endpoint: `https://backup:${urlPassword}@backup.us-east-1.amazonaws.com` },
          { kind: 'sailpoint', name: 'acme', baseUrl: 'file:///etc/passwd', clientId: 'id', clientSecret },
          // Plain http to a loopback address stays allowed: it never leaves the machine.
          { ...AWS_SOURCE, name: 'aws-local' },
        ],
      },
      ['security.auth.jwt.jwksUrl', 'sources.0.endpoint', 'sources.1.baseUrl'],
      [urlPassword, 'backup:', clientSecret, '/etc/passwd'],
    );
  }, 60_000);

  it('refuses a JWK that cannot be imported for any accepted algorithm', async () => {
    await expectRefused(
      { security: jwt([goodKey, { kty: 'RSA', kid: 'k1', n: 'abc', e: 'AQAB' }]), sources: [AWS_SOURCE] },
      ['security.auth.jwt.keys.1'],
      ['"abc"', 'AQAB', goodKey.n!],
    );
  }, 60_000);

  it('starts with a jwksUrl that cannot be reached, and answers tokens 503 AUTH_UNAVAILABLE until it can', async () => {
    const gateway = await startEntryPoint({
      security: { auth: { jwt: { jwksUrl: `http://127.0.0.1:${CLOSED_PORT}/.well-known/jwks.json`, issuer: 'https://idp.example.com/', audience: 'backup-graph' } } },
      sources: [AWS_SOURCE],
    });
    try {
      const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const token = `${part({ alg: 'RS256', kid: 'k1' })}.${part({ sub: 'someone' })}.${part({})}`;
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(response.status).toBe(503);
      expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('AUTH_UNAVAILABLE');
    } finally {
      await gateway.stop();
    }
  }, 60_000);
});
