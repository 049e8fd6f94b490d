import { rotationAnswerContext } from '../../../src/services/sealing-contexts.js';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKeyring, keyIdOf, SealingError } from '../../../src/crypto/keyring.js';
import { fingerprintSecret } from '../../../src/crypto/fingerprint.js';
import { rotateKeys } from '../../../src/services/rotate-key.js';
import { createSqliteStore } from '../../../src/db/sqlite/store.js';
import { fileDb, memoryDb, seedCredential, storeOver } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';

const SECRET = 'ghp_SealMeNeverShowMe0123456789abcdefXYZ';

describe('keyring', () => {
  it('round-trips a secret and records the key id', () => {
    const key = newKey();
    const ring = createKeyring(key);
    const sealed = ring.seal(SECRET, 'integration:a');
    expect(sealed.keyId).toBe(keyIdOf(key));
    expect(sealed.value).not.toContain(SECRET);
    expect(sealed.value.startsWith(`v1.${keyIdOf(key)}.`)).toBe(true);
    expect(ring.unseal(sealed.value, 'integration:a')).toBe(SECRET);
  });

  it('uses a fresh nonce for every seal', () => {
    const ring = createKeyring(newKey());
    expect(ring.seal(SECRET, 'c').value).not.toBe(ring.seal(SECRET, 'c').value);
  });

  it('fails loudly with the wrong key', () => {
    const sealed = createKeyring(newKey()).seal(SECRET, 'c');
    expect(() => createKeyring(newKey()).unseal(sealed.value, 'c')).toThrow(
      /neither REAUTH_SECRET_KEY nor in REAUTH_PREVIOUS_KEYS/,
    );
  });

  it('fails loudly on a modified ciphertext, never returning garbage', () => {
    const ring = createKeyring(newKey());
    const sealed = ring.seal(SECRET, 'c').value;
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3] ?? '', 'base64url');
    body[0] = (body[0] ?? 0) ^ 0x01;
    const tampered = [...parts.slice(0, 3), body.toString('base64url')].join('.');
    expect(() => ring.unseal(tampered, 'c')).toThrow(SealingError);
    expect(() => ring.unseal(tampered, 'c')).toThrow(/integrity check/);
    expect(() => ring.unseal(sealed.slice(0, 30), 'c')).toThrow(SealingError);
    expect(() => ring.unseal('plain text', 'c')).toThrow(/not in the sealed format/);
  });

  it('refuses a sealed value moved to another record', () => {
    const ring = createKeyring(newKey());
    const sealed = ring.seal(SECRET, 'integration:a').value;
    expect(() => ring.unseal(sealed, 'integration:b')).toThrow(/sealed for another record/);
  });

  it('opens values sealed with a previous key and says they need re-sealing', () => {
    const oldKey = newKey();
    const sealed = createKeyring(oldKey).seal(SECRET, 'c').value;
    const ring = createKeyring(newKey(), [oldKey]);
    expect(ring.unseal(sealed, 'c')).toBe(SECRET);
    expect(ring.needsResealing(sealed)).toBe(true);
    expect(ring.needsResealing(ring.seal(SECRET, 'c').value)).toBe(false);
  });

  it('rejects keys that are not 32 bytes', () => {
    expect(() => createKeyring(Buffer.alloc(16))).toThrow(/exactly 32 bytes/);
  });
});

describe('fingerprintSecret', () => {
  it('is a short hash prefix plus the last 4 characters of long secrets, never the secret', () => {
    const fp = fingerprintSecret(SECRET);
    expect(fp).toMatch(/^[0-9a-f]{8}…fXYZ$/);
    expect(fp).not.toContain(SECRET.slice(0, 12));
    expect(fingerprintSecret('short')).toMatch(/^[0-9a-f]{8}$/);
    expect(fingerprintSecret(SECRET)).toBe(fp);
  });
});

describe('rotateKeys', () => {
  const t = new Date('2026-11-01T00:00:00Z');

  it('re-seals every secret with the current key in one transaction', async () => {
    const db = memoryDb();
    const oldKey = newKey();
    const oldRing = createKeyring(oldKey);
    for (const key of ['integration:a', 'integration:b']) {
      const sealed = oldRing.seal(`${SECRET}-${key}`, key);
      await seedCredential(
        storeOver(db),
        {
          credentialKey: key,
          provider: 'github',
          authType: 'pat',
          sealedSecret: sealed.value,
          keyId: sealed.keyId,
          fingerprints: ['f'],
          createdBy: 'U1',
          createdAt: t,
        },
        t,
      );
    }
    // A rotation's answer held with its open attempt (its check was inconclusive) is re-sealed too.
    const store = createSqliteStore(db);
    const attempt = await store.rotations.begin({
      integrationId: 'a',
      credentialKey: 'integration:a',
      credentialId: 1,
      version: 1,
      provider: 'github',
      tokenName: null,
      requestedBy: 'probe',
      startedAt: t,
    });
    const answer = oldRing.seal('glpat-heldAnswerOfARotation000', rotationAnswerContext('integration:a'));
    await store.rotations.holdAnswer(attempt?.id ?? 0, { ...answer, expiresAt: null });
    const newRing = createKeyring(newKey(), [oldKey]);
    expect(await rotateKeys(store, newRing, t)).toEqual({
      credentials: 2,
      oauthStates: 0,
      pendingCredentials: 0,
      deliveries: 0,
      rotationAnswers: 1,
    });
    const held = (await store.rotations.open())[0];
    expect(held?.answerKeyId).toBe(newRing.currentKeyId);
    expect(newRing.unseal(held?.sealedAnswer ?? '', rotationAnswerContext('integration:a'))).toBe(
      'glpat-heldAnswerOfARotation000',
    );
    const onlyNew = createKeyring(newKey());
    const row = await storeOver(db).credentials.current('integration:a');
    expect(row?.keyId).toBe(newRing.currentKeyId);
    expect(newRing.unseal(row?.sealedSecret ?? '', 'integration:a')).toBe(`${SECRET}-integration:a`);
    expect(() => onlyNew.unseal(row?.sealedSecret ?? '', 'integration:a')).toThrow();
    // A second run has nothing to do.
    expect(await rotateKeys(createSqliteStore(db), newRing, t)).toEqual({
      credentials: 0,
      oauthStates: 0,
      pendingCredentials: 0,
      deliveries: 0,
      rotationAnswers: 0,
    });
  });

  it('changes nothing when one secret cannot be opened', async () => {
    const db = memoryDb();
    const keyA = newKey();
    const keyB = newKey();
    const a = createKeyring(keyA).seal('secret-a', 'integration:a');
    const b = createKeyring(keyB).seal('secret-b', 'integration:b');
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:a',
        provider: 'github',
        authType: 'pat',
        sealedSecret: a.value,
        keyId: a.keyId,
        fingerprints: [],
        createdBy: 'U1',
        createdAt: t,
      },
      t,
    );
    await seedCredential(
      storeOver(db),
      {
        credentialKey: 'integration:b',
        provider: 'github',
        authType: 'pat',
        sealedSecret: b.value,
        keyId: b.keyId,
        fingerprints: [],
        createdBy: 'U1',
        createdAt: t,
      },
      t,
    );
    const ring = createKeyring(newKey(), [keyA]); // keyB is missing
    await expect(rotateKeys(createSqliteStore(db), ring, t)).rejects.toThrow(SealingError);
    expect((await storeOver(db).credentials.current('integration:a'))?.sealedSecret).toBe(a.value);
  });
});

describe('sealed secrets on disk', () => {
  it('leave no plaintext in the database file or its WAL', async () => {
    const store = fileDb();
    try {
      const ring = createKeyring(newKey());
      const sealed = ring.seal(SECRET, 'integration:a');
      await seedCredential(
        storeOver(store.db),
        {
          credentialKey: 'integration:a',
          provider: 'github',
          authType: 'pat',
          sealedSecret: sealed.value,
          keyId: sealed.keyId,
          fingerprints: [fingerprintSecret(SECRET)],
          createdBy: 'U1',
          createdAt: new Date(),
        },
        new Date(),
      );
      const files = [store.path, `${store.path}-wal`].filter(existsSync);
      expect(files.length).toBeGreaterThan(0);
      expect(existsSync(`${store.path}-wal`)).toBe(true);
      for (const file of files) {
        const bytes = readFileSync(file);
        expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
        expect(bytes.includes(Buffer.from(SECRET.slice(4, 24)))).toBe(false);
      }
      // The sealed value really is there, so the search above looked in the right place.
      const all = Buffer.concat(files.map((f) => readFileSync(f)));
      expect(all.includes(Buffer.from(sealed.keyId))).toBe(true);
    } finally {
      store.cleanup();
    }
  });
});
