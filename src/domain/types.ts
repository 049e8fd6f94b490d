import type { PendingAccounts } from './accounts.js';
import type { MachineSettings } from '../providers/machine/settings.js';
import type { Retirement } from '../providers/retired.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';

/**
 * The records Reauth keeps, as every layer sees them. The storage engines return these shapes (the
 * SQLite schema is checked against them at compile time); Slack views and services build on them.
 */

/** One catalogue entry as last synced; removed entries are archived, never deleted. */
export interface Integration {
  id: string;
  name: string;
  provider: ProviderKey;
  authType: AuthKey;
  url: string;
  organization: string | null;
  service: string | null;
  accountId: string | null;
  repository: string | null;
  /** A machine identity's place at its provider (SPEC §12); null for other auth types. */
  machine: MachineSettings | null;
  channel: string | null;
  owners: string[];
  /** Integrations with the same key share one credential (Azure DevOps organizations). */
  credentialKey: string;
  /** The highest credential version it has been served: the next one is above it, whatever its key. */
  credentialVersion: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A credential version: the current one has `replacedAt` null; a retired one keeps its metadata, not its secret. */
export interface Credential {
  id: number;
  credentialKey: string;
  provider: ProviderKey;
  authType: AuthKey;
  sealedSecret: string | null;
  keyId: string | null;
  /** What it was validated against (bindingOf); null for credentials stored before bindings existed. */
  binding: string | null;
  fingerprints: string[];
  /** Grows by one at every change of the key's credential: a new one, or a refresh that changed the token. */
  version: number;
  identity: Record<string, unknown> | null;
  scopes: string[] | null;
  expiresAt: Date | null;
  createdBy: string;
  createdAt: Date;
  /** When its secret last changed in place (an OAuth refresh); null until then. */
  updatedAt: Date | null;
  /** After a failed OAuth refresh, no refresh grant is sent before this time (by any replica). */
  refreshRetryAt: Date | null;
  /** Why the last OAuth refresh failed; null once one succeeds. */
  refreshError: string | null;
  /** The provider-side name of a token Reauth generated itself (a rotation); null for one a person entered. */
  tokenName: string | null;
  /** The vendor retired this kind of credential (a Bitbucket app password), as a probe found; null otherwise. */
  retiredByVendor: Retirement | null;
  replacedAt: Date | null;
}

/** One rotation of a credential, recorded before the provider is called. */
export interface RotationAttempt {
  id: number;
  integrationId: string;
  credentialKey: string;
  credentialId: number;
  version: number;
  provider: ProviderKey;
  tokenName: string | null;
  requestedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: string | null;
  reason: string | null;
  /** After a failure: not tried again before this time; while an answer is held: checked again from this time. */
  retryAt: Date | null;
  /** The provider's answer, sealed, while the attempt holds one (see the schema). */
  sealedAnswer: string | null;
  answerKeyId: string | null;
  answerExpiresAt: Date | null;
}

/** A token Reauth generated that it revokes once its successor is delivered everywhere (or an hour has passed). */
export interface TokenRevocation {
  id: number;
  integrationId: string;
  credentialKey: string;
  tokenName: string;
  replacedByVersion: number;
  notAfter: Date;
  doneAt: Date | null;
  attempts: number;
  lastError: string | null;
}

export type HealthStatus = 'unknown' | 'healthy' | 'failing';

/** The monitor's view of one integration. */
export interface HealthState {
  integrationId: string;
  status: HealthStatus;
  outcome: string | null;
  reason: string | null;
  since: Date | null;
  lastCheckedAt: Date | null;
  lastSuccessAt: Date | null;
  consecutiveFailures: number;
  firstFailureAt: Date | null;
  nextProbeAt: Date | null;
}

/** A health state as written: every field but the id and status may be left out. */
export type HealthUpdate = Pick<HealthState, 'integrationId' | 'status'> &
  Partial<Omit<HealthState, 'integrationId' | 'status'>>;

/** One failing episode of an alert key (an integration, or a credential several share). */
export interface Alert {
  id: number;
  alertKey: string;
  integrationIds: string[];
  channel: string;
  messageTs: string | null;
  reason: string | null;
  openedAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
  resolvedHow: string | null;
  snoozedUntil: Date | null;
  lastReminderAt: Date | null;
  postError: string | null;
  postErrorAt: Date | null;
}

/** One audit row as written: who, what, outcome, fingerprint — never a secret. */
export interface AuditEntry {
  actor: string;
  integrationId?: string | null;
  action: string;
  outcome: string;
  fingerprint?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditRecord extends Required<AuditEntry> {
  id: number;
  at: Date;
}

/** A pending or finished OAuth link-out, stored by the hash of its state. */
export interface OAuthState {
  stateHash: string;
  integrationId: string;
  slackUserId: string;
  sealedVerifier: string | null;
  keyId: string | null;
  createdAt: Date;
  expiresAt: Date;
  startedAt: Date | null;
  usedAt: Date | null;
}

/** A one-time link to the secret-entry page, stored by the hash of its secret part. */
export interface SecretForm {
  linkHash: string;
  integrationId: string;
  slackUserId: string;
  /** The Slack name of the person who asked, as Slack sent it. */
  requestedByName: string | null;
  createdAt: Date;
  expiresAt: Date;
  /** The hash of the random value in the cookie of the first browser that opened it. */
  browserHash: string | null;
  openedAt: Date | null;
  usedAt: Date | null;
}

/** A validated credential of another account, sealed, waiting for its confirmation. */
export interface PendingCredential {
  refHash: string;
  integrationId: string;
  slackUserId: string;
  boundTo: string;
  sealed: string | null;
  keyId: string | null;
  replacesCredentialId: number;
  accounts: PendingAccounts;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}
