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

/** The page's icon: a backup cylinder drawn here, so that nothing is fetched from elsewhere. */
const FAVICON_PATH = '/favicon.svg';
/**
 * Where a browser looks for an icon on a page that links none (/health, a JSON answer): the same
 * picture, its content type saying that it is SVG.
 */
const HABITUAL_FAVICON_PATH = '/favicon.ico';
const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#1f6feb"/>
<g fill="none" stroke="#fff" stroke-width="2.5" stroke-linecap="round">
<ellipse cx="16" cy="9" rx="9" ry="3.5"/>
<path d="M7 9v14c0 1.9 4 3.5 9 3.5s9-1.6 9-3.5V9"/>
<path d="M7 16c0 1.9 4 3.5 9 3.5s9-1.6 9-3.5"/>
</g>
</svg>
`;

const assetDirectory = join(dirname(createRequire(import.meta.url).resolve('@graphql-yoga/graphiql/package.json')), 'dist');

/**
 * Yoga's page with every CDN address pointing at this server, and this server's own icon. The
 * bundled GraphiQL opens with its `query` option and ignores `defaultQuery`, so the example goes
 * there; it opens with the variables and headers pane folded (`defaultEditorToolsVisibility`), so
 * that the whole example shows on a laptop screen. The page's loading text keeps a `__TITLE__`
 * placeholder yoga's template leaves unfilled.
 */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  const opening: GraphiQLOptions & { query?: string; defaultEditorToolsVisibility?: boolean } = {
    ...options,
    query: options.defaultQuery,
    defaultEditorToolsVisibility: false,
  };
  return renderGraphiQL(opening)
    .replace(/<link rel=icon [^>]*>/, `<link rel=icon type=image/svg+xml href=${FAVICON_PATH}>`)
    .replace('Loading __TITLE__...', 'Loading GraphiQL...')
    .replace(/https:\/\/unpkg\.com\/@graphql-yoga\/graphiql@[^/]+\/dist\//g, GRAPHIQL_ASSET_PATH);
}

/**
 * Serves the icon at both paths in every mode: it is no secret, and a browser that opens /health or
 * /readiness on a gateway without GraphiQL asks for /favicon.ico all the same.
 */
export function useFavicon(): Plugin {
  return {
    onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== FAVICON_PATH && url.pathname !== HABITUAL_FAVICON_PATH) return;
      endResponse(
        new fetchAPI.Response(FAVICON_SVG, { status: 200, headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=86400' } }),
      );
    },
  };
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

/**
 * What GraphiQL opens with: one root field, so that the answer starts with jobs (yoga's executor puts
 * sibling root fields in the order they resolve, not the order asked), and how each source took part
 * in the page. Narrow and short enough to show whole in the editor of a 1280x800 window.
 */
export const EXAMPLE_QUERY = `# Jobs that failed or need a look, newest
# first, from every source. Ctrl+Enter runs
# it; the Docs pane (left) has every field.
query RecentBackupJobs {
  backupJobs(first: 10, filter: {
    phases: [FAILED, COMPLETED_WITH_ISSUES]
  }) {
    totalCount
    edges {
      node {
        displayName
        phase
        sourceName
        createdAt
        ... on AwsBackupJob {
          accountId region resourceType
          backupSizeInBytes statusMessage
        }
        ... on SailPointBackupJob {
          tenant status backupType
        }
      }
    }
    sources {
      sourceName complete stale
      fetchedAt errorCode
    }
    pageInfo { hasNextPage endCursor }
  }
}
`;
