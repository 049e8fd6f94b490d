import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { launchChromium, skipBrowserTests } from '../helpers/chromium.js';
import { tempDir } from '../helpers/db.js';
import { freePort } from '../helpers/start-app.js';

const SHOTS = join('test-results', 'sandbox');

describe.skipIf(skipBrowserTests)('the sandbox page in a real browser', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let page: Page;
  let dir: ReturnType<typeof tempDir>;
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    await page.screenshot({ path: join(SHOTS, `${String(step).padStart(2, '0')}-${name}.png`), fullPage: false });
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir();
    sandbox = await startSandbox({ dataDir: dir.path, port: await freePort(), healthCheckSeconds: 3600 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${sandbox.url}/sandbox`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    dir?.cleanup();
  });

  const channel = () => page.locator('#pane-channel');
  const modal = () => page.locator('#modal-layer');

  it('breaks Jira, shows the alert, refuses a bad token with a field error, accepts the good one, resolves the alert', async () => {
    await expect.poll(() => page.locator('.integration').count()).toBeGreaterThan(10);
    await shot('page');

    await page.click('[data-control="revoke"][data-integration="jira-cloud"]');
    await page.click('[data-control="check"][data-integration="jira-cloud"]');
    await page.waitForSelector('#pane-channel .blk-header:has-text("Jira (Acme Cloud) is failing")');
    await shot('alert');

    await channel()
      .locator('.msg', { hasText: 'Jira (Acme Cloud) is failing' })
      .locator('button[data-action-id="reauth_open"]')
      .click();
    await page.waitForSelector('#modal-layer .modal input[data-block-id="token"]');
    await expect.poll(() => modal().isHidden()).toBe(false);
    await page.fill('#modal-layer input[data-block-id="email"]', 'demo@acme.example');
    await page.fill('#modal-layer input[data-block-id="token"]', 'ATATT3xThisIsNotAValidToken0001');
    await page.click('#modal-layer [data-submit-view]');
    await page.waitForSelector('#modal-layer .blk-error');
    expect(await page.textContent('#modal-layer .blk-error')).toContain('Jira rejected');
    await shot('field-error');

    const good = await page.textContent('.integration[data-integration="jira-cloud"] [data-demo-token]');
    await page.fill('#modal-layer input[data-block-id="token"]', good ?? '');
    await page.click('#modal-layer [data-submit-view]');
    await page.waitForSelector('#modal-layer .modal-title:has-text("Re-authenticated")');
    await shot('result');
    await page.click('#modal-layer [data-close-view]');
    await page.waitForSelector('#pane-channel .blk-header:has-text("Jira (Acme Cloud) is healthy again")');
    await shot('resolved');
  });

  it("completes the Bitbucket OAuth link-out through the emulator's Approve page", async () => {
    await page.fill('#command', '/reauth bitbucket-oauth');
    await page.press('#command', 'Enter');
    await page.waitForSelector('#modal-layer a[data-action-id="oauth_link"]');
    await shot('oauth-modal');
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.click('#modal-layer a[data-action-id="oauth_link"]'),
    ]);
    await tab.waitForSelector('#approve');
    await tab.screenshot({ path: join(SHOTS, 'oauth-authorize.png') });
    await tab.click('#approve');
    await tab.waitForSelector('#title');
    expect(await tab.textContent('#title')).toContain('Bitbucket (OAuth) is re-authenticated');
    await tab.screenshot({ path: join(SHOTS, 'oauth-callback.png') });
    await tab.close();
    await page.waitForSelector('#pane-channel .msg:has-text("re-authenticated Bitbucket (OAuth) by signing in")');
    await page.waitForSelector('.integration[data-integration="bitbucket-oauth"] .i-meta:has-text("healthy")');
    await shot('oauth-done');
  });
});
