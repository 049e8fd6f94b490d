import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEMO_ROWS } from '../../src/sandbox/demo.js';
import {
  DELIVERY_DEMO_ID,
  MACHINE_DEMO_ID,
  ROTATION_DEMO_ID,
  VAULT_PATH,
  vaultPathOf,
} from '../../src/sandbox/sinks/sandbox-delivery.js';
import { useSandbox } from '../helpers/sandbox.js';

/**
 * The "done when": in the sandbox, re-authenticating Jira shows "delivered" for the webhook,
 * file and Vault sinks, and the pull curl printed on the page returns the new token.
 */
describe('the sandbox delivers', () => {
  const harness = useSandbox();
  const { api, state } = harness;

  it("re-authenticating Jira shows delivered for the webhook, Vault and file, and the page's curl returns the new token", async () => {
    const row = DEMO_ROWS.find((r) => r.id === DELIVERY_DEMO_ID);
    const fresh = row?.fresh?.[0] ?? '';
    await api('command', { text: DELIVERY_DEMO_ID });
    const viewId = (await state()).modalId.split(':')[0];
    await api('submit', { viewId, values: { email: row?.identifier?.value ?? '', token: fresh } });

    await expect
      .poll(async () => ((await state()).delivery.match(/✅ delivered · v2/g) ?? []).length, { timeout: 10_000 })
      .toBe(3);
    const page = (await state()).delivery;
    expect(page).toContain('✔ signature verified');
    expect(harness.sandbox().delivery.hook.received.every((r) => r.verified)).toBe(true);
    expect(harness.sandbox().delivery.vault.read(VAULT_PATH.mount, VAULT_PATH.path)).toMatchObject({
      token: fresh,
      reauth_version: '2',
    });
    expect(JSON.parse(readFileSync(harness.sandbox().delivery.filePath, 'utf8'))).toMatchObject({
      version: 2,
      credential: { token: fresh },
    });

    // The curl on the page, run as printed.
    const curl =
      /<code class="copy curl" id="pull-curl">curl -H &quot;Authorization: Bearer (\S+)&quot; (\S+)<\/code>/.exec(page);
    expect(curl).not.toBeNull();
    const pulled = await fetch(curl?.[2] ?? '', { headers: { Authorization: `Bearer ${curl?.[1]}` } });
    expect(pulled.status).toBe(200);
    expect(await pulled.json()).toMatchObject({
      integration: DELIVERY_DEMO_ID,
      version: 2,
      credential: { token: fresh },
    });
  });

  it('Expire soon on GitLab ends, with nobody typing anything, in "rotated automatically", every sink delivered and the page\'s curl returning the new token', async () => {
    const stored = DEMO_ROWS.find((r) => r.id === ROTATION_DEMO_ID)?.stored?.[0] ?? '';
    expect((await api('control', { integration: ROTATION_DEMO_ID, action: 'expire_soon' })).message).toMatch(
      /expires in 2 days/,
    );
    await expect
      .poll(async () => (await state()).channel, { timeout: 10_000 })
      .toMatch(/GitLab.*rotated automatically/);
    await expect
      .poll(
        async () =>
          (
            (
              /<table class="sinks" id="rotation-sinks">([\s\S]*?)<\/table>/.exec((await state()).delivery)?.[1] ?? ''
            ).match(/✅ delivered · v2/g) ?? []
          ).length,
        { timeout: 10_000 },
      )
      .toBe(3);
    const page = (await state()).delivery;
    const curl =
      /<code class="copy curl" id="pull-curl-rotation">curl -H &quot;Authorization: Bearer (\S+)&quot; (\S+)<\/code>/.exec(
        page,
      );
    const pulled = (await (
      await fetch(curl?.[2] ?? '', { headers: { Authorization: `Bearer ${curl?.[1]}` } })
    ).json()) as { version: number; credential: { token: string } };
    expect(pulled.version).toBe(2);
    expect(pulled.credential.token).toMatch(/^glpat-/);
    expect(pulled.credential.token).not.toBe(stored);
    expect(harness.sandbox().providers.token(stored)?.status).toBe('revoked');
    expect(harness.sandbox().delivery.vault.read('secret', `sandbox/${ROTATION_DEMO_ID}`)).toMatchObject({
      token: pulled.credential.token,
      reauth_version: '2',
    });
  });

  it('the GitHub App: its sinks hold a minted installation token from the start; Short tokens replaces it with a 3-minute one, delivered, with nobody typing anything', async () => {
    const vaultPath = vaultPathOf(MACHINE_DEMO_ID);
    const held = () =>
      harness.sandbox().delivery.vault.read(vaultPath.mount, vaultPath.path) as
        | { access_token?: string; expires_at?: string; reauth_version?: string }
        | undefined;
    await expect.poll(() => held()?.access_token ?? '', { timeout: 10_000 }).toMatch(/^ghs_4242_/);
    const first = held();
    expect(Date.parse(first?.expires_at ?? '') - Date.now()).toBeGreaterThan(55 * 60_000);

    const answer = (await api('control', { integration: MACHINE_DEMO_ID, action: 'short_tokens' })) as {
      message: string;
    };
    expect(answer.message).toMatch(/now live 3 minutes/);
    await expect.poll(() => held()?.access_token, { timeout: 10_000 }).not.toBe(first?.access_token);
    const short = held();
    expect(Date.parse(short?.expires_at ?? '') - Date.now()).toBeLessThan(3 * 60_000 + 5_000);
    expect(Number(short?.reauth_version)).toBeGreaterThan(Number(first?.reauth_version));
    expect((await state()).delivery).toContain('id="machine-sinks"');
    // The root secret never reaches a sink.
    expect(JSON.stringify(harness.sandbox().delivery.hook.received)).not.toContain('PRIVATE KEY');
  });
});
