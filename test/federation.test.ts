// The gateway as an Apollo Federation v2 subgraph, proven with the tools platform teams use:
// @apollo/composition composes it with a second subgraph, and a real supergraph gateway (Hive
// Gateway's runtime) runs a query across both over loopback HTTP.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { printSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { parse } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { schema } from '../schema/index.js';
import { costCenterOf, INVENTORY_SDL, startInventorySubgraph, type InventorySubgraph } from './federation/inventory-subgraph.js';
import { startRecordingProxy, type RecordingProxy } from './federation/recording-proxy.js';
import { startTestGateway, steady, type TestGateway } from './support/gateway.js';

let backup: TestGateway;
beforeAll(async () => {
  // The read models stay fresh for the whole file: lookups cost exactly what the first reads cost.
  backup = await startTestGateway({ configure: steady });
});
afterAll(() => backup.close());
beforeEach(() => {
  backup.sandbox.aws.calls.reset();
  backup.sandbox.sailPoint.calls.reset();
});

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on AwsBackupJob { id backupJobId accountId region state }
    ... on SailPointBackupJob { id jobId tenant status }
  }
}`;

async function globalIds(first: number, sourceKinds: string) {
  const result = await backup.query(`{ backupJobs(first: ${first}, filter: { sourceKinds: [${sourceKinds}] }) { edges { node { id } } } }`);
  return result.data!.backupJobs.edges.map((edge: any) => edge.node.id as string);
}

describe('subgraph', () => {
  it('serves _service.sdl equal to the committed schema/schema.graphql, linked to Federation v2', async () => {
    const result = await backup.query(`{ _service { sdl } }`);
    const committed = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    // The served SDL is the committed file, which composition tools read: what a router composes is what runs.
    expect(result.data!._service.sdl).toBe(committed);
    expect(committed).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(committed).toMatch(/interface BackupJob[^{]*@key\(fields: "id"\)/);
    expect(committed).toMatch(/type AwsBackupJob[^{]*@key\(fields: "accountId region backupJobId"\)/);
    expect(committed).toMatch(/type SailPointBackupJob[^{]*@key\(fields: "tenant jobId"\)/);
    expect(committed).toMatch(/type AwsResource[^{]*@key\(fields: "arn", resolvable: false\)/);
    expect(committed).toMatch(/type AwsRecoveryPoint[^{]*@key\(fields: "backupVaultArn recoveryPointArn"\)/);
    expect(committed).toMatch(/type AwsBackupPlan[^{]*@key\(fields: "backupPlanArn versionId"\)/);
    expect(committed).toMatch(/type AwsBackupVault[^{]*@key\(fields: "backupVaultArn"\)/);
  });

  it('resolves 100 AWS representations, by id and by natural key, from the read models, with no call', async () => {
    const ids = await globalIds(50, 'AWS_BACKUP');
    const jobs = backup.sandbox.aws.store.jobs().slice(100, 150);
    backup.sandbox.aws.calls.reset();
    const representations = [
      ...ids.map((id: string) => ({ __typename: 'AwsBackupJob', id })),
      ...jobs.map(({ region, record }) => ({
        __typename: 'AwsBackupJob',
        accountId: record.AccountId,
        region,
        backupJobId: record.BackupJobId,
      })),
    ];
    const result = await backup.query(ENTITIES, { representations });
    expect(result.errors).toBeUndefined();
    const entities = result.data!._entities;
    expect(entities).toHaveLength(100);
    expect(entities.slice(0, 50).map((e: any) => e.id)).toEqual(ids);
    expect(entities.slice(50).map((e: any) => [e.backupJobId, e.accountId, e.region])).toEqual(
      jobs.map(({ region, record }) => [record.BackupJobId, record.AccountId, region]),
    );
    // Every job is in its source's read model, which listing the ids above filled: nothing to call.
    expect(backup.sandbox.aws.calls.count()).toBe(0);
  });

  it('resolves 100 SailPoint representations from the read models, with no call', async () => {
    const ids = await globalIds(40, 'SAILPOINT');
    const records = backup.sandbox.sailPoint.tenants.flatMap(({ name }) => backup.sandbox.sailPoint.store.backups(name));
    backup.sandbox.sailPoint.calls.reset();
    const byKey = records.map((record) => ({ __typename: 'SailPointBackupJob', tenant: record.tenant, jobId: record.jobId }));
    const representations = [...ids.map((id: string) => ({ __typename: 'SailPointBackupJob', id })), ...byKey].slice(0, 100);
    expect(representations).toHaveLength(100);
    const result = await backup.query(ENTITIES, { representations });
    expect(result.errors).toBeUndefined();
    expect(result.data!._entities.slice(0, 40).map((e: any) => e.id)).toEqual(ids);
    expect(result.data!._entities.slice(40).map((e: any) => [e.tenant, e.jobId])).toEqual(
      byKey.slice(0, 60).map((key) => [key.tenant, key.jobId]),
    );
    expect(backup.sandbox.sailPoint.calls.count()).toBe(0);
  });

  it('puts null in the slot of an entity that does not exist, and keeps the others', async () => {
    const [id] = await globalIds(1, 'AWS_BACKUP');
    const result = await backup.query(ENTITIES, {
      representations: [
        { __typename: 'AwsBackupJob', accountId: '111122223333', region: 'us-east-1', backupJobId: 'NO-SUCH-JOB' },
        { __typename: 'AwsBackupJob', id },
        { __typename: 'SailPointBackupJob', tenant: 'acme-prod', jobId: 'no-such-job' },
        { __typename: 'BackupJob', id },
      ],
    });
    expect(result.errors).toBeUndefined();
    const [missing, found, missingSailPoint, viaInterface] = result.data!._entities;
    expect(missing).toBeNull();
    expect(found.id).toBe(id);
    expect(missingSailPoint).toBeNull();
    expect(viaInterface).toMatchObject({ __typename: 'AwsBackupJob', id });
  });

  it('fails only the slot of a malformed id, with BAD_USER_INPUT', async () => {
    const [id] = await globalIds(1, 'AWS_BACKUP');
    const result = await backup.query(ENTITIES, {
      representations: [{ __typename: 'AwsBackupJob', id: 'not-an-id' }, { __typename: 'AwsBackupJob', id }],
    });
    expect(result.data!._entities[0]).toBeNull();
    expect(result.data!._entities[1].id).toBe(id);
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([[['_entities', 0], 'BAD_USER_INPUT']]);
    // Located by the gateway rather than the executor: still at the field that asked.
    expect(result.errors?.[0]?.locations).toEqual([{ line: 2, column: 3 }]);
  });

  it.each([
    ['a __typename this subgraph does not have', { __typename: 'Invoice', id: 'x' }],
    ['a type of this subgraph that is no entity', { __typename: 'BackupSource', name: 'x' }],
    ['an interface that is no entity', { __typename: 'Node', id: 'x' }],
    ['a stub it cannot resolve', { __typename: 'AwsResource', arn: 'arn:aws:ec2:us-east-1:111122223333:volume/vol-1' }],
    ['no __typename', { id: 'x' }],
    ['a representation that is not an object', 'x'],
  ])('refuses %s as BAD_USER_INPUT, not an internal error', async (_name, representation) => {
    const result = await backup.query(ENTITIES, { representations: [representation] });
    expect(result.errors?.map((error) => error.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors?.[0]?.message).toContain('representations[0]');
  });
});

describe('supergraph', () => {
  let inventory: InventorySubgraph;
  let proxy: RecordingProxy;
  let gatewayServer: Server;
  let gatewayUrl: string;
  let resources: { arn: string; owner: string; environment: string; latestBackup: { accountId: string; region: string; backupJobId: string } }[];

  beforeAll(async () => {
    // The newest job of each of 12 distinct resources.
    const newestPerResource = new Map(
      backup.sandbox.aws.store
        .jobs('eu-west-1')
        .toReversed()
        .map((job) => [job.record.ResourceArn as string, job]),
    );
    resources = [...newestPerResource.values()]
      .slice(0, 12)
      .map(({ region, record }, index) => ({
        arn: record.ResourceArn as string,
        owner: index % 2 === 0 ? 'payments-team' : 'identity-team',
        environment: index % 3 === 0 ? 'staging' : 'production',
        latestBackup: { accountId: record.AccountId as string, region, backupJobId: record.BackupJobId as string },
      }));
    inventory = await startInventorySubgraph(resources);
    proxy = await startRecordingProxy(backup.url);
  });

  afterAll(async () => {
    gatewayServer?.closeAllConnections();
    await new Promise((resolve) => gatewayServer?.close(resolve));
    await proxy.close();
    await inventory.close();
  });

  it('composes with a second subgraph with @apollo/composition, without errors', () => {
    const result = composeServices([
      { name: 'backups', typeDefs: parse(printSubgraphSchema(schema)), url: proxy.url },
      { name: 'inventory', typeDefs: parse(INVENTORY_SDL), url: inventory.url },
    ]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.supergraphSdl).toContain('join__graph(name: "backups"');
  });

  it('answers a query across both subgraphs through a real gateway, with one batched _entities call to this subgraph', async () => {
    const composed = composeServices([
      { name: 'backups', typeDefs: parse(printSubgraphSchema(schema)), url: proxy.url },
      { name: 'inventory', typeDefs: parse(INVENTORY_SDL), url: inventory.url },
    ]);
    const runtime = createGatewayRuntime({ supergraph: composed.supergraphSdl!, logging: false, maskedErrors: false });
    gatewayServer = createServer(runtime);
    await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
    gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}/graphql`;

    proxy.bodies.length = 0;
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{
          protectedResources {
            arn owner
            latestBackup { backupJobId phase state costCenter createdBy { backupPlanName } resource { arn environment } }
          }
        }`,
      }),
    });
    const result = (await response.json()) as { data: any; errors?: unknown[] };
    expect(result.errors).toBeUndefined();
    const answered = result.data.protectedResources;
    expect(answered).toHaveLength(resources.length);
    answered.forEach((resource: any, index: number) => {
      const expected = resources[index]!;
      const raw = backup.sandbox.aws.store.job('eu-west-1', expected.latestBackup.backupJobId)!.record;
      expect(resource.arn).toBe(expected.arn);
      expect(resource.latestBackup).toMatchObject({
        backupJobId: expected.latestBackup.backupJobId,
        state: raw.State,
        costCenter: costCenterOf(expected.latestBackup.accountId),
        createdBy: raw.CreatedBy ? { backupPlanName: (raw.CreatedBy as any).BackupPlanName ?? null } : null,
        resource: { arn: expected.arn, environment: expected.environment },
      });
    });
    const entityCalls = proxy.bodies.filter((body) => body.includes('_entities'));
    expect(entityCalls).toHaveLength(1);
    expect(JSON.parse(entityCalls[0]!).variables.representations).toHaveLength(resources.length);
  });
});
