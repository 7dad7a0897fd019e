// GraphiQL works offline: its page and every asset come from this server.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../src/graphiql.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});
afterAll(() => gateway.close());

describe('GraphiQL', () => {
  it('serves a page that references no outside host, opening with the example query', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('YogaGraphiQL');
    expect(html).not.toContain('__TITLE__');
    // The bundled GraphiQL opens with `query` (it ignores `defaultQuery`).
    const options = JSON.parse(/renderYogaGraphiQL\(root,(\{.*?\})\)\}\)<\/script>/s.exec(html)![1]!);
    expect(options.query).toContain('query RecentBackupJobs');
    expect(options.query).toContain('backupJobs(first: 10');
    const external = html.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"'<>)]*/gi) ?? [];
    expect(external).toEqual([]);
  });

  it('serves every asset the page loads', async () => {
    const html = await (await fetch(gateway.url, { headers: { accept: 'text/html' } })).text();
    const assets = [...new Set(html.match(/\/graphiql-assets\/[A-Za-z0-9_./-]+\.(js|css)/g) ?? [])];
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      const response = await fetch(new URL(asset, gateway.url));
      expect(response.status, asset).toBe(200);
      expect((await response.arrayBuffer()).byteLength, asset).toBeGreaterThan(1000);
    }
  });

  it('refuses asset paths it does not know', async () => {
    for (const path of [
      '/graphiql-assets/../../package.json',
      '/graphiql-assets/%2e%2e/package.json',
      '/graphiql-assets/nope.js',
      '/graphiql-assets/constructor',
      '/graphiql-assets/__proto__',
      '/graphiql-assets/toString',
    ]) {
      const response = await fetch(new URL(path, gateway.url));
      expect(response.status, path).toBe(404);
    }
  });

  it('opens with the query the README shows', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const query = EXAMPLE_QUERY.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(readme).toContain(`\`\`\`graphql\n${query}\`\`\``);
  });
});
