// Configuration: a good file becomes sources; a bad one names the bad key and why.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, readPort } from '../src/config/index.js';
import { sandboxOptionsFromEnv } from '../src/sandbox/index.js';

describe('configuration', () => {
  it('expands an AWS entry naming several Regions into one source per Region, each with its own name', () => {
    const config = parseConfig({ sources: [{ kind: 'aws', name: 'org', accountId: '*', regions: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] }] });
    expect(config.sources.map((source) => [source.name, source.kind === 'aws' ? source.region : null])).toEqual([
      ['org-us-east-1', 'us-east-1'],
      ['org-eu-west-1', 'eu-west-1'],
      ['org-ap-southeast-2', 'ap-southeast-2'],
    ]);
    expect(config.sources.every((source) => !('regions' in source))).toBe(true);
  });

  it.each([
    ['both "region" and "regions"', { region: 'us-east-1', regions: ['eu-west-1'] }, 'must set exactly one of "region" and "regions"'],
    ['neither', {}, 'must set exactly one of "region" and "regions"'],
    ['a Region twice', { regions: ['us-east-1', 'us-east-1'] }, '"regions" names a Region twice'],
    ['a Region that is none', { regions: ['us-east-1', 'mars'] }, 'must be an AWS region'],
    ['"regions" that is neither a list nor "enabled"', { regions: 'all' }, 'sources.0.regions: must be a list of AWS Regions such as ["us-east-1", "eu-west-1"], or "enabled" for every Region enabled for the account'],
    ['both "region" and every enabled Region', { region: 'us-east-1', regions: 'enabled' }, 'sources.0: must set exactly one of "region" and "regions"'],
  ])('refuses an AWS entry with %s', (_case, keys, message) => {
    expect(() => parseConfig({ sources: [{ kind: 'aws', name: 'org', ...keys }] })).toThrow(message);
  });

  it('leaves every enabled Region to the start, which asks AWS: parsing alone refuses to guess them', () => {
    const input = { sources: [{ kind: 'aws', name: 'org', accountId: '*', regions: 'enabled', timeoutMs: 20_000 }] };
    // The entry's other keys are checked before anything is asked.
    expect(() => parseConfig(input)).toThrow('sources.0.timeoutMs: must be shorter than security.limits.requestTimeoutMs');
    expect(() => parseConfig({ sources: [{ ...input.sources[0], timeoutMs: 5_000 }] })).toThrow(
      'sources.0: stands for sources only its upstream can list, which the gateway asks at start',
    );
  });

  it('refuses Regions that expand into the name of another source', () => {
    expect(() => parseConfig({ sources: [{ kind: 'aws', name: 'org', regions: ['us-east-1'] }, { kind: 'aws', name: 'org-us-east-1', region: 'us-east-1' }] })).toThrow(
      '"org-us-east-1" is used by more than one source',
    );
  });

  it('accepts AWS sources and fills in defaults', () => {
    const config = parseConfig({
      sources: [
        { kind: 'aws', name: 'prod-us', region: 'us-east-1', accountId: '111122223333' },
        { kind: 'aws', name: 'org-eu', region: 'eu-west-1', accountId: '*', endpoint: 'http://127.0.0.1:4566' },
      ],
    });
    expect(config.sources[0]).toEqual({
      kind: 'aws',
      name: 'prod-us',
      region: 'us-east-1',
      accountId: '111122223333',
      describeConcurrency: 8,
      retainedWindowHours: 168,
      timeoutMs: 10_000,
      maxConcurrency: 16,
      circuitBreaker: { failures: 5, halfOpenAfterMs: 30_000 },
      freshness: { refreshAfterMs: 5_000, maxStalenessMs: 15_000, staleIfErrorMs: 300_000 },
      budget: { calls: 50, perSeconds: 5 },
    });
    expect(config.sources[1]).toMatchObject({ endpoint: 'http://127.0.0.1:4566' });
  });

  it('turns production mode on for a configuration file unless the file turns it off', () => {
    const sources = [{ kind: 'aws', name: 'prod-us', region: 'us-east-1' }];
    expect(parseConfig({ sources }).security.production).toBe(true);
    expect(parseConfig({ sources, security: { production: false } }).security.production).toBe(false);
  });

  it.each([
    [{ sources: [] }, 'sources: must list at least one source'],
    [{ sources: [{ kind: 'aws', name: 'a', region: 'mars' }] }, 'sources.0.region: must be an AWS region'],
    [{ sources: [{ kind: 'aws', name: 'a', region: 'us-east-1', accountId: '12' }] }, 'sources.0.accountId: must be a 12-digit'],
    [{ sources: [{ kind: 'azure', name: 'a' }] }, 'sources.0.kind'],
    [
      { sources: [{ kind: 'aws', name: 'a', region: 'us-east-1', freshness: { refreshAfterMs: 20_000, maxStalenessMs: 10_000 } }] },
      'sources.0.freshness: must keep refreshAfterMs <= maxStalenessMs <= staleIfErrorMs',
    ],
    [{ sources: [{ kind: 'aws', name: 'a', region: 'us-east-1', budget: { calls: 5, perSeconds: 10 } }] }, 'sources.0.budget: must allow more calls'],
    [{ sources: [{ kind: 'aws', name: 'a', region: 'us-east-1' }], security: { limits: { callerBudget: { calls: 0, perSeconds: 1 } } } }, 'security.limits.callerBudget.calls'],
    [{ sources: [{ kind: 'aws', name: 'a b', region: 'us-east-1' }] }, 'sources.0.name'],
    [{ sources: [{ kind: 'aws', name: 'a', region: 'us-east-1', secretAccessKey: 'x' }] }, "sources.0: Unrecognized key(s) in object: 'secretAccessKey'"],
    [
      { sources: [{ kind: 'aws', name: 'a', region: 'us-east-1' }, { kind: 'aws', name: 'a', region: 'eu-west-1' }] },
      'sources.1.name: "a" is used by more than one source',
    ],
    [{ source: [] }, "Unrecognized key(s) in object: 'source'"],
  ])('rejects %j naming the key', (input, message) => {
    expect(() => parseConfig(input)).toThrow(ConfigError);
    expect(() => parseConfig(input)).toThrow(message);
  });

  describe('one rule for every URL setting: http or https, no user or password, https in production except to loopback', () => {
    const password = 'urlpass-9d41e7';
    const aws = (endpoint: string) => ({ kind: 'aws', name: 'a', region: 'us-east-1', endpoint });
    const tenant = (baseUrl: string) => ({ kind: 'sailpoint', name: 's', baseUrl, clientId: 'id', clientSecret: 'secret' });
    const jwks = (jwksUrl: string) => ({ auth: { jwt: { jwksUrl, issuer: 'https://idp.example.com/', audience: 'backup-graph' } } });

    it.each([
      ['an AWS endpoint with a user and password', { sources: [aws(`https://ops:${password}@backup.example.com`)] }, 'sources.0.endpoint: must not hold a user or password'],
      ['a SailPoint baseUrl with a user and password', { sources: [tenant(`https://ops:${password}@acme.api.identitynow.com`)] }, 'sources.0.baseUrl: must not hold a user or password'],
      ['a jwksUrl with a user and password', { security: jwks(`https://ops:${password}@idp.example.com/jwks.json`), sources: [aws('https://backup.example.com')] }, 'security.auth.jwt.jwksUrl: must not hold a user or password'],
      ['a file:// SailPoint baseUrl', { sources: [tenant('file:///etc/passwd')] }, 'sources.0.baseUrl: must be an http or https URL'],
      ['a javascript: CORS origin', { security: { corsOrigins: ['javascript:alert(1)'] }, sources: [aws('https://backup.example.com')] }, 'security.corsOrigins.0: must be an http or https URL'],
      ['a plain http jwksUrl in production mode', { security: jwks('http://idp.example.com/jwks.json'), sources: [aws('https://backup.example.com')] }, 'security.auth.jwt.jwksUrl: must be https in production mode'],
      ['a plain http SailPoint baseUrl in production mode', { sources: [tenant('http://acme.api.identitynow.com')] }, 'sources.0.baseUrl: must be https in production mode'],
      ['a plain http AWS endpoint in production mode', { sources: [aws('http://backup.example.com')] }, 'sources.0.endpoint: must be https in production mode'],
    ])('refuses %s, naming the key and never the credentials', (_name, input, message) => {
      expect(() => parseConfig(input)).toThrow(message);
      expect(() => parseConfig(input)).not.toThrow(password);
    });

    it('takes plain http to a loopback address in production, and anywhere in development', () => {
      const loopback = ['http://127.0.0.1:4566', 'http://localhost:4566', 'http://[::1]:4566'];
      expect(parseConfig({ sources: loopback.map((endpoint, index) => ({ ...aws(endpoint), name: `a${index}` })) }).sources).toHaveLength(3);
      const development = parseConfig({ security: { ...jwks('http://idp.internal/jwks.json'), production: false }, sources: [tenant('http://sailpoint.internal')] });
      expect(development.security.auth?.jwt?.jwksUrl).toBe('http://idp.internal/jwks.json');
    });
  });

  it('reads the file named by GATEWAY_CONFIG, and none means the sandbox', async () => {
    expect(await loadConfig({})).toBeNull();
    const dir = await mkdtemp(join(tmpdir(), 'backup-graph-'));
    const file = join(dir, 'gateway.json');
    await writeFile(file, JSON.stringify({ sources: [{ kind: 'aws', name: 'x', region: 'us-east-2' }] }));
    expect((await loadConfig({ GATEWAY_CONFIG: file }))?.sources[0]).toMatchObject({ region: 'us-east-2' });
    await writeFile(file, '{ not json');
    await expect(loadConfig({ GATEWAY_CONFIG: file })).rejects.toThrow('is not valid JSON');
    await writeFile(file, '{\n  "sources": [\n    { "clientSecret": "TopSecretValue99" \n      "kind": "sailpoint" }');
    await expect(loadConfig({ GATEWAY_CONFIG: file })).rejects.toThrow(/is not valid JSON at line 4, column 7$/);
    await writeFile(file, '{ "clientSecret": TopSecretValue99 }');
    await expect(loadConfig({ GATEWAY_CONFIG: file })).rejects.toThrow(/is not valid JSON$/);
    await expect(loadConfig({ GATEWAY_CONFIG: join(dir, 'missing.json') })).rejects.toThrow('ENOENT');
  });

  it('accepts SailPoint tenants from the file, with defaults', () => {
    const config = parseConfig({
      sources: [{ kind: 'sailpoint', name: 'acme', baseUrl: 'https://acme.api.identitynow.com', clientId: 'id', clientSecret: 's' }],
    });
    expect(config.sources[0]).toEqual({
      kind: 'sailpoint',
      name: 'acme',
      baseUrl: 'https://acme.api.identitynow.com',
      clientId: 'id',
      clientSecret: 's',
      includeUploads: true,
      timeoutMs: 10_000,
      maxConcurrency: 16,
      circuitBreaker: { failures: 5, halfOpenAfterMs: 30_000 },
      freshness: { refreshAfterMs: 5_000, maxStalenessMs: 15_000, staleIfErrorMs: 300_000 },
      budget: { calls: 100, perSeconds: 10 },
    });
    expect(() => parseConfig({ sources: [{ kind: 'sailpoint', name: 'acme', baseUrl: 'nope', clientId: 'id', clientSecret: 's' }] })).toThrow(
      'sources.0.baseUrl: must be the tenant API URL',
    );
  });

  it('adds one SailPoint tenant from SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET', async () => {
    const env = { SAIL_BASE_URL: 'https://acme.api.identitynow.com', SAIL_CLIENT_ID: 'id', SAIL_CLIENT_SECRET: 'top-secret' };
    expect((await loadConfig(env))?.sources).toEqual([
      expect.objectContaining({ kind: 'sailpoint', name: 'sailpoint', baseUrl: env.SAIL_BASE_URL, clientSecret: 'top-secret' }),
    ]);
    await expect(loadConfig({ SAIL_BASE_URL: env.SAIL_BASE_URL })).rejects.toThrow('set SAIL_CLIENT_ID, SAIL_CLIENT_SECRET as well');
    const error = await loadConfig({ ...env, SAIL_BASE_URL: 'not a url' }).catch((e: Error) => e);
    expect(String(error)).toContain('sources.0.baseUrl');
    expect(String(error)).not.toContain('top-secret');
  });

  it("merges the SAIL_* tenant into the file's SailPoint source of the same name, which then holds only its tuning", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'backup-graph-'));
    const file = join(dir, 'gateway.json');
    const env = { GATEWAY_CONFIG: file, SAIL_BASE_URL: 'https://acme.api.identitynow.com', SAIL_CLIENT_ID: 'id', SAIL_CLIENT_SECRET: 'env-secret-value' };
    const tuned = { kind: 'sailpoint', name: 'sailpoint', timeoutMs: 3_000, maxConcurrency: 4, circuitBreaker: { failures: 2 }, includeUploads: false };
    await writeFile(file, JSON.stringify({ sources: [{ kind: 'aws', name: 'prod-us', region: 'us-east-1' }, tuned] }));
    const merged = await loadConfig(env);
    expect(merged?.sources).toHaveLength(2);
    expect(merged?.sources[1]).toEqual({
      kind: 'sailpoint',
      name: 'sailpoint',
      baseUrl: env.SAIL_BASE_URL,
      clientId: 'id',
      clientSecret: 'env-secret-value',
      includeUploads: false,
      timeoutMs: 3_000,
      maxConcurrency: 4,
      circuitBreaker: { failures: 2, halfOpenAfterMs: 30_000 },
      freshness: { refreshAfterMs: 5_000, maxStalenessMs: 15_000, staleIfErrorMs: 300_000 },
      budget: { calls: 100, perSeconds: 10 },
    });

    // SAIL_SOURCE_NAME picks the entry; a file with no entry of that name gets the tenant as a source of its own.
    await writeFile(file, JSON.stringify({ sources: [{ ...tuned, name: 'acme' }] }));
    expect((await loadConfig({ ...env, SAIL_SOURCE_NAME: 'acme' }))?.sources).toEqual([expect.objectContaining({ name: 'acme', timeoutMs: 3_000, clientSecret: 'env-secret-value' })]);
    await writeFile(file, JSON.stringify({ security: { production: false } }));
    expect((await loadConfig(env))?.sources).toEqual([expect.objectContaining({ name: 'sailpoint', timeoutMs: 10_000, clientId: 'id' })]);

    // A key both set is refused rather than one of them silently ignored, naming the key and not its values.
    await writeFile(file, JSON.stringify({ sources: [{ ...tuned, clientSecret: 'file-secret-value' }] }));
    const doubled = String(await loadConfig(env).catch((error: Error) => error));
    expect(doubled).toContain('sources.0.clientSecret: is also set by SAIL_CLIENT_SECRET');
    expect(doubled).not.toMatch(/secret-value/);

    // Without the variables, the entry needs its credentials.
    await writeFile(file, JSON.stringify({ sources: [tuned] }));
    const bare = String(await loadConfig({ GATEWAY_CONFIG: file }).catch((error: Error) => error));
    for (const key of ['baseUrl', 'clientId', 'clientSecret']) expect(bare).toContain(`sources.0.${key}: Required`);
  });

  it('fills in the connection limits and keeps the headers bound inside the whole request', () => {
    const sources = [{ kind: 'aws', name: 'prod-us', region: 'us-east-1' }];
    expect(parseConfig({ sources }).security.limits).toMatchObject({
      headersTimeoutMs: 10_000,
      receiveTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_000,
    });
    expect(() => parseConfig({ sources, security: { limits: { headersTimeoutMs: 20_000, receiveTimeoutMs: 15_000 } } })).toThrow(
      'security.limits.headersTimeoutMs: must not be longer than receiveTimeoutMs',
    );
    expect(() => parseConfig({ sources, security: { limits: { maxConnections: 0 } } })).toThrow('security.limits.maxConnections');
  });

  it('reads PORT', () => {
    expect(readPort({})).toBe(4000);
    expect(readPort({ PORT: '8080' })).toBe(8080);
    expect(() => readPort({ PORT: 'eighty' })).toThrow('PORT must be an integer');
  });

  it('reads the sandbox settings, leaving unset ones to the sandbox defaults', () => {
    expect(sandboxOptionsFromEnv({})).toEqual({ awsPort: 4566, sailPointPort: 4567, awsListOrder: undefined, awsCrossAccountDescribe: undefined });
    expect(
      sandboxOptionsFromEnv({ SANDBOX_AWS_PORT: '0', SANDBOX_AWS_LIST_ORDER: 'shuffled', SANDBOX_AWS_CROSS_ACCOUNT_DESCRIBE: 'deny' }),
    ).toMatchObject({ awsPort: 0, awsListOrder: 'shuffled', awsCrossAccountDescribe: 'deny' });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_LIST_ORDER: 'oldest-first' })).toThrow(
      new ConfigError('SANDBOX_AWS_LIST_ORDER must be one of newest-first, shuffled, got "oldest-first"'),
    );
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_CROSS_ACCOUNT_DESCRIBE: 'DENY' })).toThrow('must be one of allow, deny');
    expect(sandboxOptionsFromEnv({ SANDBOX_AWS_ENABLED_REGIONS: 'us-east-1, af-south-1' })).toMatchObject({ awsEnabledRegions: ['us-east-1', 'af-south-1'] });
    expect(() => sandboxOptionsFromEnv({ SANDBOX_AWS_ENABLED_REGIONS: 'us-east-1,mars-1' })).toThrow(/^SANDBOX_AWS_ENABLED_REGIONS must list Regions separated by commas, each one of .*; got "mars-1"$/);
  });
});
