import { describe, expect, it } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { integrations, pendingCredentials } from '../../../src/db/sqlite/schema.js';
import {
  accountsOfStored,
  accountsOfValidation,
  foreignAccounts,
  storedIdentity,
} from '../../../src/domain/accounts.js';
import type { ValidOutcome } from '../../../src/providers/outcome.js';
import { createPendingCredentials, type ValidValidation } from '../../../src/services/pending-credentials.js';
import { rotateKeys } from '../../../src/services/rotate-key.js';
import { memoryStore } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';

const SECRET = 'glpat-PendingSecretValue0123456789';
const t0 = new Date('2026-12-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

const valid = (id: string, expiresAt: Date | null = null): ValidOutcome => ({
  kind: 'valid',
  identity: { id, name: `User ${id}` },
  scopes: ['read_api'],
  expiresAt,
  rateLimitRemaining: null,
  reason: `accepted as User ${id}`,
});
const validation = (...ids: string[]): ValidValidation => ({
  outcome: valid(ids[0] ?? '1', at(86_400_000)),
  tokens: ids.map((id, i) => ({ position: i + 1, fingerprint: `fp${i}`, outcome: valid(id, at(86_400_000)) })),
});

function setup() {
  const store = memoryStore();
  store.db
    .insert(integrations)
    .values({
      id: 'gl',
      name: 'GitLab',
      provider: 'gitlab',
      authType: 'pat',
      url: 'https://gitlab.example',
      owners: [],
      credentialKey: 'integration:gl',
      createdAt: t0,
      updatedAt: t0,
    })
    .run();
  const key = newKey();
  const keyring = createKeyring(key);
  return { store, key, keyring, pending: createPendingCredentials({ store, keyring }) };
}

const hold = (p: ReturnType<typeof setup>['pending'], now = t0) =>
  p.hold(
    {
      integrationId: 'gl',
      slackUserId: 'U1',
      boundTo: 'view:V1',
      replacesCredentialId: 7,
      accounts: { current: [{ id: '1' }], next: [{ id: '2' }] },
      payload: { kind: 'tokens', identifier: null, tokens: [SECRET] },
      validation: validation('2'),
    },
    now,
  );

describe('pending credentials', () => {
  it('are sealed, returned once to their user and view with their dates revived, and erased when used', async () => {
    const { store, pending } = setup();
    const { reference, expiresAt } = await hold(pending);
    expect(expiresAt).toEqual(at(600_000));
    const row = store.db.select().from(pendingCredentials).get();
    expect(JSON.stringify(row)).not.toContain(SECRET);
    expect(JSON.stringify(row)).not.toContain(reference);
    const taken = await pending.take(reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(1000));
    expect(taken.ok && taken.payload).toEqual({ kind: 'tokens', identifier: null, tokens: [SECRET] });
    expect(taken.ok && taken.validation.outcome.expiresAt).toEqual(at(86_400_000));
    expect(
      taken.ok && taken.validation.tokens[0]?.outcome.kind === 'valid' && taken.validation.tokens[0].outcome.expiresAt,
    ).toEqual(at(86_400_000));
    expect(store.db.select().from(pendingCredentials).get()?.sealed).toBeNull();
    expect(await pending.take(reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(2000))).toMatchObject({
      ok: false,
      problem: 'used',
    });
  });

  it('refuse another user or another view without using it up, and an unknown reference', async () => {
    const { pending } = setup();
    const { reference } = await hold(pending);
    expect(await pending.take(reference, { slackUserId: 'U2', boundTo: 'view:V1' }, at(1000))).toMatchObject({
      ok: false,
      problem: 'foreign',
    });
    expect(await pending.take(reference, { slackUserId: 'U1', boundTo: 'view:V2' }, at(1000))).toMatchObject({
      ok: false,
      problem: 'foreign',
    });
    expect(await pending.take('not-a-reference', { slackUserId: 'U1', boundTo: 'view:V1' }, at(1000))).toMatchObject({
      ok: false,
      problem: 'unknown',
    });
    expect((await pending.take(reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(1000))).ok).toBe(true);
  });

  it('expire after 10 minutes, and a later hold erases the sealed value of an expired one', async () => {
    const { store, pending } = setup();
    const { reference } = await hold(pending);
    expect(await pending.take(reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(600_000))).toMatchObject({
      ok: false,
      problem: 'expired',
    });
    const second = await hold(pending, at(700_000));
    await hold(pending, at(1_400_000));
    const rows = store.db.select().from(pendingCredentials).all();
    expect(rows.filter((r) => r.sealed !== null)).toHaveLength(1);
    expect(
      await pending.take(second.reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(1_400_000)),
    ).toMatchObject({ ok: false, problem: 'expired' });
  });

  it('are re-sealed by a key rotation and still open afterwards', async () => {
    const { store, key, pending } = setup();
    const { reference } = await hold(pending);
    const next = newKey();
    expect(await rotateKeys(store, createKeyring(next, [key]), at(1000))).toMatchObject({ pendingCredentials: 1 });
    // The old key retired: the new key alone opens it.
    const after = createPendingCredentials({ store, keyring: createKeyring(next) });
    expect(await after.take(reference, { slackUserId: 'U1', boundTo: 'view:V1' }, at(2000))).toMatchObject({
      ok: true,
      payload: { tokens: [SECRET] },
    });
  });
});

describe('accounts', () => {
  it('a pool keeps every account it holds; another pool with one new account is foreign', () => {
    const pool = validation('1', '2', '2');
    expect(accountsOfValidation(pool).map((a) => a.id)).toEqual(['1', '2']);
    const stored = accountsOfStored(storedIdentity(pool));
    expect(stored.map((a) => a.id)).toEqual(['1', '2']);
    expect(foreignAccounts(stored, accountsOfValidation(validation('2', '1')))).toEqual([]);
    expect(foreignAccounts(stored, accountsOfValidation(validation('1', '3'))).map((a) => a.id)).toEqual(['3']);
  });

  it('nothing is foreign when there is no current account (a first credential, or one stored without identity)', () => {
    expect(foreignAccounts([], [{ id: '9' }])).toEqual([]);
    expect(accountsOfStored(null)).toEqual([]);
    expect(accountsOfStored({ id: '5', name: 'Jane', email: 'j@x' })).toEqual([
      { id: '5', name: 'Jane', email: 'j@x' },
    ]);
  });
});
