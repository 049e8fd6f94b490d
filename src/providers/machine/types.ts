import type { ValidationContext } from '../call.js';
import type { Identity, Outcome } from '../outcome.js';
import type { MachineEndpoints } from './settings.js';

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
export type PrivateKeyRoot = Extract<MachineRootSecret, { kind: 'private_key' }>;
export type ClientSecretRoot = Extract<MachineRootSecret, { kind: 'client_secret' }>;

/** What a machine identity holds besides its root secret: its access token, and what validation found with it. */
export interface HeldToken {
  accessToken: string;
  /** An Atlassian site's cloud id, found when the root secret was validated. */
  cloudId?: string;
}

/** A token proved: the outcome, and what the proof found that is kept with the credential (a cloud id). */
export interface TokenCheck {
  outcome: Outcome;
  cloudId?: string;
}

/**
 * One kind of machine identity (SPEC §12), as the shared mint, validation and probe use it: its root
 * secret's kind, how a token is minted and proved, and what a validated root secret is told.
 */
export interface Minter<S, R extends MachineRootSecret> {
  root: R['kind'];
  /** Named before any token is minted (a GitHub App's `GET /app`): a root secret of another identity stops there. */
  identify?(ctx: ValidationContext, settings: S, root: R): Promise<Outcome>;
  mint(ctx: ValidationContext, settings: S, root: R, endpoints: MachineEndpoints): Promise<MintResult>;
  /** Proves a token does what it is for; `identity` names it where the provider's answer does not. */
  check(ctx: ValidationContext, settings: S, held: HeldToken, identity: Identity): Promise<TokenCheck>;
  /** The sentence a validated root secret's outcome carries. */
  validated(
    ctx: ValidationContext,
    settings: S,
    identity: Identity,
    proof: { minted: MintedToken; rootExpiresAt: Date | null; cloudId?: string },
  ): string;
}
