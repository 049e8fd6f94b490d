import type { FormField } from './types.js';

/** Validation outcomes are values: one union, each with a one-sentence reason that says what to do. */

export interface Identity {
  id: string;
  name?: string;
  email?: string;
  username?: string;
}

export type Outcome =
  | {
      kind: 'valid';
      identity: Identity;
      /** null when the provider does not report scopes for this credential. */
      scopes: string[] | null;
      expiresAt: Date | null;
      rateLimitRemaining: number | null;
      reason: string;
    }
  | { kind: 'invalid_input'; field: FormField; reason: string }
  | { kind: 'wrong_auth_type'; reason: string }
  | { kind: 'invalid_credentials'; reason: string }
  | { kind: 'insufficient_scope'; missing: string[]; reason: string }
  | { kind: 'rate_limited'; retryAt: Date | null; reason: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'provider_error'; status: number | null; reason: string };

export type OutcomeKind = Outcome['kind'];
export type ValidOutcome = Extract<Outcome, { kind: 'valid' }>;

/** One token of a submission (a pool has several), known by position and fingerprint. */
export interface TokenReport {
  position: number;
  fingerprint: string;
  outcome: Outcome;
}

/** The result of validating everything a person submitted. */
export interface CredentialValidation {
  outcome: Outcome;
  tokens: TokenReport[];
}

/** The credential itself was refused: do not retry it automatically. */
export function isRejection(kind: OutcomeKind): boolean {
  return (
    kind === 'invalid_credentials' ||
    kind === 'insufficient_scope' ||
    kind === 'wrong_auth_type' ||
    kind === 'invalid_input'
  );
}

/**
 * Who a credential belongs to, by display name and always by the provider's unique handle too (a
 * login or username, else the email): display names are not unique, and a pool's tokens must be
 * told apart. "Jane Doe (jane) <jane@acme.com>".
 */
export function describeIdentity(identity: Identity): string {
  const who = identity.name ?? identity.username ?? identity.email ?? identity.id;
  const handle = identity.username && identity.username !== who ? ` (${identity.username})` : '';
  const email = identity.email && identity.email !== who ? ` <${identity.email}>` : '';
  return `${who}${handle}${email}`;
}

export function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The soonest expiry among the valid tokens of a submission or probe, or null when none reports one. */
export function earliestExpiry(tokens: readonly TokenReport[]): Date | null {
  let earliest: Date | null = null;
  for (const token of tokens) {
    const expiresAt = token.outcome.kind === 'valid' ? token.outcome.expiresAt : null;
    if (expiresAt && (!earliest || expiresAt.getTime() < earliest.getTime())) earliest = expiresAt;
  }
  return earliest;
}
