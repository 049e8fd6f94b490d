import { PENDING_LIFETIME_MS } from '../domain/lifetimes.js';
import { randomBytes } from 'node:crypto';
import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import type { PendingAccounts } from '../domain/accounts.js';
import type { PendingCredential } from '../domain/types.js';
import type { CredentialValidation, Outcome, ValidOutcome } from '../providers/outcome.js';
import { sha256Hex } from './delivery/consumers.js';
import { pendingCredentialContext } from './sealing-contexts.js';
import type { SecretPayload } from './secret-payload.js';

export type ValidValidation = CredentialValidation & { outcome: ValidOutcome };

/** What is sealed while a hand-over waits: the secret and what its validation found (dates as ISO text). */
interface Held {
  payload: SecretPayload;
  validation: ValidValidation;
}

const hashReference = (reference: string): string => sha256Hex(`pending-credential:${reference}`);

/** JSON turns the validation's dates into text; they come back as dates. */
function reviveOutcome<O extends Outcome>(outcome: O): O {
  if (outcome.kind === 'valid')
    return { ...outcome, expiresAt: outcome.expiresAt ? new Date(outcome.expiresAt) : null };
  if (outcome.kind === 'rate_limited')
    return { ...outcome, retryAt: outcome.retryAt ? new Date(outcome.retryAt) : null };
  return outcome;
}

const reviveValidation = (validation: ValidValidation): ValidValidation => ({
  outcome: reviveOutcome(validation.outcome),
  tokens: validation.tokens.map((t) => ({ ...t, outcome: reviveOutcome(t.outcome) })),
});

export type TakenCredential =
  | { ok: true; pending: PendingCredential; payload: SecretPayload; validation: ValidValidation }
  | { ok: false; problem: 'unknown' | 'used' | 'expired' | 'foreign'; pending?: PendingCredential };

/**
 * Credentials that validated but belong to another account than the one they would replace: held
 * sealed (to a random reference that only the view or page carries, stored hashed) for one user and
 * one view or page, 10 minutes, used at most once.
 */
export function createPendingCredentials(deps: { store: Pick<Store, 'pendingCredentials'>; keyring: Keyring }) {
  const { store, keyring } = deps;
  return {
    /**
     * Holds a credential. A page holds one hand-over at a time under its own link: pass its
     * reference; a Slack view gets a new random reference each time.
     */
    async hold(
      params: {
        integrationId: string;
        slackUserId: string;
        boundTo: string;
        replacesCredentialId: number;
        accounts: PendingAccounts;
        payload: SecretPayload;
        validation: ValidValidation;
        reference?: string;
      },
      now: Date,
    ): Promise<{ reference: string; expiresAt: Date }> {
      await store.pendingCredentials.prune(now);
      const reference = params.reference ?? randomBytes(32).toString('base64url');
      const refHash = hashReference(reference);
      const held: Held = { payload: params.payload, validation: params.validation };
      const sealed = keyring.seal(JSON.stringify(held), pendingCredentialContext(refHash));
      const expiresAt = new Date(now.getTime() + PENDING_LIFETIME_MS);
      await store.pendingCredentials.put({
        refHash,
        integrationId: params.integrationId,
        slackUserId: params.slackUserId,
        boundTo: params.boundTo,
        sealed: sealed.value,
        keyId: sealed.keyId,
        replacesCredentialId: params.replacesCredentialId,
        accounts: params.accounts,
        createdAt: now,
        expiresAt,
      });
      // Erased when its 10 minutes end, not at the next hand-over (the delivery sweep is the backstop
      // after a restart). The expiry is the prune's "now", so it holds whatever the clock.
      setTimeout(
        () => void store.pendingCredentials.prune(new Date(expiresAt.getTime() + 1)).catch(() => undefined),
        PENDING_LIFETIME_MS + 1,
      ).unref();
      return { reference, expiresAt };
    },

    /**
     * Uses a held credential up, for the user and the view or page it was held for. Whatever the
     * answer (a decline included), it can never be used again, and its sealed value is erased.
     */
    async take(reference: string, who: { slackUserId: string; boundTo: string }, now: Date): Promise<TakenCredential> {
      const refHash = hashReference(reference);
      const row = await store.pendingCredentials.find(refHash);
      if (!row) return { ok: false, problem: 'unknown' };
      if (row.slackUserId !== who.slackUserId || row.boundTo !== who.boundTo)
        return { ok: false, problem: 'foreign', pending: row };
      if (row.usedAt) return { ok: false, problem: 'used', pending: row };
      // An expired one is used up too; a later hold may already have erased its sealed value.
      const expired = row.expiresAt.getTime() <= now.getTime();
      if (!(await store.pendingCredentials.markUsed(refHash, now))) return { ok: false, problem: 'used', pending: row };
      if (expired || !row.sealed) return { ok: false, problem: 'expired', pending: row };
      const held = JSON.parse(keyring.unseal(row.sealed, pendingCredentialContext(refHash))) as Held;
      return { ok: true, pending: row, payload: held.payload, validation: reviveValidation(held.validation) };
    },
  };
}

export type PendingCredentials = ReturnType<typeof createPendingCredentials>;
