// An AWS entry for every enabled Region, through the real entry point: the gateway asks the
// sandbox's Account Management ListRegions once, at start, and serves one source per Region, each
// with its own guard and budget; a refused ListRegions stops the start, naming the entry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox } from '../src/sandbox/aws/index.js';
import { refusedStart, startEntryPoint } from './support/entry-point.js';

const CREDENTIALS = { AWS_ACCESS_KEY_ID: SANDBOX_AWS_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: SANDBOX_AWS_CREDENTIALS.secretAccessKey };

let sandbox: AwsSandbox;

/** One entry for every enabled Region; a budget of one call a second per source, and a circuit that opens at the first failure. */
const entry = () => ({
  kind: 'aws',
  name: 'org',
  accountId: '*',
  regions: 'enabled',
  endpoint: sandbox.url,
  timeoutMs: 5_000,
  budget: { calls: 3, perSeconds: 1 },
  circuitBreaker: { failures: 1 },
});

beforeAll(async () => {
  // Three Regions of one page each: a first page costs each source one ListBackupJobs.
  sandbox = await startAwsSandbox({ jobs: 200, accounts: 2, regions: 3, now: new Date('2026-11-01T12:00:00Z'), frozenClock: true });
});

afterAll(() => sandbox.close());

async function query(url: string, text: string): Promise<any> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: text }) });
  return ((await response.json()) as { data: unknown }).data;
}

describe('regions: "enabled"', () => {
  it('serves one source per enabled Region, named as named Regions are, each with its own guard and budget; ListRegions is asked once', async () => {
    sandbox.calls.reset();
    const gateway = await startEntryPoint({ sources: [entry()] }, CREDENTIALS);
    try {
      expect(sandbox.calls.count('ListRegions')).toBe(1);
      sandbox.calls.reset();
      sandbox.faults.set('eu-west-1', { kind: 'denied', operation: 'ListBackupJobs' });

      const page = await query(gateway.url, '{ backupJobs(first: 5) { sources { sourceName complete errorCode } } }');
      expect(page.backupJobs.sources).toEqual([
        { sourceName: 'org-eu-west-1', complete: false, errorCode: 'UPSTREAM_AUTH_FAILED' },
        { sourceName: 'org-us-east-1', complete: true, errorCode: null },
        { sourceName: 'org-us-east-2', complete: true, errorCode: null },
      ]);
      // The failing Region's circuit opened; the others' stayed closed.
      const sources = await query(gateway.url, '{ backupSources { name circuit } }');
      expect(sources.backupSources).toEqual([
        { name: 'org-eu-west-1', circuit: 'OPEN' },
        { name: 'org-us-east-1', circuit: 'CLOSED' },
        { name: 'org-us-east-2', circuit: 'CLOSED' },
      ]);
      // One round trip for the three: each Region spent its own one call a second, together three
      // within a second, which one budget of one call a second could not have allowed.
      for (const region of ['eu-west-1', 'us-east-1', 'us-east-2']) expect(sandbox.calls.count('ListBackupJobs', region)).toBe(1);
      expect(sandbox.calls.peak(1_000)).toBe(3);
      // The Regions were read at start only.
      expect(sandbox.calls.count('ListRegions')).toBe(0);
      expect(gateway.output()).toContain('Sources: org-eu-west-1 (aws), org-us-east-1 (aws), org-us-east-2 (aws)');
      expect(gateway.output()).not.toContain(SANDBOX_AWS_CREDENTIALS.secretAccessKey);
    } finally {
      sandbox.faults.clear();
      await gateway.stop();
    }
  }, 60_000);

  it('asks once however many workers serve: the primary hands every worker the sources', async () => {
    sandbox.calls.reset();
    const gateway = await startEntryPoint({ sources: [entry()] }, { ...CREDENTIALS, WORKERS: '2' });
    try {
      for (let request = 0; request < 4; request++) {
        const sources = await query(gateway.url, '{ backupSources { name } }');
        expect(sources.backupSources).toEqual([{ name: 'org-eu-west-1' }, { name: 'org-us-east-1' }, { name: 'org-us-east-2' }]);
      }
      expect(sandbox.calls.count('ListRegions')).toBe(1);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it('stops the start when ListRegions is refused, naming the entry and what it needs, never a credential', async () => {
    sandbox.faults.set('us-east-1', { kind: 'denied', operation: 'ListRegions' });
    try {
      const { code, stderr, output } = await refusedStart({ sources: [{ kind: 'aws', name: 'prod', region: 'us-east-1', endpoint: sandbox.url }, entry()] }, CREDENTIALS);
      expect(code).toBe(1);
      expect(stderr).toMatch(/Cannot start over GATEWAY_CONFIG file \S+:\n {2}- sources\.1: \("org"\) could not list the Regions enabled for the account: AWS Account Management refused ListRegions \(AccessDeniedException\): the identity needs account:ListRegions; or name the Regions in "regions"\n/);
      expect(output).not.toContain(SANDBOX_AWS_CREDENTIALS.secretAccessKey);
      expect(output).not.toContain('listening');
    } finally {
      sandbox.faults.clear();
    }
  }, 60_000);
});
