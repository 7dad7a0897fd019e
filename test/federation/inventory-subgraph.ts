// A second subgraph for the federation tests: an inventory service that extends AwsResource and
// adds a field to AwsBackupJob by its natural key, as a platform team's service would.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

export const INVENTORY_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.14", import: ["@key", "@shareable"])

  type Query {
    "Resources the inventory knows to be protected by a backup plan."
    protectedResources: [AwsResource!]!
  }

  type AwsResource @key(fields: "arn") {
    arn: String!
    owner: String!
    environment: String!
    latestBackup: AwsBackupJob
  }

  type AwsBackupJob @key(fields: "accountId region backupJobId") {
    accountId: String
    region: String!
    backupJobId: String!
    costCenter: String!
  }
`;

export interface InventoryResource {
  arn: string;
  owner: string;
  environment: string;
  latestBackup: { accountId: string; region: string; backupJobId: string };
}

export interface InventorySubgraph {
  url: string;
  close(): Promise<void>;
}

const costCenterOf = (accountId: string | null | undefined) => (accountId === '111122223333' ? 'CC-PROD-01' : 'CC-SHARED-02');

export async function startInventorySubgraph(resources: readonly InventoryResource[]): Promise<InventorySubgraph> {
  const byArn = new Map(resources.map((resource) => [resource.arn, resource]));
  const schema = buildSubgraphSchema({
    typeDefs: parse(INVENTORY_SDL),
    resolvers: {
      Query: { protectedResources: () => resources },
      AwsResource: {
        __resolveReference: (reference: { arn: string }) => byArn.get(reference.arn) ?? null,
      },
      AwsBackupJob: {
        __resolveReference: (reference: { accountId: string }) => reference,
        costCenter: (job: { accountId?: string | null }) => costCenterOf(job.accountId),
      },
    },
  });
  const server: Server = createServer(createYoga({ schema, graphiql: false, logging: false, maskedErrors: false }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export { costCenterOf };
