// The AWS sandbox's Account Management ListRegions, proven with the unmodified @aws-sdk/client-account
// over real HTTP: which Regions it says are enabled, its paging, its credential scope and its refusals.
import { AccessDeniedException, AccountClient, ListRegionsCommand, paginateListRegions, ValidationException, type ListRegionsCommandInput, type Region } from '@aws-sdk/client-account';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_REGIONS, SANDBOX_AWS_CREDENTIALS, startAwsSandbox, type AwsSandbox } from '../src/sandbox/aws/index.js';

let seeded: AwsSandbox;
let large: AwsSandbox;
const clients: AccountClient[] = [];

function client(target: AwsSandbox, region = 'us-east-1'): AccountClient {
  // One attempt: a retry would hide a refused call from the assertions.
  const created = new AccountClient({ endpoint: target.url, region, credentials: SANDBOX_AWS_CREDENTIALS, maxAttempts: 1 });
  clients.push(created);
  return created;
}

async function listed(target: AwsSandbox, input: ListRegionsCommandInput, pageSize?: number): Promise<{ regions: Region[]; pages: number }> {
  const regions: Region[] = [];
  let pages = 0;
  for await (const page of paginateListRegions({ client: client(target), ...(pageSize ? { pageSize } : {}) }, input)) {
    pages += 1;
    regions.push(...(page.Regions ?? []));
  }
  return { regions, pages };
}

/** A new object each time: the SDK's paginator writes each page's NextToken into the input it is given. */
const enabled = () => ({ RegionOptStatusContains: ['ENABLED' as const, 'ENABLED_BY_DEFAULT' as const] });

beforeAll(async () => {
  [seeded, large] = await Promise.all([
    startAwsSandbox({ now: new Date('2026-11-01T12:00:00Z') }),
    // Three default Regions served, and one opt-in Region enabled on top (it serves no jobs).
    startAwsSandbox({ jobs: 100, accounts: 3, regions: 3, enabledRegions: ['us-east-1', 'eu-west-1', 'us-east-2', 'af-south-1'], frozenClock: true }),
  ]);
});

afterAll(async () => {
  for (const created of clients) created.destroy();
  await Promise.all([seeded.close(), large.close()]);
});

describe('ListRegions', () => {
  it('says the Regions the sandbox serves are enabled by default, and every other Region is disabled', async () => {
    const named = await listed(seeded, enabled());
    expect(named.regions).toEqual([
      { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
      { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
    ]);
    const all = await listed(seeded, {});
    expect(all.regions.filter((region) => region.RegionOptStatus === 'DISABLED')).toHaveLength(all.regions.length - 2);
    expect(all.regions.map((region) => region.RegionName)).toEqual(expect.arrayContaining([...AWS_REGIONS, 'af-south-1', 'me-central-1']));
    // 32 Regions at the default page size of 20.
    expect(all.pages).toBe(2);
  });

  it('says an opt-in Region it was told of is ENABLED, and pages by NextToken whatever the page size', async () => {
    for (const pageSize of [1, 3, 50]) {
      const { regions, pages } = await listed(large, enabled(), pageSize);
      expect(regions).toEqual([
        { RegionName: 'af-south-1', RegionOptStatus: 'ENABLED' },
        { RegionName: 'eu-west-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'us-east-1', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
        { RegionName: 'us-east-2', RegionOptStatus: 'ENABLED_BY_DEFAULT' },
      ]);
      expect(pages).toBe(Math.ceil(4 / pageSize));
    }
    const optedIn = await listed(large, { RegionOptStatusContains: ['ENABLED'] });
    expect(optedIn.regions.map((region) => region.RegionName)).toEqual(['af-south-1']);
  });

  it('answers for an account of the organization, and refuses any other with AccessDeniedException', async () => {
    const member = await client(seeded).send(new ListRegionsCommand({ ...enabled(), AccountId: '444455556666' }));
    expect(member.Regions).toHaveLength(2);
    await expect(client(seeded).send(new ListRegionsCommand({ AccountId: '999999999999' }))).rejects.toBeInstanceOf(AccessDeniedException);
  });

  it('refuses a bad member or a NextToken of another listing with ValidationException, in its own shape', async () => {
    const refused = await client(seeded).send(new ListRegionsCommand({ MaxResults: 51 })).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationException);
    expect(refused).toMatchObject({ reason: 'fieldValidationFailed', fieldList: [{ name: 'maxResults' }], $metadata: { httpStatusCode: 400 } });
    const first = await client(seeded).send(new ListRegionsCommand({ MaxResults: 1 }));
    await expect(client(seeded).send(new ListRegionsCommand({ ...enabled(), MaxResults: 1, NextToken: first.NextToken }))).rejects.toBeInstanceOf(ValidationException);
  });

  it('checks the credential scope: the account service, signed for us-east-1', async () => {
    const elsewhere = await client(seeded, 'eu-west-1').send(new ListRegionsCommand({})).catch((error: unknown) => error);
    expect(elsewhere).toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
    const unsigned = await fetch(`${seeded.url}/listRegions`, { method: 'POST', body: '{}' });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    expect(await unsigned.json()).toEqual({ message: 'Missing Authentication Token' });
    // A Backup call signed for the account service is refused as well.
    const crossed = await fetch(`${seeded.url}/backup-jobs`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIASANDBOXEXAMPLE/20261101/us-east-1/account/aws4_request, SignedHeaders=host, Signature=0' },
    });
    expect(crossed.status).toBe(403);
    expect(crossed.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
  });

  it('plays faults in Account Management\'s shapes, counted under the us-east-1 it is signed for', async () => {
    seeded.calls.reset();
    seeded.faults.set('us-east-1', { kind: 'denied', operation: 'ListRegions', times: 1 });
    seeded.faults.set('eu-west-1', { kind: 'throttle', operation: 'ListRegions' });
    const denied = await client(seeded).send(new ListRegionsCommand({})).catch((error: unknown) => error);
    expect(denied).toBeInstanceOf(AccessDeniedException);
    expect((denied as Error).message).toContain('account:ListRegions');
    seeded.faults.set('us-east-1', { kind: 'throttle', operation: 'ListRegions', times: 1 });
    await expect(client(seeded).send(new ListRegionsCommand({}))).rejects.toMatchObject({ name: 'TooManyRequestsException', $metadata: { httpStatusCode: 429 } });
    seeded.faults.clear();
    await client(seeded).send(new ListRegionsCommand({}));
    expect(seeded.calls.count('ListRegions', 'us-east-1')).toBe(3);
  });
});
