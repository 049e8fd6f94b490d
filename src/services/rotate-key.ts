import type { Keyring } from '../crypto/keyring.js';
import type { ResealCounts, Store } from '../db/store.js';
import {
  credentialContext,
  deliveryContext,
  oauthStateContext,
  pendingCredentialContext,
  rotationAnswerContext,
} from './sealing-contexts.js';

export type RotationSummary = ResealCounts;

/**
 * Re-seals every stored secret with the current key in one transaction: all or nothing.
 * A secret that cannot be opened (unknown key, tampered) aborts the rotation unchanged.
 */
export function rotateKeys(store: Pick<Store, 'credentials'>, keyring: Keyring, now: Date): Promise<RotationSummary> {
  const reseal = (sealed: string, context: string) =>
    keyring.needsResealing(sealed) ? keyring.seal(keyring.unseal(sealed, context), context) : undefined;
  return store.credentials.resealAll(
    {
      credential: (row) => reseal(row.sealedSecret, credentialContext(row.credentialKey, row.binding)),
      oauthState: (row) => reseal(row.sealedVerifier, oauthStateContext(row.stateHash)),
      pending: (row) => reseal(row.sealed, pendingCredentialContext(row.refHash)),
      delivery: (row) => reseal(row.sealedCredential, deliveryContext(row.credentialKey)),
      rotationAnswer: (row) => reseal(row.sealedAnswer, rotationAnswerContext(row.credentialKey)),
    },
    (counts) => ({
      actor: 'cli',
      action: 'key.rotate',
      outcome: 'ok',
      detail: { ...counts, keyId: keyring.currentKeyId },
    }),
    now,
  );
}
