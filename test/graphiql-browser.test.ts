// GraphiQL in a real browser (Debian's Chromium, driven by playwright-core): the page renders,
// opens with the example query, runs it against the sandbox and shows the jobs, while every
// request to a host other than the gateway is refused, as on a machine without internet access.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const CHROMIUM = '/usr/bin/chromium';

/** Skipped on a developer's machine without Chromium, saying so; under CI a missing browser fails the run (.ci/run installs it). */
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);

describe.skipIf(!HAS_CHROMIUM)('GraphiQL in Chromium', () => {
  let gateway: TestGateway;
  let browser: Browser;
  beforeAll(async () => {
    gateway = await startTestGateway();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('renders offline, opens with the example query, and runs it', async () => {
    const page = await browser.newPage();
    const gatewayOrigin = new URL(gateway.url).origin;
    const outside: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(gatewayOrigin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });

    await page.goto(gateway.url);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    const editor = page.locator('.graphiql-query-editor');
    await expect.poll(() => editor.innerText(), { timeout: 20_000 }).toContain('RecentBackupJobs');

    const answered = page.waitForResponse(
      (response) => response.request().method() === 'POST' && (response.request().postData() ?? '').includes('RecentBackupJobs'),
    );
    await page.locator('.graphiql-execute-button').click();
    const answer = (await (await answered).json()) as { data?: { backupJobs: { edges: unknown[] } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.edges.length).toBeGreaterThan(0);
    // The response pane shows the answer (its editor renders only the lines in view: the top ones).
    await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 20_000 }).toContain('"backupSources"');
    expect(outside).toEqual([]);
    await page.close();
  }, 60_000);
});
