import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ROWS } from '../../src/sandbox/demo.js';
import { DELIVERY_DEMO_ID, VAULT_PATH } from '../../src/sandbox/sinks/sandbox-delivery.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { launchChromium, skipBrowserTests } from '../helpers/chromium.js';
import { tempDir } from '../helpers/db.js';
import { freePort } from '../helpers/start-app.js';

const SHOTS = join('test-results', 'web-form');
/** Set REAUTH_UPDATE_SCREENSHOTS=1 to refresh the README's screenshots under examples/. */
const EXAMPLES = process.env.REAUTH_UPDATE_SCREENSHOTS === '1' ? 'examples' : SHOTS;

const jira = DEMO_ROWS.find((r) => r.id === DELIVERY_DEMO_ID);

/**
 * The "done when": with SECRET_ENTRY=web, re-authenticating Jira in the sandbox shows no
 * token field in Slack; the link opens Reauth's page in a real Chromium, the token is validated and
 * swapped, the alert resolves and the sinks are delivered. A token of another account asks first.
 */
describe.skipIf(skipBrowserTests)('the one-time page in a real browser (SECRET_ENTRY=web)', () => {
  let sandbox: Sandbox;
  let browser: Browser;
  let slack: Page;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    dir = tempDir();
    sandbox = await startSandbox({
      dataDir: dir.path,
      port: await freePort(),
      healthCheckSeconds: 3600,
      secretEntry: 'web',
    });
    browser = await launchChromium();
    slack = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await slack.goto(`${sandbox.url}/sandbox`);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
    dir?.cleanup();
  });

  /** Re-authenticate from the alert: the modal holds only the link, whose page opens in a browser of its own. */
  async function openForm(context: BrowserContext): Promise<Page> {
    await slack.click('[data-control="revoke"][data-integration="jira-cloud"]');
    await slack.click('[data-control="check"][data-integration="jira-cloud"]');
    const alert = slack.locator('#pane-channel .msg', { hasText: 'Jira (Acme Cloud) is failing' }).last();
    await alert.waitFor();
    await alert.locator('button[data-action-id="reauth_open"]').click();
    const link = slack.locator('#modal-layer a[data-action-id="open_web_form"]');
    await link.waitFor();
    expect(await slack.locator('#modal-layer input, #modal-layer textarea').count()).toBe(0);
    const href = (await link.getAttribute('href')) ?? '';
    expect(href).toMatch(new RegExp(`^${sandbox.url}/reauth/form/`));
    await slack.click('#modal-layer [data-close-view]');
    const page = await context.newPage();
    await page.goto(href);
    return page;
  }

  it("types the token on Reauth's page, not in Slack: validated, swapped, the alert resolved, every sink delivered", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
    const page = await openForm(context);
    await page.getByLabel('Account email').fill(jira?.identifier?.value ?? '');
    await page.getByLabel(/Atlassian API token/).fill('ATATT3xThisIsNotAValidToken0001');
    await page.getByRole('button', { name: 'Validate and save' }).click();
    // The reason sits under its field, is tied to it, and the field has the focus.
    await page.locator('#token-error').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).toBe('token');
    expect(await page.getAttribute('#token', 'aria-describedby')).toContain('token-error');
    expect(await page.inputValue('#token')).toBe('');
    await page.screenshot({ path: join(SHOTS, 'refused.png'), fullPage: true });

    await page.keyboard.type(jira?.fresh?.[0] ?? '');
    await page.keyboard.press('Enter');
    await page.locator('h1', { hasText: 'is re-authenticated' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'done.png'), fullPage: true });

    await slack.waitForSelector('#pane-channel .blk-header:has-text("Jira (Acme Cloud) is healthy again")');
    await expect
      .poll(async () => ((await slack.textContent('#delivery-sinks')) ?? '').match(/delivered · v2/g)?.length ?? 0, {
        timeout: 10_000,
      })
      .toBe(3);
    expect(sandbox.delivery.vault.read(VAULT_PATH.mount, VAULT_PATH.path)).toMatchObject({ token: jira?.fresh?.[0] });
    await context.close();
  });

  it('asks before a token of another account replaces the current one, and shows the page readable on a phone', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await openForm(context);
    await page.getByLabel('Account email').fill(jira?.otherAccount?.identifier ?? '');
    await page.screenshot({ path: join(EXAMPLES, 'secret-entry-page.png'), fullPage: true });
    await page.getByLabel(/Atlassian API token/).fill(jira?.otherAccount?.token ?? '');
    await page.getByRole('button', { name: 'Validate and save' }).click();
    await page.locator('h1', { hasText: 'belongs to another account' }).waitFor();
    expect(await page.textContent('#new-accounts')).toContain('Casey Colleague');
    expect(await page.textContent('#current-accounts')).toContain('Demo User');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    await page.screenshot({ path: join(EXAMPLES, 'secret-entry-confirm.png'), fullPage: true });
    const held = sandbox.delivery.vault.read(VAULT_PATH.mount, VAULT_PATH.path);
    await page.getByLabel(/Yes, replace the current account/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('h1', { hasText: 'is re-authenticated' }).waitFor();
    await expect
      .poll(() => sandbox.delivery.vault.read(VAULT_PATH.mount, VAULT_PATH.path)?.token, { timeout: 10_000 })
      .toBe(jira?.otherAccount?.token);
    expect(held?.token).toBe(jira?.fresh?.[0]);
    await context.close();
  });
});
