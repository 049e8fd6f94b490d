import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { cli, cliEnvOf } from '../helpers/cli.js';
import { openModal } from '../helpers/flows.js';
import { OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const TOKEN = 'glpat-BackupValidToken0123456';

/** An online backup taken while the server writes, restored by copying it back, then used. */
describe('reauth-bot backup', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }\n`,
    });
    t.providers.setToken(TOKEN, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane Doe', username: 'jane' },
    });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token: TOKEN }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
  });
  afterAll(async () => t?.close());

  it('copies the database consistently under write load; the restored copy passes check', async () => {
    const env = cliEnvOf(t);
    // Write load: the server keeps writing audit rows and re-sealing the credential while the copy is taken.
    let writing = true;
    let writes = 0;
    const load = (async () => {
      while (writing) {
        await t.deps.store.audit.record(
          { actor: 'load', action: 'test.write', outcome: 'ok', detail: { n: writes } },
          new Date(),
        );
        writes += 1;
        if (writes % 50 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    })();
    const target = join(t.dir, 'backups', 'reauth-backup.db');
    mkdirSync(join(t.dir, 'backups'));
    const backup = await cli(['backup', target], env);
    writing = false;
    await load;
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain(`to ${target}`);
    expect(writes).toBeGreaterThan(0);
    expect((await cli(['backup', target], env)).stderr).toContain('already exists');

    const copy = new Database(target, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('select fingerprints from credentials where replaced_at is null').get()).toEqual({
      fingerprints: JSON.stringify([fingerprintSecret(TOKEN)]),
    });
    copy.close();

    // Restoring is copying the file back while stopped: here, into a fresh place, then using it.
    const restored = join(t.dir, 'restored', 'reauth.db');
    mkdirSync(join(t.dir, 'restored'));
    copyFileSync(target, restored);
    const checked = await cli(['check'], { ...env, DATABASE_PATH: restored });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/gitlab\s+valid\s+Jane Doe \(jane\)/);
  });
});
