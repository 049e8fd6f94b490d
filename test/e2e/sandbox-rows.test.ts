import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { DEMO_ROWS } from '../../src/sandbox/demo.js';
import { createBrowser } from '../helpers/browser.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { useSandbox, type SandboxState } from '../helpers/sandbox.js';

const escapeForHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Every demo row can be re-authenticated through the sandbox page's own API, as the page script does it. */
describe('the sandbox, row by row', () => {
  const page = useSandbox();
  const { api, state } = page;

  it('refuses cross-site requests: another origin, a form post, or a foreign Host (DNS rebinding) changes nothing', async () => {
    const before = await state();
    const post = (headers: Record<string, string>, body = JSON.stringify({ text: 'help' })) =>
      fetch(`${page.sandbox().url}/sandbox/api/command`, { method: 'POST', headers, body });
    const fromEvil = await post({ 'Content-Type': 'application/json', Origin: 'https://evil.example' });
    expect(fromEvil.status).toBe(403);
    expect(await fromEvil.text()).toContain('only from the sandbox page itself');
    expect((await post({ 'Content-Type': 'text/plain' })).status).toBe(403);
    expect((await post({ 'Content-Type': 'application/x-www-form-urlencoded' }, 'text=help')).status).toBe(403);
    // fetch always sends the URL's own Host; a rebound DNS name arrives as another Host.
    const withHost = (method: string, path: string, host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          `${page.sandbox().url}${path}`,
          { method, headers: { Host: host, 'Content-Type': 'application/json' } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(method === 'POST' ? '{"text":"help"}' : undefined);
      });
    expect(await withHost('POST', '/sandbox/api/command', 'evil.example')).toBe(403);
    expect(await withHost('GET', '/sandbox/api/state', 'rebound.evil.example')).toBe(403);
    expect((await state()).channel).toBe(before.channel);
    // The page itself (same origin, JSON) still works.
    expect((await post({ 'Content-Type': 'application/json', Origin: page.sandbox().url })).status).toBe(200);
  });

  it('(before any row is re-authenticated) each retired credential of the demo shows its way off in Slack (the alert, App Home) and in reauth-bot list', async () => {
    const retired = ['jira-connect', 'bitbucket-app-password'];
    // The app password fails from the start, with one alert that names the way off.
    expect((await state()).channel).toMatch(/Bitbucket \(app password\) is failing[\s\S]*Retired by the vendor/);
    await api('home', {});
    const home = (await state()) as SandboxState & { home: string };
    for (const id of retired) {
      const from = home.home.indexOf(`<code>${id}</code>`);
      expect(from, id).toBeGreaterThan(-1);
      expect(home.home.slice(from, from + 2000), id).toContain('Retired by the vendor');
    }
    const list = await cli(['list'], cliEnvOf({ config: page.sandbox().app.config }));
    expect(list.code).toBe(0);
    const section = list.stdout.slice(list.stdout.indexOf('Retired by the vendor, and the way off:'));
    for (const id of retired) expect(section).toMatch(new RegExp(`${id}: .*→ auth .*docs/migrating\\.md#`));
    expect(section).not.toMatch(/bitbucket-token:/);
  });

  it.each(DEMO_ROWS.filter((r) => r.fresh?.length).map((r) => [r.id, r] as const))(
    '%s: the form opens and the valid demo token is accepted',
    async (_id, row) => {
      await api('command', { text: row.id });
      const opened = await state();
      const viewId = opened.modalId.split(':')[0] ?? '';
      expect(opened.modal).toContain('data-block-id="token"');
      const values: Record<string, string> = { token: (row.fresh ?? []).join('\n') };
      if (row.identifier) values[row.identifier.field] = row.identifier.value;
      await api('submit', { viewId, values });
      const after = await state();
      expect(after.modal).toContain('is re-authenticated');
      await api('close', { viewId });
    },
  );

  it.each(DEMO_ROWS.filter((r) => r.machine).map((r) => [r.id] as const))(
    '%s: a machine identity holds its root secret from the start, and the fresh one shown is accepted',
    async (id) => {
      const { sandbox } = page;
      const pulled = await fetch(`${sandbox().url}/v1/credentials/${id}`, {
        headers: { authorization: `Bearer ${sandbox().delivery.consumerToken}` },
      });
      expect(pulled.status).toBe(200);
      const document = (await pulled.json()) as { credential: { access_token: string; token_type: string } };
      expect(document.credential.token_type).toBe('Bearer');
      const fresh = sandbox().machineSecrets[id]?.fresh ?? {};
      // The fresh root secret is shown to paste: a key's first line of body, or the secret itself.
      const secret = Object.values(fresh).at(-1) ?? '';
      expect((await state()).controls).toContain(
        escapeForHtml(secret.includes('\n') ? (secret.split('\n')[1] ?? '') : secret),
      );
      await api('command', { text: id });
      const opened = await state();
      const viewId = opened.modalId.split(':')[0] ?? '';
      expect(opened.modal).toContain(`data-block-id="${Object.keys(fresh).at(-1)}"`);
      await api('submit', { viewId, values: fresh });
      expect((await state()).modal).toContain('is re-authenticated');
      await api('close', { viewId });
    },
  );

  it.each(DEMO_ROWS.filter((r) => r.machine).map((r) => [r.id] as const))(
    '%s: Delete key/secret removes the root secret Reauth holds, and the fresh one the panel then shows is accepted',
    async (id) => {
      const asks = id === 'github-insights' ? 'key' : 'secret';
      expect((await state()).controls).toContain(
        `data-control="delete_root" data-integration="${id}">Delete ${asks}</button>`,
      );
      const answer = await api('control', { integration: id, action: 'delete_root' });
      expect(answer.message).toMatch(new RegExp(`^Deleted .* at the emulated provider.*asks for a new ${asks}`));
      const fresh = page.sandbox().machineSecrets[id]?.fresh ?? {};
      const secret = Object.values(fresh).at(-1) ?? '';
      expect((await state()).controls).toContain(
        escapeForHtml(secret.includes('\n') ? (secret.split('\n')[1] ?? '') : secret),
      );
      await api('command', { text: id });
      const viewId = (await state()).modalId.split(':')[0] ?? '';
      await api('submit', { viewId, values: fresh });
      expect((await state()).modal).toContain('is re-authenticated');
      await api('close', { viewId });
    },
  );

  it.each(DEMO_ROWS.filter((r) => r.auth === 'oauth').map((r) => [r.id] as const))(
    '%s: the link-out completes through the emulated authorize page',
    async (id) => {
      await api('command', { text: id });
      const opened = await state();
      const link = /href="([^"]+\/oauth\/start\?state=[^"]+)"/.exec(opened.modal)?.[1]?.replace(/&amp;/g, '&');
      expect(link).toBeDefined();
      const browser = createBrowser();
      const start = await browser.get(link ?? '');
      const page = await browser.get(await browser.decide(start.location ?? '', 'approve'));
      expect(page.status).toBe(200);
      expect(page.text).toContain('is re-authenticated');
      await api('close', { viewId: opened.modalId.split(':')[0] });
    },
  );

  it.each(DEMO_ROWS.filter((r) => r.auth === 'connect_app' || r.auth === 'github_app').map((r) => [r.id] as const))(
    '%s: re-auth is refused; the webhook controls raise and resolve its alert',
    async (id) => {
      await api('command', { text: id });
      expect((await state()).modal).toContain('Re-authentication is not available');
      await api('close', { viewId: (await state()).modalId.split(':')[0] });
      expect((await api('control', { integration: id, action: 'webhook_failing' })).message).toContain('→ 202');
      expect((await state()).channel).toContain('is failing');
      expect((await api('control', { integration: id, action: 'webhook_healthy' })).message).toContain('→ 202');
      expect((await state()).channel).toContain('is healthy again');
    },
  );
});
