// GraphiQL in a real browser (Debian's Chromium, driven by playwright-core) on a 1280x800 window:
// the page renders with its own icon, opens with the whole example query in view, runs it against
// the sandbox and shows jobs on the first screen of the answer, while every request to a host other
// than the gateway is refused, as on a machine without internet access; and a subscription run in it
// shows the job an operator starts with the AWS SDK as it appears.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLE_QUERY } from '../src/graphiql.js';
import { startJobs } from './support/aws-jobs.js';
import { startTestGateway, type TestGateway } from './support/gateway.js';

const CHROMIUM = '/usr/bin/chromium';

/** A laptop's window: the example and the start of its answer must fit it. */
const VIEWPORT = { width: 1280, height: 800 };

/** Skipped on a developer's machine without Chromium, saying so; under CI a missing browser fails the run (.ci/run installs it). */
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
if (!HAS_CHROMIUM) console.warn(`${CHROMIUM} is not installed (apt-get install chromium): the GraphiQL browser test is skipped`);

/**
 * How far `element` reaches below the bottom of `pane` or of the window, in pixels: at most 0 when
 * it shows whole. Infinite while it is not rendered: the editors draw only the lines in view, and
 * redraw them as the page settles.
 */
async function overhang(element: Locator, pane: Locator): Promise<number> {
  const [box, paneBox] = await Promise.all([element.boundingBox(), pane.boundingBox()]);
  if (!box || !paneBox) return Number.POSITIVE_INFINITY;
  return box.y + box.height - Math.min(paneBox.y + paneBox.height, VIEWPORT.height);
}

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

  it('renders offline with its icon, shows the whole example, runs it, and shows jobs first', async () => {
    const page = await browser.newPage({ viewport: VIEWPORT });
    const gatewayOrigin = new URL(gateway.url).origin;
    const outside: string[] = [];
    const refused: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(gatewayOrigin) || url.startsWith('blob:') || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    page.on('response', (response) => {
      if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
    });

    await page.goto(gateway.url);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 20_000 });
    const editor = page.locator('.graphiql-query-editor');
    await expect.poll(() => editor.innerText(), { timeout: 20_000 }).toContain('RecentBackupJobs');

    // The editor renders only the lines in view; the example's last one must be among them, whole,
    // inside the editor and the window, and no line may need the horizontal scrollbar.
    const lastLine = String(EXAMPLE_QUERY.trimEnd().split('\n').length);
    const lastNumber = editor.locator('.line-numbers').filter({ hasText: new RegExp(`^${lastLine}$`) });
    await expect.poll(() => overhang(lastNumber, editor), { timeout: 20_000 }).toBeLessThanOrEqual(0);
    expect(await editor.locator('.scrollbar.horizontal').first().getAttribute('class')).toContain('invisible');

    const answered = page.waitForResponse(
      (response) => response.request().method() === 'POST' && (response.request().postData() ?? '').includes('RecentBackupJobs'),
    );
    await page.locator('.graphiql-execute-button').click();
    const answer = (await (await answered).json()) as { data?: { backupJobs: { edges: unknown[] } }; errors?: unknown };
    expect(answer.errors).toBeUndefined();
    expect(answer.data!.backupJobs.edges.length).toBeGreaterThan(0);
    // The answer's first screen shows a job: its first displayName line lies inside the pane and the window.
    const result = page.locator('.graphiql-response');
    const jobField = result.locator('.view-line').filter({ hasText: '"displayName"' }).first();
    await expect.poll(() => overhang(jobField, result), { timeout: 20_000 }).toBeLessThanOrEqual(0);

    expect(await page.locator('link[rel=icon]').getAttribute('href')).toBe('/favicon.svg');
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const icon = await page.request.get(new URL(path, gateway.url).href);
      expect(icon.status(), path).toBe(200);
      expect(icon.headers()['content-type'], path).toMatch(/^image\//);
    }
    expect(refused).toEqual([]);
    expect(outside).toEqual([]);
    await page.close();
  }, 60_000);

  it('runs a subscription over Server-Sent Events and shows a job started with the AWS SDK as it appears', async () => {
    // The job list as it is before the job starts: what the event is told against.
    await gateway.query('{ backupJobs(first: 1) { totalCount } }');
    const subscription = 'subscription Live { backupJobUpdated(filter: { sourceNames: ["aws-us-east-1"] }) { changes job { displayName phase ... on AwsBackupJob { backupJobId } } } }';
    const page = await browser.newPage({ viewport: VIEWPORT });
    try {
      await page.goto(gateway.url);
      const editor = page.locator('.graphiql-query-editor');
      await expect.poll(() => editor.innerText(), { timeout: 20_000 }).toContain('RecentBackupJobs');
      // As a person would: the example replaced by the subscription (inserted whole, as a paste is, so the editor adds no brackets).
      await editor.locator('.view-lines').first().click();
      await page.keyboard.press('ControlOrMeta+A');
      await page.keyboard.insertText(subscription);
      // GraphiQL takes an edit a moment after the editor shows it, and then writes it into the page's address.
      await expect.poll(() => decodeURIComponent(page.url()), { timeout: 20_000 }).toContain('backupJobUpdated');
      // GraphiQL subscribes with a GET that accepts text/event-stream, as EventSource does.
      const streaming = page.waitForResponse((response) => response.url().includes('backupJobUpdated') && response.headers()['content-type'] === 'text/event-stream');
      await page.locator('.graphiql-execute-button').click();
      expect((await streaming).status()).toBe(200);
      const [started] = await startJobs(gateway.sandbox.aws.url, 'us-east-1', 1, 'browser');
      // The read model refreshes every 5 s while the subscription watches it: the event follows within that.
      await expect.poll(() => page.locator('.graphiql-response').innerText(), { timeout: 20_000 }).toContain(started!);
      expect(await page.locator('.graphiql-response').innerText()).toContain('APPEARED');
    } finally {
      await page.close();
    }
  }, 60_000);
});
