// GraphiQL that works without internet access: yoga's page, with its assets served from the
// installed @graphql-yoga/graphiql package instead of a CDN.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { renderGraphiQL, type GraphiQLOptions, type Plugin } from 'graphql-yoga';

const GRAPHIQL_ASSET_PATH = '/graphiql-assets/';

/** A Map, not an object literal: a name such as `constructor` must not find anything. */
const ASSETS = new Map<string, string>([
  ['graphiql.css', 'text/css; charset=utf-8'],
  ['yoga-graphiql.umd.js', 'text/javascript; charset=utf-8'],
  ['monacoeditorwork/editor.worker.bundle.js', 'text/javascript; charset=utf-8'],
  ['monacoeditorwork/json.worker.bundle.js', 'text/javascript; charset=utf-8'],
  ['monacoeditorwork/graphql.worker..bundle.js', 'text/javascript; charset=utf-8'],
]);

const assetDirectory = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

/**
 * Yoga's page with every CDN address pointing at this server, and no remote favicon. The bundled
 * GraphiQL opens with its `query` option and ignores `defaultQuery`, so the example goes there.
 * The page's loading text keeps a `__TITLE__` placeholder yoga's template leaves unfilled.
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const withExample: GraphiQLOptions & { query?: string } = { ...options, query: options.defaultQuery };
  return renderGraphiQL(withExample)
    .replace(/<link rel=icon [^>]*>/, '')
    .replace('Loading __TITLE__...', 'Loading GraphiQL...')
    .replace(/https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g, GRAPHIQL_ASSET_PATH);
}

/** Serves the page's assets; only the files listed above, so no path reaches the disk unchecked. */
export function useGraphiQLAssets(): Plugin {
  const cache = new Map<string, Promise<Buffer>>();
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (!url.pathname.startsWith(GRAPHIQL_ASSET_PATH)) return;
      const name = url.pathname.slice(GRAPHIQL_ASSET_PATH.length);
      const contentType = ASSETS.get(name);
      const notFound = () => endResponse(new fetchAPI.Response('Not found', { status: 404 }));
      if (!contentType) return notFound();
      let body = cache.get(name);
      if (!body) {
        body = readFile(join(assetDirectory, name));
        cache.set(name, body);
      }
      return body.then(
        (bytes) =>
          endResponse(
            new fetchAPI.Response(new Uint8Array(bytes), {
              status: 200,
              headers: { 'content-type': contentType, 'cache-control': 'public, max-age=86400' },
            }),
          ),
        () => {
          // A package without the file (another GraphiQL build): an answer, never a stack trace.
          cache.delete(name);
          notFound();
        },
      );
    },
  };
}

/** What GraphiQL opens with: a query that shows off the merged list and the AWS detail. */
export const EXAMPLE_QUERY = `# Backup jobs from every configured source, newest first.
# Press the play button (or Ctrl+Enter), then open the Docs pane to explore the fields.
query RecentBackupJobs {
  backupSources {
    name
    kind
    health { reachable errorCode }
  }
  backupJobs(first: 10, filter: { phases: [FAILED, COMPLETED_WITH_ISSUES, RUNNING] }) {
    edges {
      node {
        id
        sourceName
        displayName
        phase
        createdAt
        completedAt
        ... on AwsBackupJob {
          accountId
          region
          resourceType
          backupVaultName
          state
          statusMessage
          backupSizeInBytes
          createdBy { backupPlanName backupRuleName backupRuleCron }
          recoveryPointLifecycle { moveToColdStorageAfterDays deleteAfterDays }
        }
        ... on SailPointBackupJob {
          tenant
          status
          backupType
          requesterName
          totalObjectCount
          options { includeTypes }
        }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;
