import { OAUTH_STATE_LIFETIME_MS } from '../domain/lifetimes.js';
import { createHash, randomBytes } from 'node:crypto';
import type { Keyring } from '../crypto/keyring.js';
import type { Store } from '../db/store.js';
import { oauthStateContext } from './sealing-contexts.js';

/** OAuth link-out states: random, stored by hash, single use, bound to integration and user, OAUTH_STATE_LIFETIME_MS. */

export const hashState = (state: string): string => createHash('sha256').update(state).digest('hex');

export interface IssuedState {
  state: string;
  expiresAt: Date;
}

export type ConsumedState =
  | { ok: true; integrationId: string; slackUserId: string; codeVerifier: string | undefined }
  | { ok: false; problem: 'unknown' | 'reused' | 'expired'; integrationId?: string; slackUserId?: string };

export type StartedState =
  | { ok: true; integrationId: string; slackUserId: string; stateHash: string; codeVerifier: string | undefined }
  | { ok: false; problem: 'unknown' | 'reused' | 'expired' | 'already_opened' };

export function createOAuthStates(deps: { store: Pick<Store, 'oauthStates'>; keyring: Keyring }) {
  const { store, keyring } = deps;
  return {
    async issue(
      params: { integrationId: string; slackUserId: string; codeVerifier?: string | undefined },
      now: Date,
    ): Promise<IssuedState> {
      await store.oauthStates.prune(now);
      const state = randomBytes(32).toString('base64url');
      const stateHash = hashState(state);
      const sealed = params.codeVerifier ? keyring.seal(params.codeVerifier, oauthStateContext(stateHash)) : undefined;
      const expiresAt = new Date(now.getTime() + OAUTH_STATE_LIFETIME_MS);
      await store.oauthStates.insert({
        stateHash,
        integrationId: params.integrationId,
        slackUserId: params.slackUserId,
        sealedVerifier: sealed?.value ?? null,
        keyId: sealed?.keyId ?? null,
        createdAt: now,
        expiresAt,
      });
      return { state, expiresAt };
    },

    /** Checks and uses up a state. Whatever the answer, the state can never be used again. */
    async consume(state: string, now: Date): Promise<ConsumedState> {
      const stateHash = hashState(state);
      const row = await store.oauthStates.find(stateHash);
      if (!row) return { ok: false, problem: 'unknown' };
      const who = { integrationId: row.integrationId, slackUserId: row.slackUserId };
      if (row.usedAt) return { ok: false, problem: 'reused', ...who };
      if (!(await store.oauthStates.markUsed(stateHash, now))) return { ok: false, problem: 'reused', ...who };
      if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired', ...who };
      const codeVerifier = row.sealedVerifier
        ? keyring.unseal(row.sealedVerifier, oauthStateContext(stateHash))
        : undefined;
      return { ok: true, ...who, codeVerifier };
    },

    /** The browser opens the link-out: allowed once, before expiry; the verifier is needed for the challenge. */
    async start(state: string, now: Date): Promise<StartedState> {
      const stateHash = hashState(state);
      const row = await store.oauthStates.find(stateHash);
      if (!row) return { ok: false, problem: 'unknown' };
      if (row.usedAt) return { ok: false, problem: 'reused' };
      if (row.expiresAt.getTime() <= now.getTime()) return { ok: false, problem: 'expired' };
      if (!(await store.oauthStates.markStarted(stateHash, now))) return { ok: false, problem: 'already_opened' };
      const codeVerifier = row.sealedVerifier
        ? keyring.unseal(row.sealedVerifier, oauthStateContext(stateHash))
        : undefined;
      return { ok: true, integrationId: row.integrationId, slackUserId: row.slackUserId, stateHash, codeVerifier };
    },
  };
}

export type OAuthStates = ReturnType<typeof createOAuthStates>;
