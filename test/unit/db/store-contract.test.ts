import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../../src/db/postgres/store.js';
import {
  type CatalogueFields,
  type CredentialCommit,
  CredentialChangedError,
  type Store,
} from '../../../src/db/store.js';
import { systemClock } from '../../../src/domain/clock.js';
import { newMessageId } from '../../../src/domain/delivery.js';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import type { Db } from '../../../src/db/sqlite/client.js';
import { runMigrations } from '../../../src/db/sqlite/migrate.js';
import * as schema from '../../../src/db/sqlite/schema.js';
import { createSqliteStore } from '../../../src/db/sqlite/store.js';
import { catalogueFields } from '../../helpers/db.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';

/**
 * The Store contract, the same tests on both engines: what services rely on (atomic changes, "true
 * for exactly one caller", versions, the outbox) holds on SQLite and on a real PostgreSQL 15.
 */

const T0 = new Date('2026-11-29T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const fields = (id: string, over: Partial<CatalogueFields> = {}): CatalogueFields =>
  catalogueFields(id, { channel: 'C0ALERTS', owners: ['U0OWNER'], ...over });

let pgServer: TestPostgres | undefined;
/** Every statement the SQLite store ran: each transaction must begin IMMEDIATE (see the last test). */
const sqliteStatements: string[] = [];
const engines: [string, () => Promise<Store>][] = [
  [
    'SQLite',
    async () => {
      const db = drizzle({
        client: new Database(':memory:', { verbose: (statement) => sqliteStatements.push(String(statement)) }),
        schema,
        casing: 'snake_case',
      }) as Db;
      runMigrations(db);
      return createSqliteStore(db);
    },
  ],
  [
    'PostgreSQL',
    async () => {
      pgServer ??= await startTestPostgres();
      return openPostgresStore(await pgServer.newDatabase(), systemClock);
    },
  ],
];
afterAll(async () => pgServer?.close());

describe.each(engines)('the store on %s', (_engine, open) => {
  let store: Store;
  beforeAll(async () => {
    store = await open();
    await store.integrations.applySync(
      {
        add: ['a', 'b', 'c']
          .map((id) => ({
            id,
            values: fields(id),
            audit: { actor: 'catalogue', integrationId: id, action: 'catalogue.added', outcome: 'ok' },
          }))
          .concat([
            {
              id: 'ado-1',
              values: fields('ado-1', {
                provider: 'azure_devops',
                organization: 'acme',
                credentialKey: 'azure_devops:acme:pat',
              }),
              audit: { actor: 'catalogue', integrationId: 'ado-1', action: 'catalogue.added', outcome: 'ok' },
            },
            {
              id: 'ado-2',
              values: fields('ado-2', {
                provider: 'azure_devops',
                organization: 'acme',
                credentialKey: 'azure_devops:acme:pat',
              }),
              audit: { actor: 'catalogue', integrationId: 'ado-2', action: 'catalogue.added', outcome: 'ok' },
            },
          ]),
        update: [],
        archive: [],
        bindings: [],
      },
      T0,
    );
  });
  afterAll(async () => store?.close());

  const commit = (
    key: string,
    secret: string,
    now: Date,
    sinks: { integrationId: string; sinkKey: string }[] = [],
    expectedCurrentId?: number | null,
    rotation?: CredentialCommit['rotation'],
  ) =>
    store.credentials.commit(
      {
        ...(expectedCurrentId === undefined ? {} : { expectedCurrentId }),
        ...(rotation ? { rotation } : {}),
        credential: {
          credentialKey: key,
          provider: key.startsWith('azure') ? 'azure_devops' : 'gitlab',
          authType: 'pat',
          sealedSecret: `sealed-${secret}`,
          keyId: 'k1',
          binding: null,
          fingerprints: [`fp-${secret}`],
          identity: { name: 'Jane' },
          scopes: ['read_api'],
          expiresAt: at(86_400_000),
          createdBy: 'U0OWNER',
          createdAt: now,
        },
        health: {
          status: 'healthy',
          outcome: 'valid',
          reason: 'ok',
          since: now,
          lastCheckedAt: now,
          lastSuccessAt: now,
          consecutiveFailures: 0,
          firstFailureAt: null,
          nextProbeAt: null,
        },
        audit: {
          actor: 'U0OWNER',
          integrationId: key.startsWith('azure') ? 'ado-1' : key.replace('integration:', ''),
          action: 'reauth.modal',
          outcome: 'success',
          fingerprint: `fp-${secret}`,
        },
        ...(sinks.length
          ? {
              outbox: {
                sinks,
                sealedCredential: { value: `sealed-out-${secret}`, keyId: 'k1' },
                data: { fingerprint: `fp-${secret}` },
              },
            }
          : {}),
      },
      now,
    );

  it('a commit fenced on the credential it was decided against is refused once another one is in place, and writes nothing', async () => {
    const first = await commit('integration:fence', 'fence-1', at(0), [], null);
    // Decided against "no credential" while the first one committed: refused.
    await expect(commit('integration:fence', 'fence-x', at(1), [], null)).rejects.toBeInstanceOf(
      CredentialChangedError,
    );
    // Decided against the first one: fine; then again against it, after the second: refused.
    const second = await commit('integration:fence', 'fence-2', at(2), [], first.credential.id);
    await expect(commit('integration:fence', 'fence-y', at(3), [], first.credential.id)).rejects.toBeInstanceOf(
      CredentialChangedError,
    );
    expect((await store.credentials.current('integration:fence'))?.id).toBe(second.credential.id);
    expect((await store.audit.list('fence')).map((r) => r.fingerprint)).toEqual(['fp-fence-2', 'fp-fence-1']);
  });

  it('a one-time link is stored once, claimed by one POST at a time, and each refusal of a link or state is noted once', async () => {
    const link = {
      linkHash: 'claim-link',
      integrationId: 'a',
      slackUserId: 'U0OWNER',
      requestedByName: null,
      createdAt: at(0),
      expiresAt: at(600_000),
    };
    // Two first opens of one signed link at the same moment: one stores it, the other finds it stored.
    expect(await Promise.all([store.secretForms.insert(link), store.secretForms.insert(link)])).toEqual(
      expect.arrayContaining([true, false]),
    );
    expect(await store.secretForms.claim('claim-link', at(1), at(120_001))).toBe(true);
    expect(await store.secretForms.claim('claim-link', at(2), at(120_002))).toBe(false);
    // A claim whose POST died lapses; one given back can be taken at once.
    expect(await store.secretForms.claim('claim-link', at(120_001), at(240_001))).toBe(true);
    await store.secretForms.unclaim('claim-link');
    expect(await store.secretForms.claim('claim-link', at(120_002), at(240_002))).toBe(true);
    expect(await store.secretForms.markUsed('claim-link', at(120_003))).toBe(true);
    expect(await store.secretForms.claim('claim-link', at(300_000), at(400_000))).toBe(false);
    expect(await store.secretForms.noteRefusal('claim-link', 'other_browser')).toBe(true);
    expect(await store.secretForms.noteRefusal('claim-link', 'other_browser')).toBe(false);
    expect(await store.secretForms.noteRefusal('claim-link', 'used')).toBe(true);
    expect(await store.secretForms.noteRefusal('claim-link', 'other')).toBe(true);
    expect(await store.secretForms.noteRefusal('claim-link', 'used')).toBe(false);
    expect(await store.secretForms.noteRefusal('no-such-link', 'used')).toBe(false);
    await store.oauthStates.insert({
      stateHash: 'claim-state',
      integrationId: 'a',
      slackUserId: 'U0OWNER',
      sealedVerifier: null,
      keyId: null,
      createdAt: at(0),
      expiresAt: at(600_000),
    });
    expect(await store.oauthStates.noteRefusal('claim-state', 'reused_state')).toBe(true);
    expect(await store.oauthStates.noteRefusal('claim-state', 'reused_state')).toBe(false);
  });

  it('prunes audit rows recorded before a date, and only those', async () => {
    for (const [n, when] of [
      [1, at(-3 * 86_400_000)],
      [2, at(-2 * 86_400_000)],
      [3, at(0)],
    ] as const)
      await store.audit.record({ actor: 'x', integrationId: 'prune-audit', action: 'a', outcome: `o${n}` }, when);
    expect(await store.audit.prune(at(-86_400_000))).toBeGreaterThanOrEqual(2);
    expect((await store.audit.list('prune-audit')).map((r) => r.outcome)).toEqual(['o3']);
  });

  it('answers a ping while open', async () => {
    expect(await store.ping()).toBe(true);
  });

  it('syncs the catalogue atomically and answers the integration queries', async () => {
    expect((await store.integrations.listActive()).map((i) => i.id)).toEqual(['a', 'ado-1', 'ado-2', 'b', 'c']);
    expect((await store.integrations.listByCredentialKey('azure_devops:acme:pat')).map((i) => i.id)).toEqual([
      'ado-1',
      'ado-2',
    ]);
    expect((await store.integrations.findActive('b'))?.owners).toEqual(['U0OWNER']);
    await store.integrations.applySync(
      {
        add: [],
        update: [{ id: 'b', values: fields('b', { name: 'Bee' }), audits: [] }],
        archive: [
          { id: 'c', audit: { actor: 'catalogue', integrationId: 'c', action: 'catalogue.archived', outcome: 'ok' } },
        ],
        bindings: [],
      },
      at(1000),
    );
    expect(await store.integrations.findActive('c')).toBeUndefined();
    expect((await store.integrations.listAll()).find((i) => i.id === 'c')?.archivedAt).toEqual(at(1000));
    expect((await store.integrations.listByIds(['b', 'c'])).map((i) => [i.id, i.name])).toEqual([
      ['b', 'Bee'],
      ['c', 'c'],
    ]);
    expect((await store.health.of('a'))?.status).toBe('unknown');
  });

  it('the same catalogue sync applied twice (two processes planned it from one file) adds once and re-stamps nothing', async () => {
    const plan = {
      add: [
        {
          id: 'twice',
          values: fields('twice'),
          audit: { actor: 'catalogue', integrationId: 'twice', action: 'catalogue.added', outcome: 'ok' },
        },
      ],
      update: [],
      archive: [
        { id: 'c', audit: { actor: 'catalogue', integrationId: 'c', action: 'catalogue.archived', outcome: 'ok' } },
      ],
      bindings: [],
    };
    const archivedAt = (await store.integrations.listAll()).find((i) => i.id === 'c')?.archivedAt;
    await store.integrations.applySync(plan, at(5_000));
    await store.integrations.applySync(plan, at(6_000));
    expect((await store.integrations.listAll()).filter((i) => i.id === 'twice')).toHaveLength(1);
    // 'c' was archived by an earlier sync: its time stays, and nothing is audited again.
    expect((await store.integrations.listAll()).find((i) => i.id === 'c')?.archivedAt).toEqual(archivedAt ?? at(5_000));
    expect((await store.audit.list('twice')).filter((r) => r.action === 'catalogue.added')).toHaveLength(1);
    expect((await store.audit.list('c')).filter((r) => r.action === 'catalogue.archived')).toHaveLength(1);
  });

  it('swaps credentials with versions, the served health, the audit and the outbox in one change', async () => {
    const first = await commit('azure_devops:acme:pat', 'one', at(2000), [
      { integrationId: 'ado-1', sinkKey: 'file:/x' },
      { integrationId: 'ado-2', sinkKey: 'file:/y' },
      { integrationId: 'gone', sinkKey: 'file:/z' },
    ]);
    expect(first.credential.version).toBe(1);
    expect(first.affected.map((i) => i.id)).toEqual(['ado-1', 'ado-2']);
    const second = await commit('azure_devops:acme:pat', 'two', at(3000));
    expect(second.credential.version).toBe(2);
    expect(second.previous?.fingerprints).toEqual(['fp-one']);
    expect(await store.credentials.current('azure_devops:acme:pat')).toMatchObject({
      id: second.credential.id,
      sealedSecret: 'sealed-two',
      expiresAt: at(86_400_000),
      identity: { name: 'Jane' },
    });
    expect(await store.credentials.byId(first.credential.id)).toMatchObject({
      sealedSecret: null,
      keyId: null,
      replacedAt: at(3000),
    });
    expect((await store.health.of('ado-2'))?.status).toBe('healthy');
    expect((await store.audit.list('ado-1'))[0]?.detail).toMatchObject({ served: ['ado-1', 'ado-2'] });
    const outbox = await store.deliveries.forCredential(first.credential.id);
    expect(outbox.map((d) => [d.integrationId, d.sinkKey, d.version, d.status, d.sealedCredential])).toEqual([
      ['ado-1', 'file:/x', 1, 'pending', 'sealed-out-one'],
      ['ado-2', 'file:/y', 1, 'pending', 'sealed-out-one'],
    ]);
    expect(outbox[0]?.messageId).not.toBe(outbox[1]?.messageId);
  });

  it('updates a refreshed secret only while it is current, growing its version', async () => {
    const current = await store.credentials.current('azure_devops:acme:pat');
    const updated = await store.credentials.updateSealedSecret(
      current!.id,
      { value: 'sealed-refreshed', keyId: 'k1' },
      at(99_000),
      {
        sinks: [{ integrationId: 'ado-1', sinkKey: 'file:/x' }],
        sealedCredential: { value: 'sealed-out-refreshed', keyId: 'k1' },
        data: {},
      },
    );
    expect(updated).toMatchObject({ version: 3, sealedSecret: 'sealed-refreshed', expiresAt: at(99_000) });
    expect((await store.deliveries.forCredential(current!.id)).map((d) => d.version)).toEqual([3]);
    const retired = (await store.credentials.byId(1))!;
    expect(await store.credentials.updateSealedSecret(retired.id, { value: 'revived', keyId: 'k1' })).toBeUndefined();
    expect((await store.credentials.byId(retired.id))?.sealedSecret).toBeNull();
    expect((await store.credentials.listCurrentWithExpiry()).map((c) => c.credentialKey)).toContain(
      'azure_devops:acme:pat',
    );
  });

  it('records a failed refresh and a new expiry on the current credential only', async () => {
    const current = (await store.credentials.current('azure_devops:acme:pat'))!;
    await store.credentials.refreshFailed(current.id, { retryAt: at(120_000), reason: 'HTTP 503 from the provider' });
    await store.credentials.updateExpiry(current.id, at(7 * 86_400_000));
    expect(await store.credentials.byId(current.id)).toMatchObject({
      refreshRetryAt: at(120_000),
      refreshError: 'HTTP 503 from the provider',
      expiresAt: at(7 * 86_400_000),
    });
    const retired = (await store.credentials.byId(1))!;
    expect(retired.replacedAt).not.toBeNull();
    await store.credentials.refreshFailed(retired.id, { retryAt: at(1), reason: 'stale' });
    expect((await store.credentials.byId(retired.id))?.refreshError).toBeNull();
  });

  it('marks a credential retired by its vendor once: the second mark reports it was already marked', async () => {
    const current = (await store.credentials.current('azure_devops:acme:pat'))!;
    expect(current.retiredByVendor).toBeNull();
    expect(await store.credentials.markRetired(current.id, 'bitbucket_app_password')).toBe(true);
    expect(await store.credentials.markRetired(current.id, 'bitbucket_app_password')).toBe(false);
    expect((await store.credentials.byId(current.id))?.retiredByVendor).toBe('bitbucket_app_password');
  });

  it('rotates: one open attempt per key, its answer held until the commit closes it and queues the old token for revocation', async () => {
    const before = await commit('integration:c', 'rot-0', at(200_000));
    const attempt = {
      integrationId: 'c',
      credentialKey: 'integration:c',
      credentialId: before.credential.id,
      version: before.credential.version,
      provider: 'gitlab' as const,
      tokenName: 'reauth-c-1',
      requestedBy: 'schedule',
      startedAt: at(201_000),
    };
    const begun = (await store.rotations.begin(attempt))!;
    expect(begun).toMatchObject({ ...attempt, finishedAt: null, outcome: null, sealedAnswer: null });
    // Another process asking meanwhile: one open attempt per key.
    expect(await store.rotations.begin({ ...attempt, tokenName: 'reauth-c-2' })).toBeUndefined();
    expect(
      await store.rotations.holdAnswer(begun.id, { value: 'sealed-answer', keyId: 'k1', expiresAt: at(9e6) }),
    ).toBe(true);
    await store.rotations.checkAgainAt(begun.id, at(260_000));
    expect((await store.rotations.open()).find((a) => a.id === begun.id)).toMatchObject({
      sealedAnswer: 'sealed-answer',
      answerKeyId: 'k1',
      retryAt: at(260_000),
    });
    const rotated = await commit('integration:c', 'rot-1', at(270_000), [], before.credential.id, {
      attemptId: begun.id,
      revoke: { tokenName: 'reauth-c-0', notAfter: at(3_870_000) },
    });
    expect((await store.rotations.open()).map((a) => a.id)).not.toContain(begun.id);
    const { last, lastRotated } = (await store.rotations.latest(['c'])).get('c')!;
    expect(last).toMatchObject({ id: begun.id, outcome: 'rotated', finishedAt: at(270_000), sealedAnswer: null });
    expect(lastRotated?.id).toBe(begun.id);
    expect(await store.rotations.holdAnswer(begun.id, { value: 'late', keyId: 'k1', expiresAt: null })).toBe(false);
    const [revocation] = (await store.rotations.pendingRevocations()).filter((r) => r.integrationId === 'c');
    expect(revocation).toMatchObject({
      credentialKey: 'integration:c',
      tokenName: 'reauth-c-0',
      replacedByVersion: rotated.credential.version,
      notAfter: at(3_870_000),
      doneAt: null,
      attempts: 0,
    });
    await store.rotations.revocationFailed(revocation!.id, 'HTTP 502');
    expect((await store.rotations.pendingRevocations()).find((r) => r.id === revocation!.id)).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 502',
    });
    await store.rotations.revocationDone(revocation!.id, at(280_000));
    expect((await store.rotations.pendingRevocations()).find((r) => r.id === revocation!.id)).toBeUndefined();

    // A failed attempt: closed with its reason, its held answer erased; the next may begin.
    const second = (await store.rotations.begin({ ...attempt, tokenName: 'reauth-c-2', startedAt: at(290_000) }))!;
    await store.rotations.holdAnswer(second.id, { value: 'sealed-2', keyId: 'k1', expiresAt: null });
    await store.rotations.finish(
      second.id,
      { outcome: 'failed', reason: 'HTTP 403', retryAt: at(900_000) },
      at(291_000),
    );
    const latest = (await store.rotations.latest(['c', 'nobody'])).get('c')!;
    expect(latest.last).toMatchObject({ id: second.id, outcome: 'failed', reason: 'HTTP 403', sealedAnswer: null });
    expect(latest.lastRotated?.id).toBe(begun.id);
    expect((await store.rotations.generatedNames('c')).sort()).toEqual(['reauth-c-1', 'reauth-c-2']);
    expect(await store.rotations.latest([])).toEqual(new Map());
  });

  it('keeps exactly one current credential when ten commits for one key race', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => commit('integration:a', `race${i}`, at(10_000 + i))),
    );
    expect(new Set(results.map((r) => r.credential.version))).toEqual(
      new Set(Array.from({ length: 10 }, (_, i) => i + 1)),
    );
    const current = await store.credentials.current('integration:a');
    expect(current?.version).toBe(10);
    expect((await store.audit.list('a')).filter((e) => e.action === 'reauth.modal')).toHaveLength(10);
  });

  it('claims a due probe for exactly one caller', async () => {
    await store.health.save({ integrationId: 'b', status: 'healthy', nextProbeAt: at(0) });
    const claims = await Promise.all(
      Array.from({ length: 8 }, () => store.health.claimProbe('b', at(5000), at(125_000))),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect((await store.health.of('b'))?.nextProbeAt).toEqual(at(125_000));
    expect(await store.health.claimProbe('b', at(6000), at(126_000))).toBe(false);
    expect((await store.health.listAll()).get('b')?.status).toBe('healthy');
  });

  it('opens one alert per key and lets one caller claim its post', async () => {
    const opened = await Promise.all(
      Array.from({ length: 5 }, () =>
        store.alerts.insertOpen({
          alertKey: 'integration:b',
          integrationIds: ['b'],
          channel: 'C0ALERTS',
          reason: 'revoked',
          openedAt: at(0),
        }),
      ),
    );
    expect(opened.filter(Boolean)).toHaveLength(1);
    const alert = (await store.alerts.open('integration:b'))!;
    const claims = await Promise.all(Array.from({ length: 5 }, () => store.alerts.claimPost(alert.id, at(1000))));
    expect(claims.filter(Boolean)).toHaveLength(1);
    await store.alerts.update(alert.id, { messageTs: '1.000001', postError: null });
    expect(await store.alerts.claimPost(alert.id, at(60_000))).toBe(false);
    await store.alerts.update(alert.id, { resolvedAt: at(2000) });
    expect(await store.alerts.listOpen()).toEqual([]);
    expect(
      await store.alerts.insertOpen({
        alertKey: 'integration:b',
        integrationIds: ['b'],
        channel: 'C0ALERTS',
        reason: 'again',
        openedAt: at(3000),
      }),
    ).toBeDefined();
  });

  it('uses an OAuth state and a webhook signature once', async () => {
    await store.oauthStates.insert({
      stateHash: 'h1',
      integrationId: 'b',
      slackUserId: 'U0OWNER',
      sealedVerifier: 'sealed-v',
      keyId: 'k1',
      createdAt: at(0),
      expiresAt: at(600_000),
    });
    expect(
      (await Promise.all([1, 2, 3].map(() => store.oauthStates.markStarted('h1', at(1000))))).filter(Boolean),
    ).toHaveLength(1);
    expect(
      (await Promise.all([1, 2, 3].map(() => store.oauthStates.markUsed('h1', at(2000))))).filter(Boolean),
    ).toHaveLength(1);
    expect(await store.oauthStates.find('h1')).toMatchObject({ usedAt: at(2000), sealedVerifier: null });
    await store.oauthStates.prune(at(600_000 + 25 * 3600 * 1000));
    expect(await store.oauthStates.find('h1')).toBeUndefined();
    expect(
      (await Promise.all([1, 2, 3].map(() => store.webhookReplays.remember('sig-1', at(0))))).filter(Boolean),
    ).toHaveLength(1);
  });

  it('binds a secret-entry link to one browser and uses it once, across callers', async () => {
    await store.secretForms.insert({
      linkHash: 'l1',
      integrationId: 'b',
      slackUserId: 'U0OWNER',
      requestedByName: 'jane',
      createdAt: at(0),
      expiresAt: at(600_000),
    });
    expect(
      (await Promise.all(['x', 'y', 'z'].map((b) => store.secretForms.bindBrowser('l1', b, at(1000))))).filter(Boolean),
    ).toHaveLength(1);
    expect((await store.secretForms.find('l1'))?.openedAt).toEqual(at(1000));
    expect(
      (await Promise.all([1, 2, 3].map(() => store.secretForms.markUsed('l1', at(2000))))).filter(Boolean),
    ).toHaveLength(1);
    expect(await store.secretForms.bindBrowser('l1', 'late', at(3000))).toBe(false);
    await store.secretForms.prune(at(600_000 + 25 * 3600 * 1000));
    expect(await store.secretForms.find('l1')).toBeUndefined();
  });

  it('holds a pending credential, replaces it under the same reference, and uses it once', async () => {
    const pending = {
      refHash: 'r1',
      integrationId: 'b',
      slackUserId: 'U0OWNER',
      boundTo: 'view:V1',
      sealed: 'sealed-1',
      keyId: 'k1',
      replacesCredentialId: 1,
      accounts: { current: [{ id: '1' }], next: [{ id: '2', name: 'Other' }] },
      createdAt: at(0),
      expiresAt: at(600_000),
    };
    await store.pendingCredentials.put(pending);
    expect(
      (await Promise.all([1, 2, 3].map(() => store.pendingCredentials.markUsed('r1', at(1000))))).filter(Boolean),
    ).toHaveLength(1);
    expect(await store.pendingCredentials.find('r1')).toMatchObject({
      usedAt: at(1000),
      sealed: null,
      accounts: pending.accounts,
    });
    await store.pendingCredentials.put({ ...pending, sealed: 'sealed-2', expiresAt: at(700_000) });
    expect(await store.pendingCredentials.find('r1')).toMatchObject({ usedAt: null, sealed: 'sealed-2' });
    await store.pendingCredentials.prune(at(700_001));
    expect(await store.pendingCredentials.find('r1')).toMatchObject({ sealed: null });
    await store.pendingCredentials.prune(at(700_000 + 25 * 3600 * 1000));
    expect(await store.pendingCredentials.find('r1')).toBeUndefined();
  });

  it('records expiry warnings once per threshold', async () => {
    const credential = (await store.credentials.current('integration:a'))!;
    await store.expiryWarnings.record(credential.id, [14, 3], at(0));
    await store.expiryWarnings.record(credential.id, [3, 1], at(1));
    expect([...(await store.expiryWarnings.warnedThresholds(credential.id))].sort()).toEqual([1, 14, 3]);
  });

  it('streams the audit log oldest first, filtered', async () => {
    for (let i = 0; i < 5; i += 1)
      await store.audit.record(
        { actor: 'U1', integrationId: 'stream', action: 'test', outcome: String(i) },
        at(500_000 + i * 1000),
      );
    const all: string[] = [];
    for await (const row of store.audit.stream({ integrationId: 'stream' })) all.push(row.outcome);
    expect(all).toEqual(['0', '1', '2', '3', '4']);
    const window: string[] = [];
    for await (const row of store.audit.stream({ integrationId: 'stream', since: at(501_000), until: at(503_000) }))
      window.push(row.outcome);
    expect(window).toEqual(['1', '2']);
  });

  it('works the outbox: one head per sink, claimed once in one statement, attempts counted at the claim, only the lease holder finishes it', async () => {
    const row = (sinkKey: string, n: number) => ({
      integrationId: 'b',
      sinkKey,
      type: 'integration.failing' as const,
      messageId: newMessageId(),
      credentialId: null,
      version: null,
      sealedCredential: null,
      keyId: null,
      data: { n },
      createdAt: at(700_000 + n),
    });
    await store.deliveries.enqueue([
      row('webhook:https://one', 1),
      row('webhook:https://one', 2),
      row('webhook:https://two', 3),
    ]);
    const heads = (await store.deliveries.dueHeads(100)).filter((d) => d.integrationId === 'b');
    expect(heads.map((d) => [d.sinkKey, d.data.n])).toEqual([
      ['webhook:https://one', 1],
      ['webhook:https://two', 3],
    ]);
    // Three workers claim at once: each head goes to exactly one of them, and no second message of a sink is taken.
    const claims = (
      await Promise.all([1, 2, 3].map(() => store.deliveries.claimDue(10, 120_000, { integrationId: 'b' })))
    ).flat();
    expect(claims.map((c) => c.data.n).sort()).toEqual([1, 3]);
    expect(claims.every((c) => c.attempts === 1 && c.leaseToken.length > 0)).toBe(true);
    expect(await store.deliveries.claimDue(10, 120_000, { integrationId: 'b' })).toEqual([]);
    const one = claims.find((c) => c.data.n === 1)!;
    const lease = { id: one.id, token: one.leaseToken };
    expect(
      await store.deliveries.failed(
        { id: one.id, token: 'someone-else' },
        { error: 'x', needsAttention: false, retryInMs: 0 },
      ),
    ).toBe(false);
    expect(await store.deliveries.extendLease(lease, 120_000)).toBe(true);
    expect(
      await store.deliveries.failed(lease, { error: 'HTTP 502', needsAttention: true, retryInMs: 3_600_000 }),
    ).toBe(true);
    expect(await store.deliveries.head('b', 'webhook:https://one')).toMatchObject({
      attempts: 1,
      lastError: 'HTTP 502',
      needsAttention: true,
      leaseUntil: null,
      leaseToken: null,
    });
    expect(
      await store.deliveries.claimDue(10, 120_000, { integrationId: 'b', sinkKey: 'webhook:https://one' }),
    ).toEqual([]);
    expect(await store.deliveries.retryNow('b')).toBeGreaterThanOrEqual(3);
    const [again] = await store.deliveries.claimDue(1, 120_000, { integrationId: 'b', sinkKey: 'webhook:https://one' });
    expect(again).toMatchObject({ id: one.id, attempts: 2 });
    expect(await store.deliveries.delivered(lease)).toBe(false);
    expect(await store.deliveries.delivered({ id: again!.id, token: again!.leaseToken })).toBe(true);
    const [second] = await store.deliveries.claimDue(1, 120_000, {
      integrationId: 'b',
      sinkKey: 'webhook:https://one',
    });
    expect(second?.data).toEqual({ n: 2 });
    expect(
      await store.deliveries.close({ id: second!.id, token: second!.leaseToken }, 'cancelled', 'sink removed'),
    ).toBe(true);
    expect(await store.deliveries.head('b', 'webhook:https://one')).toBeUndefined();
    const sinkRows = await store.deliveries.sinkRows(['b']);
    expect(sinkRows.find((r) => r.sinkKey === 'webhook:https://two')?.head?.data).toEqual({ n: 3 });
  });

  it('lets a lapsed lease be taken, gives back an unattempted claim uncounted, and keeps given-up messages until they are sent again', async () => {
    const row = (sinkKey: string, n: number) => ({
      integrationId: 'a',
      sinkKey,
      type: 'integration.failing' as const,
      messageId: newMessageId(),
      credentialId: null,
      version: null,
      sealedCredential: null,
      keyId: null,
      data: { n },
      createdAt: at(n),
    });
    await store.deliveries.enqueue([row('webhook:https://lapse', 1)]);
    const scope = { integrationId: 'a', sinkKey: 'webhook:https://lapse' };
    // A lease already over (a replica that died, or one whose clock is behind): the next claim takes it.
    const [dying] = await store.deliveries.claimDue(1, -1_000, scope);
    const [next] = await store.deliveries.claimDue(1, 120_000, scope);
    expect(next).toMatchObject({ id: dying!.id, attempts: 2 });
    expect(next!.leaseToken).not.toBe(dying!.leaseToken);
    expect(await store.deliveries.release({ id: next!.id, token: next!.leaseToken }, 0)).toBe(true);
    const [third] = await store.deliveries.claimDue(1, 120_000, scope);
    expect(third).toMatchObject({ attempts: 2 });
    expect(await store.deliveries.close({ id: third!.id, token: third!.leaseToken }, 'dead', 'given up')).toBe(true);
    expect(await store.deliveries.deadCount()).toBeGreaterThanOrEqual(1);
    expect(
      (await store.deliveries.sinkRows(['a'])).find((r) => r.sinkKey === scope.sinkKey)?.dead.map((d) => d.data.n),
    ).toEqual([1]);
    expect(await store.deliveries.prune(at(365 * 86_400_000))).toBeGreaterThanOrEqual(0);
    expect(await store.deliveries.retryDead('a')).toBe(1);
    expect(await store.deliveries.claimDue(1, 120_000, scope)).toMatchObject([{ attempts: 1, status: 'pending' }]);
  });

  it("cancels only what the catalogue no longer lists, and drops the oldest events past a sink's limit", async () => {
    const row = (integrationId: string, sinkKey: string, n: number) => ({
      integrationId,
      sinkKey,
      type: 'integration.failing' as const,
      messageId: newMessageId(),
      credentialId: null,
      version: null,
      sealedCredential: null,
      keyId: null,
      data: { n },
      createdAt: at(n),
    });
    await store.deliveries.enqueue([
      row('c', 'webhook:https://kept', 1),
      row('c', 'webhook:https://gone', 2),
      row('c', 'webhook:https://gone', 3),
    ]);
    const listed = new Map([
      ['c', ['webhook:https://kept']],
      ['b', ['webhook:https://two']],
      ['ado-1', ['file:/x']],
      ['ado-2', ['file:/y']],
    ]);
    expect(await store.deliveries.cancelUnlisted(listed, 'removed')).toBeGreaterThanOrEqual(2);
    expect(await store.deliveries.cancelUnlisted(listed, 'removed')).toBe(0);
    expect(await store.deliveries.head('c', 'webhook:https://kept')).toBeDefined();
    expect(await store.deliveries.head('b', 'webhook:https://two')).toBeDefined();
    expect(await store.deliveries.head('c', 'webhook:https://gone')).toBeUndefined();
    let dropped = 0;
    for (let n = 0; n < 5; n += 1)
      dropped += await store.deliveries.enqueue([row('c', 'webhook:https://kept', 10 + n)], 3);
    expect(dropped).toBe(3);
    expect((await store.deliveries.head('c', 'webhook:https://kept'))?.data).toEqual({ n: 12 });
  });

  it('never repeats a version for an integration whose credential key changed', async () => {
    const first = await commit('integration:a', 'keyA-1', at(950_000));
    const second = await commit('integration:a', 'keyA-2', at(950_001));
    expect(second.credential.version).toBe(first.credential.version + 1);
    // The catalogue gives integration a another key (its auth type or organization was edited).
    await store.integrations.applySync(
      {
        add: [],
        update: [{ id: 'a', values: fields('a', { credentialKey: 'integration:a:moved' }), audits: [] }],
        archive: [],
        bindings: [],
      },
      at(950_002),
    );
    const moved = await commit('integration:a:moved', 'keyB-1', at(950_003));
    expect(moved.credential.version).toBeGreaterThan(second.credential.version);
    expect((await store.integrations.findActive('a'))?.credentialVersion).toBe(moved.credential.version);
    await store.integrations.applySync(
      { add: [], update: [{ id: 'a', values: fields('a'), audits: [] }], archive: [], bindings: [] },
      at(950_004),
    );
  });

  it("counts a consumer's reads per minute, and records each grant once", async () => {
    const waits = [];
    for (let i = 0; i < 4; i += 1) waits.push(await store.consumerRates.take('ingest', 3));
    expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
    expect(waits[3]).toBeGreaterThanOrEqual(1);
    expect(waits[3]).toBeLessThanOrEqual(60);
    const audit = {
      granted: (g: { integrationId: string }) => ({
        actor: 'catalogue',
        integrationId: g.integrationId,
        action: 'consumer.granted',
        outcome: 'granted',
      }),
      revoked: (g: { integrationId: string }) => ({
        actor: 'catalogue',
        integrationId: g.integrationId,
        action: 'consumer.revoked',
        outcome: 'revoked',
      }),
    };
    const wanted = [
      { consumer: 'ingest', integrationId: 'a', tokenSha256: 'aa' },
      { consumer: 'ingest', integrationId: 'b', tokenSha256: 'aa' },
    ];
    const results = await Promise.all([
      store.consumerGrants.apply(wanted, audit, T0),
      store.consumerGrants.apply(wanted, audit, T0),
    ]);
    expect(results.flatMap((r) => r.granted)).toHaveLength(2);
    const widened = await store.consumerGrants.apply(
      [...wanted.slice(0, 1), { consumer: 'ingest', integrationId: 'b', tokenSha256: 'bb' }],
      audit,
      T0,
    );
    expect(widened.granted.map((g) => g.integrationId)).toEqual(['b']);
    expect((await store.consumerGrants.apply([], audit, T0)).revoked).toHaveLength(2);
  });

  it('a transaction that fails mid-way undoes only its own writes, not those of calls made meanwhile', async () => {
    let calls = 0;
    const failing = {
      granted: (g: { integrationId: string }) => {
        calls += 1;
        if (calls === 2) throw new Error('the audit of the second grant failed');
        return { actor: 'catalogue', integrationId: g.integrationId, action: 'consumer.granted', outcome: 'granted' };
      },
      revoked: (g: { integrationId: string }) => ({
        actor: 'catalogue',
        integrationId: g.integrationId,
        action: 'consumer.revoked',
        outcome: 'revoked',
      }),
    };
    const link = (linkHash: string) =>
      store.secretForms.insert({
        linkHash,
        integrationId: 'a',
        slackUserId: 'U0OWNER',
        requestedByName: null,
        createdAt: at(0),
        expiresAt: at(600_000),
      });
    const [applied, ...inserted] = await Promise.allSettled([
      store.consumerGrants.apply(
        [
          { consumer: 'rollback', integrationId: 'a', tokenSha256: 'cc' },
          { consumer: 'rollback', integrationId: 'b', tokenSha256: 'cc' },
        ],
        failing,
        at(0),
      ),
      link('meanwhile-1'),
      link('meanwhile-2'),
    ]);
    expect(applied?.status).toBe('rejected');
    expect(inserted.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(await store.secretForms.find('meanwhile-1')).toBeDefined();
    expect(await store.secretForms.find('meanwhile-2')).toBeDefined();
    // Nothing of the failed apply was kept: the next one grants both again.
    const again = await store.consumerGrants.apply(
      [
        { consumer: 'rollback', integrationId: 'a', tokenSha256: 'cc' },
        { consumer: 'rollback', integrationId: 'b', tokenSha256: 'cc' },
      ],
      {
        granted: failing.revoked,
        revoked: failing.revoked,
      },
      at(1),
    );
    expect(again.granted.map((g) => g.integrationId).sort()).toEqual(['a', 'b']);
    await store.consumerGrants.apply([], failing, at(2));
  });

  it('an audit row the database refuses fails only its own caller, not rows recorded with it', async () => {
    const entry = (actor: string) => ({ actor, integrationId: 'a', action: 'audit.batch', outcome: 'ok' });
    const results = await Promise.allSettled([
      store.audit.record(entry('before'), at(10)),
      store.audit.record(entry(null as unknown as string), at(11)),
      store.audit.record(entry('after'), at(12)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const kept = (await store.audit.list('a')).filter((r) => r.action === 'audit.batch').map((r) => r.actor);
    expect(kept.sort()).toEqual(['after', 'before']);
  });

  it('knows the version each sink received, and where each stands', async () => {
    const committed = await commit('integration:c', 'sinkver', at(900_000), [
      { integrationId: 'c', sinkKey: 'vault:secret/data/c' },
    ]);
    // c was archived: a credential for it writes no outbox row.
    expect(await store.deliveries.forCredential(committed.credential.id)).toEqual([]);
    const b = await commit('integration:b', 'sinkver', at(900_001), [
      { integrationId: 'b', sinkKey: 'vault:secret/data/b' },
    ]);
    const [message] = await store.deliveries.forCredential(b.credential.id);
    expect(await store.deliveries.deliveredVersion('b', 'vault:secret/data/b')).toBeNull();
    const [claimed] = await store.deliveries.claimDue(1, 60_000, {
      integrationId: 'b',
      sinkKey: 'vault:secret/data/b',
    });
    expect(claimed?.id).toBe(message!.id);
    await store.deliveries.delivered({ id: claimed!.id, token: claimed!.leaseToken });
    expect(await store.deliveries.deliveredVersion('b', 'vault:secret/data/b')).toBe(b.credential.version);
    expect((await store.deliveries.forCredential(b.credential.id))[0]?.sealedCredential).toBeNull();
    expect((await store.deliveries.sinkRows(['b'])).find((r) => r.sinkKey === 'vault:secret/data/b')).toMatchObject({
      head: undefined,
      lastDelivered: { id: message!.id },
    });
    const fields = {
      credentialId: b.credential.id,
      integrationId: 'b',
      channel: 'C0ALERTS',
      messageTs: '1.2',
      viewId: null,
      content: { text: 'hi', blocks: [] },
    };
    await store.deliveries.addNotice(fields, at(0));
    const [notice] = await store.deliveries.notices(b.credential.id);
    // The same fields on both engines (PostgreSQL's once carried created_at besides).
    expect(notice).toEqual({ id: expect.any(Number), ...fields });
    await store.deliveries.removeNotice(notice!.id);
    expect(await store.deliveries.notices(b.credential.id)).toEqual([]);
  });

  it('forgets finished messages after the retention, never pending ones', async () => {
    const row = (n: number, at: Date) => ({
      integrationId: 'a',
      sinkKey: 'webhook:https://prune',
      type: 'integration.failing' as const,
      messageId: newMessageId(),
      credentialId: null,
      version: null,
      sealedCredential: null,
      keyId: null,
      data: { n },
      createdAt: at,
    });
    await store.deliveries.enqueue([row(1, at(-100 * 86_400_000)), row(2, at(-100 * 86_400_000)), row(3, at(0))]);
    const [old] = await store.deliveries.claimDue(1, 60_000, { integrationId: 'a', sinkKey: 'webhook:https://prune' });
    await store.deliveries.delivered({ id: old!.id, token: old!.leaseToken });
    expect(await store.deliveries.prune(at(-30 * 86_400_000))).toBe(1);
    // The old pending one stays: nothing undelivered is ever forgotten.
    expect((await store.deliveries.head('a', 'webhook:https://prune'))?.data).toEqual({ n: 2 });
    const waiting = await store.deliveries.pendingCount();
    await store.deliveries.enqueue([row(3, at(0))]);
    expect(await store.deliveries.pendingCount()).toBe(waiting + 1);
  });

  it('runs the changes of one credential key one at a time, answers while open, and says how to back it up', async () => {
    const other = await open();
    let running = 0;
    let most = 0;
    const task = async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running -= 1;
      return running;
    };
    await Promise.all([
      other.withCredentialLock('integration:locked', task),
      other.withCredentialLock('integration:locked', task),
    ]);
    expect(most).toBe(1);
    const folder = mkdtempSync(join(tmpdir(), 'reauth-contract-'));
    const backup = await other.backup(join(folder, 'copy.db'));
    rmSync(folder, { recursive: true, force: true });
    expect(backup).toEqual(
      _engine === 'SQLite' ? { pages: expect.any(Number) } : { unsupported: expect.stringContaining('pg_dump') },
    );
    expect(other.isOpen()).toBe(true);
    expect(await other.ping()).toBe(true);
    await other.close();
    expect(other.isOpen()).toBe(false);
    expect(await other.ping()).toBe(false);
  });

  it('re-seals every sealed value in one change, and a throw changes nothing', async () => {
    const counts = await store.credentials.resealAll(
      {
        credential: (r) => ({ value: `${r.sealedSecret}+`, keyId: 'k2' }),
        oauthState: () => undefined,
        pending: () => undefined,
        delivery: (r) => ({ value: `${r.sealedCredential}+`, keyId: 'k2' }),
        rotationAnswer: (r) => ({ value: `${r.sealedAnswer}+`, keyId: 'k2' }),
      },
      (c) => ({ actor: 'cli', action: 'key.rotate', outcome: 'ok', detail: { ...c } }),
      at(0),
    );
    expect(counts.credentials).toBeGreaterThan(2);
    expect(counts.deliveries).toBeGreaterThan(0);
    expect((await store.credentials.current('integration:a'))?.keyId).toBe('k2');
    const before = (await store.credentials.current('integration:a'))?.sealedSecret;
    await expect(
      store.credentials.resealAll(
        {
          credential: (r) =>
            r.credentialKey === 'integration:b'
              ? (() => {
                  throw new Error('cannot open');
                })()
              : { value: 'x', keyId: 'k3' },
          oauthState: () => undefined,
          pending: () => undefined,
          delivery: () => undefined,
          rotationAnswer: () => undefined,
        },
        () => ({ actor: 'cli', action: 'key.rotate', outcome: 'ok' }),
        at(0),
      ),
    ).rejects.toThrow('cannot open');
    expect((await store.credentials.current('integration:a'))?.sealedSecret).toBe(before);
  });
});

describe('SQLite transactions beside another process', () => {
  it('every transaction the store ran began IMMEDIATE: a deferred one that reads then writes fails with SQLITE_BUSY_SNAPSHOT when the CLI writes in between', () => {
    const begins = sqliteStatements.filter((statement) => /^BEGIN\b/i.test(statement));
    expect(begins.length).toBeGreaterThan(10);
    expect(begins.filter((statement) => statement !== 'BEGIN IMMEDIATE')).toEqual([]);
  });
});

describe('the contract suite', () => {
  it('calls every method of the Store, so each runs on both engines above', async () => {
    const [sqlite, pg] = await Promise.all(engines.map(([, open]) => open()));
    // What a store offers: its own methods, and each repository's (an engine's extras are not the contract).
    const members = (store: Store) =>
      new Set(
        Object.entries(store).flatMap(([name, value]) =>
          typeof value === 'function'
            ? [`store.${name}(`]
            : Object.keys(value as object).map((method) => `store.${name}.${method}(`),
        ),
      );
    const offered = members(sqlite!);
    const contract = [...members(pg!)].filter((member) => offered.has(member));
    expect(contract.length).toBeGreaterThan(60);
    const suite = readFileSync(fileURLToPath(import.meta.url), 'utf8').replaceAll('other.', 'store.');
    expect(contract.filter((member) => !suite.includes(member))).toEqual([]);
    await Promise.all([sqlite!.close(), pg!.close()]);
  });
});
