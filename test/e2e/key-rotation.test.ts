import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.js';
import { openModal } from '../helpers/flows.js';
import { newKeyText } from '../helpers/keys.js';
import { OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const ID = { id: '7', name: 'Jane Doe', username: 'jane' };

/** The rotation procedure of docs/operating.md, step by step, with the server running throughout. */
describe('rotating the sealing key beside a running server', () => {
  let t: TestApp;
  const oldKey = newKeyText();
  const newKey = newKeyText();
  const first = 'glpat-RotationFirst0123456789';
  const second = 'glpat-RotationSecond012345678';

  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }\n`,
      env: { REAUTH_SECRET_KEY: oldKey },
    });
    for (const token of [first, second])
      t.providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
  });
  afterAll(async () => t?.close());

  const checkNow = async () => {
    const checked = await t.deps.services.checkNow('gitlab', OWNER);
    return checked.kind === 'checked' ? checked.result.outcome.kind : checked.kind;
  };
  const cli = async (args: string[], env: Record<string, string>) => {
    const out: string[] = [];
    const code = await runCli(args, {
      env: { DATABASE_PATH: t.config.databasePath, INTEGRATIONS_FILE: t.config.integrationsFile, ...env },
      stdout: (s) => out.push(s),
      stderr: (s) => out.push(s),
      now: () => new Date(),
    });
    return { code, out: out.join('\n') };
  };

  it('keeps working before, during and after the rotation; a form opened before the restart can still be submitted', async () => {
    // A credential sealed with the old key, and a form signed with it.
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token: first }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
    const pending = await openModal(t, 'gitlab', { userId: OWNER });

    // Step 1: restart with the new key, the old one as previous.
    await t.restart({ REAUTH_SECRET_KEY: newKey, REAUTH_PREVIOUS_KEYS: oldKey });
    expect(await checkNow()).toBe('valid');
    const submitted = await t.driver.submit(pending.ref ?? '', { token: second }, { userId: OWNER });
    expect(submitted.json).toMatchObject({ response_action: 'update' });
    expect(JSON.stringify(submitted.json)).toContain('is re-authenticated');

    // Step 2: rotate while the server runs; it keeps probing and re-authenticating.
    const rotated = await cli(['rotate-key'], { REAUTH_SECRET_KEY: newKey, REAUTH_PREVIOUS_KEYS: oldKey });
    expect(rotated.code, rotated.out).toBe(0);
    expect(await checkNow()).toBe('valid');

    // Step 3: the old key is no longer needed.
    await t.restart({ REAUTH_SECRET_KEY: newKey, REAUTH_PREVIOUS_KEYS: '' });
    expect(await checkNow()).toBe('valid');
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.keyId).not.toBeNull();
    const again = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(again.ref ?? '', { token: first }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
  });
});
