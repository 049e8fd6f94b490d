import type { Outcome } from '../outcome.js';

/** A short-lived access token a machine identity's root secret obtained. */
export interface MintedToken {
  token: string;
  expiresAt: Date;
}

/**
 * A mint's result. A refusal of the root secret itself (a rejected JWT, `invalid_client`, a deleted key
 * or secret) is an `invalid_credentials` outcome; anything else (rate limited, down, unusable answer)
 * is worth trying again while the token held is valid.
 */
export type MintResult = { ok: true; minted: MintedToken } | { ok: false; outcome: Outcome };

/** A client's id and secret (an Entra app registration's, a Bitbucket consumer's key and secret). */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** The root secret of a machine identity, as sealed: it leaves Reauth only to its provider. */
export type MachineRootSecret = { kind: 'private_key'; pem: string } | ({ kind: 'client_secret' } & ClientCredentials);
