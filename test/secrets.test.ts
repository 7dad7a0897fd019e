// No secret leaves the gateway: the real entry point runs as its own process with AWS keys, SailPoint
// client secrets and an API key, is driven through successes, refusals and upstream failures, and
// everything it sent back or wrote to its output is searched for each secret.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startEntryPoint, type EntryPoint } from './support/entry-point.js';
import { SANDBOX_NOW } from './support/gateway.js';
import { freePort } from './support/ports.js';
import { apiKeyEntry } from './support/secrets.js';

/** A loopback port nothing listens on, for sources that must be unreachable. */
const CLOSED_PORT = await freePort();

const secret = (label: string) => `${label}-${randomBytes(12).toString('hex')}`;
const SECRETS = {
  awsSecretAccessKey: secret('awssecret'),
  awsSessionToken: secret('awssession'),
  apiKey: secret('apikey'),
  wrongClientSecret: secret('wrongsecret'),
  wrongApiKey: secret('guessedkey'),
};

let sandbox: Sandbox;
let gateway: EntryPoint;
let url: string;
const answers: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ now: SANDBOX_NOW });
  const [prod, sandboxTenant] = sandbox.sailPoint.tenants;
  const config = {
    security: {
      auth: { apiKeys: [apiKeyEntry('grep-test', SECRETS.apiKey, ['*'])] },
    },
    sources: [
      { kind: 'aws', name: 'aws-us-east-1', region: 'us-east-1', accountId: '*', endpoint: sandbox.aws.url, timeoutMs: 1_000 },
      // A closed port. (An endpoint URL that carries a password does not get this far: start-up refuses it.)
      { kind: 'aws', name: 'aws-down', region: 'us-west-2', endpoint: `http://127.0.0.1:${CLOSED_PORT}`, timeoutMs: 1_000 },
      { kind: 'sailpoint', name: 'sailpoint-prod', baseUrl: sandbox.sailPoint.tenantUrl(prod!.name), clientId: prod!.clientId, clientSecret: prod!.clientSecret, timeoutMs: 800 },
      { kind: 'sailpoint', name: 'sailpoint-wrong', baseUrl: sandbox.sailPoint.tenantUrl(sandboxTenant!.name), clientId: sandboxTenant!.clientId, clientSecret: SECRETS.wrongClientSecret, timeoutMs: 800 },
    ],
  };
  gateway = await startEntryPoint(config, {
    AWS_ACCESS_KEY_ID: 'AKIASECRETSTEST',
    AWS_SECRET_ACCESS_KEY: SECRETS.awsSecretAccessKey,
    AWS_SESSION_TOKEN: SECRETS.awsSessionToken,
  });
  url = gateway.url;
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await sandbox.close();
});

/** Sends one request and keeps everything that came back: status, headers and body. */
async function send(init: RequestInit & { headers?: Record<string, string> }, target = url): Promise<string> {
  const response = await fetch(target, init);
  const text = `${response.status} ${JSON.stringify([...response.headers])} ${await response.text()}`;
  answers.push(text);
  return text;
}

const withKey = (key: string) => ({ 'content-type': 'application/json', 'x-api-key': key });
const graphql = (query: string, key = SECRETS.apiKey, variables?: unknown) =>
  send({ method: 'POST', headers: withKey(key), body: JSON.stringify({ query, variables }) });

describe('secrets', () => {
  it('appear in no answer and no log line, whatever happens upstream', async () => {
    const everything = '{ backupJobs(first: 50) { edges { node { id sourceName } } } backupSources { name health { reachable errorCode } lastCall { errorCode } } }';
    const listed = await graphql(everything);
    expect(listed).toContain('UPSTREAM_AUTH_FAILED');
    expect(listed).toContain('UPSTREAM_UNAVAILABLE');

    for (const fault of [{ kind: 'error' as const, status: 500 }, { kind: 'throttle' as const, retryAfterSeconds: 30 }, { kind: 'hang' as const }]) {
      sandbox.sailPoint.faults.set('acme-prod', fault);
      await graphql(everything);
    }
    sandbox.sailPoint.faults.clear();
    sandbox.sailPoint.revokeTokens();
    await graphql(everything);

    await graphql('{ awsBackupJob(backupJobId: "nope", sourceName: "aws-down") { id } }');
    await graphql('{ backupJob(id: "bm90LWFuLWlk") { id } }');
    await graphql(everything, SECRETS.wrongApiKey);
    await send({ method: 'POST', headers: withKey(SECRETS.apiKey), body: `{"query": "{ __typename }", "apiKey": "${SECRETS.apiKey}` });
    await send({ method: 'POST', headers: { ...withKey(SECRETS.apiKey), 'content-type': 'text/plain' }, body: SECRETS.apiKey });
    await send({}, url.replace('/graphql', '/readiness'));
    await send({ headers: { accept: 'text/html' } });

    // The checks can fail: the gateway did log the upstream failures it was put through.
    expect(gateway.output()).toMatch(/\[upstream\] source=sailpoint-wrong .*code=UPSTREAM_AUTH_FAILED/);
    expect(gateway.output()).toMatch(/\[upstream\] source=aws-down /);

    const everythingEmitted = `${answers.join('\n')}\n${gateway.output()}`;
    const issuedTokens = sandbox.sailPoint.issuedTokens();
    expect(issuedTokens.length).toBeGreaterThan(0);
    for (const value of [...Object.values(SECRETS), ...sandbox.sailPoint.tenants.map((tenant) => tenant.clientSecret), ...issuedTokens]) {
      expect(everythingEmitted).not.toContain(value);
    }
    expect(everythingEmitted).not.toMatch(/\n\s+at /);
  });
});
