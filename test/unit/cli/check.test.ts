import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderKey } from '../../../src/providers/types.js';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { fingerprintSecret } from '../../../src/crypto/fingerprint.js';
import { closeDatabase, openDatabase } from '../../../src/db/sqlite/client.js';
import { runMigrations } from '../../../src/db/sqlite/migrate.js';
import { sealPayload } from '../../../src/services/secret-payload.js';
import { bindingOf } from '../../../src/domain/integration.js';
import { openState } from '../../../src/compose.js';
import { parseConfig } from '../../../src/config.js';
import { startProviderEmulator, type ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { cli } from '../../helpers/cli.js';
import { tempDir, storeOver, seedCredential } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';

const GOOD = 'glpat-CheckGood0123456789';
const BAD = 'ghp_CheckRevoked0123456789abcdefABCDEF';
const ADO = 'adocheckpat0123456789abcdefghijklmnopqrstuvwxyz0123';

describe('reauth-bot check', () => {
  let emulator: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    dir = tempDir();
    const key = newKey();
    const dbPath = join(dir.path, 'reauth.db');
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:
  - { id: gitlab-ok, provider: gitlab, auth: pat, url: "${emulator.baseUrl('gitlab')}" }
  - { id: github-revoked, provider: github, auth: pat, url: "${emulator.baseUrl('github')}" }
  - { id: github-empty, provider: github, auth: pat, url: "${emulator.baseUrl('github')}" }
  - { id: github-app, provider: github, auth: github_app }
  - { id: ado-boards, provider: azure_devops, auth: pat, organization: acme, service: boards, url: "${emulator.baseUrl('azure_devops', 'acme')}" }
  - { id: ado-repos, provider: azure_devops, auth: pat, organization: acme, service: repos, url: "${emulator.baseUrl('azure_devops', 'acme')}" }
`,
    );
    env = { DATABASE_PATH: dbPath, INTEGRATIONS_FILE: catalogue, REAUTH_SECRET_KEY: key.toString('base64') };
    emulator.setToken(GOOD, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '7', name: 'Jane Doe', username: 'jane' },
      expiresAt: new Date('2027-06-30T00:00:00Z'),
    });
    emulator.setToken(BAD, { provider: 'github', status: 'revoked' });
    emulator.setToken(ADO, {
      provider: 'azure_devops',
      organization: 'acme',
      identity: { id: 'a-1', name: 'Ado Jane', email: 'jane@acme.com' },
    });
    const db = openDatabase(dbPath);
    runMigrations(db);
    const ring = createKeyring(key);
    const store = async (credentialKey: string, provider: ProviderKey, tokens: string[]) => {
      const sealed = sealPayload(ring, { credentialKey, binding: null }, { kind: 'tokens', identifier: null, tokens });
      await seedCredential(
        storeOver(db),
        {
          credentialKey,
          provider,
          authType: 'pat',
          sealedSecret: sealed.value,
          keyId: sealed.keyId,
          fingerprints: tokens.map(fingerprintSecret),
          createdBy: 'U1',
          createdAt: new Date(),
        },
        new Date(),
      );
    };
    await store('integration:gitlab-ok', 'gitlab', [GOOD]);
    await store('integration:github-revoked', 'github', [BAD]);
    await store('azure_devops:acme:pat', 'azure_devops', [ADO]);
    closeDatabase(db);
  });
  afterAll(async () => {
    await emulator.close();
    dir.cleanup();
  });

  it('prints each outcome, exits 1 when any fails, and changes nothing', async () => {
    const before = openDatabase(env.DATABASE_PATH ?? '');
    const snapshot =
      JSON.stringify(before.$client.prepare('select * from credentials').all()) +
      JSON.stringify(before.$client.prepare('select count(*) from audit_log').all());
    closeDatabase(before);

    const result = await cli(['check'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^INTEGRATION\s+OUTCOME\s+IDENTITY\s+EXPIRES\s+REASON/);
    expect(result.stdout).toMatch(/gitlab-ok\s+valid\s+Jane Doe \(jane\)\s+2027-06-30 00:00Z/);
    expect(result.stdout).toMatch(/github-revoked\s+invalid_credentials\s+-\s+-\s+GitHub rejected/);
    expect(result.stdout).toMatch(
      /github-empty\s+invalid_credentials\s+.*No credential is stored for github-empty; re-authenticate it with \/reauth github-empty/,
    );
    expect(result.stdout).toMatch(/github-app\s+not probed/);
    expect(result.stdout).toMatch(/ado-boards\s+valid\s+Ado Jane <jane@acme.com>/);
    expect(result.stdout).toMatch(/ado-repos\s+valid/);
    expect(result.stdout).toContain('6 integration(s): 3 valid, 2 failing, 1 not probed (app types).');
    // Shared Azure DevOps credential: probed once for both integrations.
    expect(emulator.requestsWith(ADO)).toHaveLength(1);
    for (const token of [GOOD, BAD, ADO]) expect(result.stdout + result.stderr).not.toContain(token);

    const after = openDatabase(env.DATABASE_PATH ?? '');
    expect(
      JSON.stringify(after.$client.prepare('select * from credentials').all()) +
        JSON.stringify(after.$client.prepare('select count(*) from audit_log').all()),
    ).toBe(snapshot);
    closeDatabase(after);
  });

  it('checks one integration by id and exits 0 when it works', async () => {
    const result = await cli(['check', 'gitlab-ok'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 integration(s): 1 valid, 0 failing');
  });

  it('refuses an unknown id and a missing key', async () => {
    expect(await cli(['check', 'nope'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No integration "nope"'),
    });
    expect(await cli(['check'], { ...env, REAUTH_SECRET_KEY: '' })).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('REAUTH_SECRET_KEY: required'),
    });
  });
});

/** A catalogue edit must never send a stored credential to a new host or provider. */
describe('reauth-bot check after a catalogue edit', () => {
  let emulator: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;
  const JIRA = 'ATATT3xCheckEditJiraToken0123456789=AB12';

  beforeAll(async () => {
    emulator = await startProviderEmulator();
    dir = tempDir();
  });
  afterAll(async () => {
    await emulator.close();
    dir.cleanup();
  });

  it('a jira → gitlab edit with the same id probes nothing: the Jira token never reaches GitLab', async () => {
    const key = newKey();
    const env = {
      DATABASE_PATH: join(dir.path, 'reauth.db'),
      INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
      REAUTH_SECRET_KEY: key.toString('base64'),
    };
    emulator.setToken(JIRA, { provider: 'jira', basicUser: 'ops@acme.com' });
    writeFileSync(
      env.INTEGRATIONS_FILE,
      `integrations:\n  - { id: tracker, provider: jira, auth: api_key, url: "${emulator.baseUrl('jira')}" }\n`,
    );
    // As the server would have it: synced, and a credential validated against Jira and bound to it.
    const parsed = parseConfig(env, { secretKey: true });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const state = await openState(parsed.config);
    const integration = await state.store.integrations.findActive('tracker');
    if (!integration) throw new Error('not synced');
    const binding = bindingOf(integration);
    const sealed = sealPayload(
      createKeyring(key),
      { credentialKey: integration.credentialKey, binding },
      { kind: 'tokens', identifier: 'ops@acme.com', tokens: [JIRA] },
    );
    await seedCredential(
      state.store,
      {
        credentialKey: integration.credentialKey,
        provider: 'jira',
        authType: 'api_key',
        binding,
        sealedSecret: sealed.value,
        keyId: sealed.keyId,
        fingerprints: [fingerprintSecret(JIRA)],
        createdBy: 'U1',
        createdAt: new Date(),
      },
      new Date(),
    );
    await state.store.close();
    expect((await cli(['check'], env)).code).toBe(0);
    const probes = emulator.requestsWith(JIRA).length;

    for (const edit of [
      `provider: gitlab, auth: pat, url: "${emulator.baseUrl('gitlab')}"`,
      `provider: jira, auth: api_key, url: "http://localhost:9"`,
    ]) {
      writeFileSync(env.INTEGRATIONS_FILE, `integrations:\n  - { id: tracker, ${edit} }\n`);
      const result = await cli(['check'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/tracker\s+not probed/);
      expect(result.stdout).toContain('changed in integrations.yml since the last sync');
      expect(emulator.requestsWith(JIRA)).toHaveLength(probes);
    }
  });
});
