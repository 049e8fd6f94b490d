import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { closeDatabase, openDatabase } from '../../../src/db/sqlite/client.js';
import { alerts } from '../../../src/db/sqlite/schema.js';
import { cli } from '../../helpers/cli.js';
import { tempDir, storeOver, seedCredential } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';

describe('reauth-bot CLI', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeEach(() => {
    dir = tempDir();
    env = { DATABASE_PATH: join(dir.path, 'db', 'reauth.db'), INTEGRATIONS_FILE: 'integrations.example.yml' };
  });
  afterEach(() => dir.cleanup());

  it('prints usage and exits 2 without a command; exits 2 on an unknown one', async () => {
    expect((await cli([], env)).code).toBe(2);
    const unknown = await cli(['frobnicate'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown command "frobnicate"');
    expect(unknown.stderr).toContain('rotate-key');
    expect((await cli(['help'], env)).code).toBe(0);
  });

  it('migrate creates and migrates the database', async () => {
    const result = await cli(['migrate'], env);
    expect(result).toMatchObject({ code: 0, stdout: `Database ${env.DATABASE_PATH} is up to date.` });
  });

  it('list prints every catalogue entry with auth type, health, credential and expiry', async () => {
    const result = await cli(['list'], env);
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+PROVIDER\s+AUTH\s+HEALTH\s+CREDENTIAL\s+EXPIRES\s+CHANNEL\s+ALERT$/);
    expect(result.stdout).toMatch(/jira-acme\s+jira\s+api_key\s+unknown\s+none\s+-\s+C0123ALERTS/);
    expect(result.stdout).toMatch(/github-app\s+github\s+github_app\s+unknown\s+\(app; none held\)/);
    expect(result.stdout).toContain('20 integration(s) in integrations.example.yml.');
  });

  it('list shows a stored credential by fingerprint and expiry', async () => {
    await cli(['migrate'], env);
    const db = openDatabase(env.DATABASE_PATH ?? '');
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:gitlab-acme',
        provider: 'gitlab',
        authType: 'pat',
        sealedSecret: 'v1.a.b.c',
        keyId: 'a',
        fingerprints: ['1a2b3c4d…WXYZ'],
        expiresAt: new Date('2027-01-31T00:00:00Z'),
        createdBy: 'U1',
        createdAt: new Date(),
      },
      new Date(),
    );
    closeDatabase(db);
    const result = await cli(['list'], env);
    expect(result.stdout).toMatch(/gitlab-acme\s+gitlab\s+pat\s+unknown\s+1a2b3c4d…WXYZ\s+2027-01-31 00:00Z/);
  });

  it('list shows an open alert that could not be posted to its channel', async () => {
    await cli(['migrate'], env);
    const db = openDatabase(env.DATABASE_PATH ?? '');
    db.insert(alerts)
      .values({
        alertKey: 'integration:sonarqube',
        integrationIds: ['sonarqube'],
        channel: 'C0123ALERTS',
        openedAt: new Date(),
        postError: 'not_in_channel',
      })
      .run();
    closeDatabase(db);
    const result = await cli(['list'], env);
    expect(result.stdout).toMatch(/sonarqube\s+.*C0123ALERTS\s+open, not posted: not_in_channel/);
    expect(result.stdout).toMatch(/gitlab-acme\s+.*C0123ALERTS\s+-$/m);
  });

  it('list explains an invalid catalogue and a missing file', async () => {
    const missing = await cli(['list'], { ...env, INTEGRATIONS_FILE: join(dir.path, 'none.yml') });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist. Copy integrations.example.yml');
  });

  it('reports configuration problems with exit code 2', async () => {
    const result = await cli(['list'], { ...env, PORT: 'abc', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PORT: "abc"');
    expect(result.stderr).toContain('LOG_LEVEL: "loud"');
  });

  it('rotate-key requires the key, re-seals with it, and audits', async () => {
    const noKey = await cli(['rotate-key'], env);
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('REAUTH_SECRET_KEY: required');

    await cli(['migrate'], env);
    const oldKey = newKey();
    const sealed = createKeyring(oldKey).seal('glpat-RotateMe0123456789', 'integration:gitlab-acme');
    const db = openDatabase(env.DATABASE_PATH ?? '');
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:gitlab-acme',
        provider: 'gitlab',
        authType: 'pat',
        sealedSecret: sealed.value,
        keyId: sealed.keyId,
        fingerprints: [],
        createdBy: 'U1',
        createdAt: new Date(),
      },
      new Date(),
    );
    closeDatabase(db);

    const current = newKey();
    const withoutOld = await cli(['rotate-key'], { ...env, REAUTH_SECRET_KEY: current.toString('base64') });
    expect(withoutOld.code).toBe(3);
    expect(withoutOld.stderr).toContain('Rotation failed and changed nothing');

    const result = await cli(['rotate-key'], {
      ...env,
      REAUTH_SECRET_KEY: current.toString('base64'),
      REAUTH_PREVIOUS_KEYS: oldKey.toString('base64'),
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Re-sealed 1 credential(s)');
    const after = openDatabase(env.DATABASE_PATH ?? '');
    const row = await storeOver(after).credentials.current('integration:gitlab-acme');
    expect(createKeyring(current).unseal(row?.sealedSecret ?? '', 'integration:gitlab-acme')).toBe(
      'glpat-RotateMe0123456789',
    );
    expect((await storeOver(after).audit.list()).some((a) => a.action === 'key.rotate')).toBe(true);
    closeDatabase(after);
  });
});

describe('reauth-bot consumer-token', () => {
  it('prints a new token and its SHA-256, different each time', async () => {
    const first = await cli(['consumer-token'], {});
    const second = await cli(['consumer-token'], {});
    const tokenOf = (out: string) => /^token:\s+(rct_\S+)$/m.exec(out)?.[1] ?? '';
    const hashOf = (out: string) => /^token_sha256:\s+([0-9a-f]{64})$/m.exec(out)?.[1] ?? '';
    expect(first.code).toBe(0);
    expect(tokenOf(first.stdout)).toMatch(/^rct_[A-Za-z0-9_-]{43}$/);
    expect(hashOf(first.stdout)).toBe(createHash('sha256').update(tokenOf(first.stdout)).digest('hex'));
    expect(tokenOf(second.stdout)).not.toBe(tokenOf(first.stdout));
  });
});
