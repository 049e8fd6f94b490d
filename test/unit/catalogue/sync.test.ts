import { beforeEach, describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../src/catalogue/parse.js';
import { syncCatalogue } from '../../../src/catalogue/sync.js';
import type { CatalogueEntry } from '../../../src/catalogue/types.js';
import type { Db } from '../../../src/db/sqlite/client.js';
import { credentials, integrations } from '../../../src/db/sqlite/schema.js';
import { createSqliteStore } from '../../../src/db/sqlite/store.js';
import { bindingOf } from '../../../src/domain/integration.js';
import { memoryDb, seedCredential, storeOver } from '../../helpers/db.js';

function entries(yaml: string): CatalogueEntry[] {
  const result = parseCatalogue(yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.entries;
}

const t0 = new Date('2026-11-01T10:00:00Z');
const t1 = new Date('2026-11-02T10:00:00Z');

describe('syncCatalogue', () => {
  let db: Db;
  beforeEach(() => {
    db = memoryDb();
  });

  it('adds new entries with an unknown health state and an audit row each', async () => {
    const summary = await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }\n  - { id: b, provider: github, auth: pat }'),
      t0,
    );
    expect(summary.added).toEqual(['a', 'b']);
    expect((await storeOver(db).integrations.listActive()).map((i) => i.id)).toEqual(['a', 'b']);
    expect((await storeOver(db).health.of('a'))?.status).toBe('unknown');
    expect((await storeOver(db).audit.list('a')).map((r) => r.action)).toEqual(['catalogue.add']);
  });

  it('is a no-op when nothing changed', async () => {
    const list = entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }');
    await syncCatalogue(createSqliteStore(db), list, t0);
    expect(await syncCatalogue(createSqliteStore(db), list, t1)).toEqual({
      added: [],
      updated: [],
      archived: [],
      restored: [],
      authChanged: [],
      bindingChanged: [],
      cancelledDeliveries: 0,
    });
    expect((await storeOver(db).integrations.findActive('a'))?.updatedAt).toEqual(t0);
  });

  it('updates changed fields and records which ones', async () => {
    await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, name: Old, provider: gitlab, auth: pat }'),
      t0,
    );
    const summary = await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, name: New, provider: gitlab, auth: pat, channel: C0NEW, owners: [U1AB] }'),
      t1,
    );
    expect(summary.updated).toEqual(['a']);
    const row = await storeOver(db).integrations.findActive('a');
    expect(row?.name).toBe('New');
    expect(row?.channel).toBe('C0NEW');
    expect(row?.owners).toEqual(['U1AB']);
    expect((await storeOver(db).audit.list('a'))[0]?.detail).toEqual({ fields: ['name', 'channel', 'owners'] });
  });

  it('archives removed entries and keeps their history; restores them when they come back', async () => {
    await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }\n  - { id: b, provider: gitlab, auth: pat }'),
      t0,
    );
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:b',
        provider: 'gitlab',
        authType: 'pat',
        sealedSecret: 'v1.x.y.z',
        keyId: 'x',
        fingerprints: ['fp'],
        createdBy: 'U1',
        createdAt: t0,
      },
      t0,
    );
    const summary = await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }'),
      t1,
    );
    expect(summary.archived).toEqual(['b']);
    expect((await storeOver(db).integrations.listActive()).map((i) => i.id)).toEqual(['a']);
    const archived = db
      .select()
      .from(integrations)
      .all()
      .find((r) => r.id === 'b');
    expect(archived?.archivedAt).toEqual(t1);
    expect((await storeOver(db).credentials.current('integration:b'))?.fingerprints).toEqual(['fp']);
    expect((await storeOver(db).audit.list('b')).map((r) => r.action)).toEqual(['catalogue.archive', 'catalogue.add']);

    const back = await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }\n  - { id: b, provider: gitlab, auth: pat }'),
      t1,
    );
    expect(back.restored).toEqual(['b']);
    expect(await storeOver(db).integrations.findActive('b')).toBeDefined();
  });

  it('discards the stored credential when the auth type changes, and audits it', async () => {
    await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: j, provider: jira, auth: api_key, url: "https://acme.atlassian.net" }'),
      t0,
    );
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:j',
        provider: 'jira',
        authType: 'api_key',
        sealedSecret: 'v1.k.n.c',
        keyId: 'k',
        fingerprints: ['abcd1234'],
        createdBy: 'U1',
        createdAt: t0,
      },
      t0,
    );
    await storeOver(db).health.save({
      integrationId: 'j',
      status: 'healthy',
      consecutiveFailures: 0,
      lastSuccessAt: t0,
    });

    const summary = await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: j, provider: jira, auth: pat, url: "https://acme.atlassian.net" }'),
      t1,
    );
    expect(summary.authChanged).toEqual(['j']);
    expect(await storeOver(db).credentials.current('integration:j')).toBeUndefined();
    const old = db.select().from(credentials).all()[0];
    expect(old?.replacedAt).toEqual(t1);
    expect(old?.sealedSecret).toBeNull();
    expect((await storeOver(db).health.of('j'))?.status).toBe('unknown');
    expect((await storeOver(db).health.of('j'))?.reason).toContain('Auth type changed from api_key to pat');
    const audit = (await storeOver(db).audit.list('j')).find((r) => r.action === 'catalogue.auth_type_changed');
    expect(audit).toMatchObject({
      outcome: 'credential_discarded',
      fingerprint: 'abcd1234',
      detail: { from: 'jira/api_key', to: 'jira/pat' },
    });
  });

  const seed = async (
    key: string,
    binding: string | null,
    provider: 'jira' | 'azure_devops' = 'jira',
    authType: 'api_key' | 'pat' = 'api_key',
  ) =>
    seedCredential(
      storeOver(db),
      {
        credentialKey: key,
        provider,
        authType,
        binding,
        sealedSecret: 'v1.k.n.c',
        keyId: 'k',
        fingerprints: ['abcd1234'],
        createdBy: 'U1',
        createdAt: t0,
      },
      t0,
    );
  const jira = (url: string) => entries(`integrations:\n  - { id: j, provider: jira, auth: api_key, url: "${url}" }`);

  it('retires a credential whose integration now points at another host, audited and shown as needing re-authentication', async () => {
    await syncCatalogue(createSqliteStore(db), jira('https://acme.atlassian.net'), t0);
    await seed(
      'integration:j',
      bindingOf({
        provider: 'jira',
        authType: 'api_key',
        url: 'https://acme.atlassian.net',
        organization: null,
        accountId: null,
      }),
    );
    const summary = await syncCatalogue(createSqliteStore(db), jira('https://evil.example'), t1);
    expect(summary.bindingChanged).toEqual(['j']);
    expect(await storeOver(db).credentials.current('integration:j')).toBeUndefined();
    expect(db.select().from(credentials).all()[0]?.sealedSecret).toBeNull();
    expect(await storeOver(db).health.of('j')).toMatchObject({
      status: 'unknown',
      reason:
        'Needs re-authentication: its URL changed from https://acme.atlassian.net to https://evil.example in integrations.yml.',
    });
    expect((await storeOver(db).audit.list('j'))[0]).toMatchObject({
      action: 'catalogue.credential_retired',
      outcome: 'credential_discarded',
      fingerprint: 'abcd1234',
    });
  });

  it('keeps the credential when only the path on the same origin changes', async () => {
    await syncCatalogue(createSqliteStore(db), jira('https://acme.atlassian.net'), t0);
    await seed(
      'integration:j',
      bindingOf({
        provider: 'jira',
        authType: 'api_key',
        url: 'https://acme.atlassian.net',
        organization: null,
        accountId: null,
      }),
    );
    const summary = await syncCatalogue(createSqliteStore(db), jira('https://acme.atlassian.net/jira'), t1);
    expect(summary.bindingChanged).toEqual([]);
    expect((await storeOver(db).credentials.current('integration:j'))?.sealedSecret).toBe('v1.k.n.c');
  });

  it('retires a credential stored before bindings existed when its URL changes, and keeps it otherwise', async () => {
    await syncCatalogue(createSqliteStore(db), jira('https://acme.atlassian.net'), t0);
    await seed('integration:j', null);
    await syncCatalogue(
      createSqliteStore(db),
      entries(
        'integrations:\n  - { id: j, name: Renamed, provider: jira, auth: api_key, url: "https://acme.atlassian.net" }',
      ),
      t1,
    );
    expect((await storeOver(db).credentials.current('integration:j'))?.sealedSecret).toBe('v1.k.n.c');
    await syncCatalogue(createSqliteStore(db), jira('https://other.atlassian.net'), t1);
    expect(await storeOver(db).credentials.current('integration:j')).toBeUndefined();
  });

  it("changing one Azure DevOps integration's auth type leaves its siblings' shared credential alone", async () => {
    const ado = (boardsAuth: string) =>
      entries(
        `integrations:\n  - { id: ado-boards, provider: azure_devops, auth: ${boardsAuth}, organization: acme, service: boards }\n  - { id: ado-repos, provider: azure_devops, auth: pat, organization: acme, service: repos }`,
      );
    await syncCatalogue(createSqliteStore(db), ado('pat'), t0);
    await seed(
      'azure_devops:acme:pat',
      bindingOf({
        provider: 'azure_devops',
        authType: 'pat',
        url: 'https://dev.azure.com/acme',
        organization: 'acme',
        accountId: null,
      }),
      'azure_devops',
      'pat',
    );
    const summary = await syncCatalogue(createSqliteStore(db), ado('oauth'), t1);
    expect(summary.authChanged).toEqual(['ado-boards']);
    expect((await storeOver(db).credentials.current('azure_devops:acme:pat'))?.sealedSecret).toBe('v1.k.n.c');
    expect(
      (await storeOver(db).audit.list('ado-boards')).find((r) => r.action === 'catalogue.auth_type_changed'),
    ).toMatchObject({
      outcome: 'credential_kept_for_others',
    });
    expect((await storeOver(db).health.of('ado-boards'))?.reason).toContain('Auth type changed from pat to oauth');
    expect((await storeOver(db).audit.list()).some((r) => r.action === 'catalogue.credential_retired')).toBe(false);
  });

  it('runs in one transaction: a failure part-way leaves the table untouched', async () => {
    await syncCatalogue(
      createSqliteStore(db),
      entries('integrations:\n  - { id: a, provider: gitlab, auth: pat }'),
      t0,
    );
    const next = entries(
      'integrations:\n  - { id: b, provider: gitlab, auth: pat }\n  - { id: c, provider: gitlab, auth: pat }',
    );
    // "b" is inserted first; "c" then violates NOT NULL. Without the transaction "b" would remain.
    (next[1] as { name: unknown }).name = null;
    await expect(syncCatalogue(createSqliteStore(db), next, t1)).rejects.toThrow();
    expect(
      db
        .select()
        .from(integrations)
        .all()
        .map((i) => i.id),
    ).toEqual(['a']);
    expect((await storeOver(db).integrations.listActive()).map((i) => i.id)).toEqual(['a']);
    expect((await storeOver(db).audit.list()).map((r) => r.action)).toEqual(['catalogue.add']);
  });
});
