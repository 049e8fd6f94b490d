import { eq, isNotNull } from 'drizzle-orm';
import type { Keyring } from '../crypto/keyring.js';
import type { Db } from '../db/client.js';
import { recordAudit } from '../db/repositories/audit.js';
import { listSealedCredentials, updateSealedSecret } from '../db/repositories/credentials.js';
import { oauthStates } from '../db/schema.js';
import { credentialContext, oauthStateContext } from './sealing-contexts.js';

export interface RotationSummary {
  credentials: number;
  oauthStates: number;
}

/**
 * Re-seals every stored secret with the current key in one transaction: all or nothing.
 * A secret that cannot be opened (unknown key, tampered) aborts the rotation unchanged.
 */
export function rotateKeys(db: Db, keyring: Keyring, now: Date): RotationSummary {
  return db.transaction((tx) => {
    const summary: RotationSummary = { credentials: 0, oauthStates: 0 };
    for (const row of listSealedCredentials(tx)) {
      if (!row.sealedSecret || !keyring.needsResealing(row.sealedSecret)) continue;
      const sealed = keyring.seal(keyring.unseal(row.sealedSecret, credentialContext(row.credentialKey)), credentialContext(row.credentialKey));
      updateSealedSecret(tx, row.id, sealed.value, sealed.keyId);
      summary.credentials += 1;
    }
    for (const state of tx.select().from(oauthStates).where(isNotNull(oauthStates.sealedVerifier)).all()) {
      if (!state.sealedVerifier || !keyring.needsResealing(state.sealedVerifier)) continue;
      const context = oauthStateContext(state.stateHash);
      const sealed = keyring.seal(keyring.unseal(state.sealedVerifier, context), context);
      tx.update(oauthStates).set({ sealedVerifier: sealed.value, keyId: sealed.keyId }).where(eq(oauthStates.stateHash, state.stateHash)).run();
      summary.oauthStates += 1;
    }
    recordAudit(tx, { actor: 'cli', action: 'key.rotate', outcome: 'ok', detail: { ...summary, keyId: keyring.currentKeyId } }, now);
    return summary;
  });
}
