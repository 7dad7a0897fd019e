// What a client learns from an answer about its own input: the page-size range before the cost
// limit that a huge `first` also trips, and a warning for a resource type spelt in the wrong case.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe('page size', () => {
  it.each([100_000, 0, 101])('names the range of first: %i before any cost limit', async (first) => {
    const answer = await gateway.query(`{ backupJobs(first: ${first}) { edges { node { id displayName } } } }`);
    expect(answer.data ?? null).toBeNull();
    expect(answer.errors?.[0]?.message).toBe(`"first" must be between 1 and 100, got ${first}`);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('finds first in a fragment too', async () => {
    const answer = await gateway.query('{ ...Page } fragment Page on Query { backupJobs(first: 100000) { totalCount } }');
    expect(answer.errors?.[0]?.message).toBe('"first" must be between 1 and 100, got 100000');
  });
});

describe('resource types', () => {
  it('warns in extensions when a resource type matches a known AWS one only case-insensitively', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ebs: backupJobs(first: 1, filter: { resourceType: "ebs" }) { totalCount } }' }),
    });
    const answer = (await response.json()) as { data: unknown; errors?: unknown; extensions?: { warnings?: unknown } };
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ ebs: { totalCount: 0 } });
    expect(answer.extensions?.warnings).toEqual([
      {
        code: 'RESOURCE_TYPE_CASE',
        message: '"ebs" is no AWS resource type: resource types are case-sensitive, did you mean "EBS"?',
        path: ['ebs'],
      },
    ]);
  });

  it('adds no warning for a resource type in its AWS spelling, nor for one AWS does not know in any case', async () => {
    for (const resourceType of ['EBS', 'SAP HANA on Amazon EC2', 'Floppy']) {
      const response = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($t: String) { backupJobs(first: 1, filter: { resourceType: $t }) { totalCount } }', variables: { t: resourceType } }),
      });
      const answer = (await response.json()) as { errors?: unknown; extensions?: unknown };
      expect(answer.errors).toBeUndefined();
      expect(answer.extensions).toBeUndefined();
    }
  });

  it('says in the schema that resource types are case-sensitive AWS names', async () => {
    const answer = await gateway.query('{ __type(name: "BackupJobFilter") { inputFields { name description } } }');
    const field = answer.data!.__type.inputFields.find((input: { name: string }) => input.name === 'resourceType');
    expect(field.description).toMatch(/case-sensitive/);
    expect(field.description).toContain('`DynamoDB`');
  });
});
