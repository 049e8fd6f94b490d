import { sql } from 'drizzle-orm';
import { RETIREMENT_KEYS } from '../../providers/retired.js';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { DELIVERY_STATUSES, EVENT_TYPES } from '../../domain/delivery.js';
import type { PendingAccounts } from '../../domain/accounts.js';
import type { MachineSettings } from '../../providers/machine/settings.js';
import { AUTH_KEYS, PROVIDER_KEYS } from '../../providers/types.js';

/** Timestamps are stored as epoch milliseconds. */
const at = (name?: string) => (name ? integer(name, { mode: 'timestamp_ms' }) : integer({ mode: 'timestamp_ms' }));

/** One row per catalogue entry; removed entries are archived, never deleted. */
export const integrations = sqliteTable('integrations', {
  id: text().primaryKey(),
  name: text().notNull(),
  provider: text({ enum: PROVIDER_KEYS }).notNull(),
  authType: text({ enum: AUTH_KEYS }).notNull(),
  url: text().notNull(),
  organization: text(),
  service: text(),
  accountId: text(),
  repository: text(),
  /** A machine identity's place at its provider (a GitHub App and installation, an Entra tenant). */
  machine: text({ mode: 'json' }).$type<MachineSettings>(),
  channel: text(),
  owners: text({ mode: 'json' }).$type<string[]>().notNull(),
  /** Integrations with the same key share one credential (Azure DevOps organizations). */
  credentialKey: text().notNull(),
  /**
   * The highest credential version this integration has been served. A new version is above it, so
   * versions never repeat for an integration, even when its credential key changes (an edited
   * organization or auth type starts another key's history).
   */
  credentialVersion: integer().notNull().default(0),
  archivedAt: at(),
  createdAt: at().notNull(),
  updatedAt: at().notNull(),
});

/**
 * Credentials, current and past. The current one for a key has `replacedAt` null;
 * a replaced credential keeps its metadata for history but its sealed secret is erased.
 */
export const credentials = sqliteTable(
  'credentials',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    credentialKey: text().notNull(),
    provider: text({ enum: PROVIDER_KEYS }).notNull(),
    authType: text({ enum: AUTH_KEYS }).notNull(),
    sealedSecret: text(),
    keyId: text(),
    /**
     * What the credential was validated against (provider, auth type, URL origin, organization,
     * account); also bound into the sealing context. Null for credentials stored before binding existed.
     */
    binding: text(),
    fingerprints: text({ mode: 'json' }).$type<string[]>().notNull(),
    /** Grows by one at every change of the key's credential (a new one, or a refresh that changed the token). */
    version: integer().notNull().default(1),
    identity: text({ mode: 'json' }).$type<Record<string, unknown>>(),
    scopes: text({ mode: 'json' }).$type<string[]>(),
    expiresAt: at(),
    createdBy: text().notNull(),
    createdAt: at().notNull(),
    /** When its secret last changed (an OAuth refresh); null until then. */
    updatedAt: at(),
    /** After a failed OAuth refresh: no new refresh grant before this time (every replica backs off). */
    refreshRetryAt: at(),
    /** Why the last OAuth refresh failed, in people's words; null once one succeeds. */
    refreshError: text(),
    /** The provider-side name of a token Reauth generated itself (a SonarQube rotation); null for one a person entered. */
    tokenName: text(),
    /** The vendor retired this kind of credential (a Bitbucket app password), as a probe found: its way off is shown until it is replaced. */
    retiredByVendor: text({ enum: RETIREMENT_KEYS }),
    replacedAt: at(),
  },
  (t) => [uniqueIndex('credentials_one_current_per_key').on(t.credentialKey).where(sql`${t.replacedAt} is null`)],
);

/** The monitor's view of each integration. */
export const healthStates = sqliteTable('health_states', {
  integrationId: text()
    .primaryKey()
    .references(() => integrations.id),
  status: text({ enum: ['unknown', 'healthy', 'failing'] }).notNull(),
  outcome: text(),
  reason: text(),
  since: at(),
  lastCheckedAt: at(),
  lastSuccessAt: at(),
  consecutiveFailures: integer().notNull().default(0),
  firstFailureAt: at(),
  nextProbeAt: at(),
});

/** At most one open alert per alert key (an integration, or a shared credential). */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    alertKey: text().notNull(),
    integrationIds: text({ mode: 'json' }).$type<string[]>().notNull(),
    channel: text().notNull(),
    messageTs: text(),
    reason: text(),
    openedAt: at().notNull(),
    resolvedAt: at(),
    resolvedBy: text(),
    resolvedHow: text(),
    snoozedUntil: at(),
    lastReminderAt: at(),
    postError: text(),
    postErrorAt: at(),
  },
  (t) => [uniqueIndex('alerts_one_open_per_key').on(t.alertKey).where(sql`${t.resolvedAt} is null`)],
);

/** Expiry warnings already sent, once per credential and threshold. */
export const expiryWarnings = sqliteTable(
  'expiry_warnings',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    credentialId: integer()
      .notNull()
      .references(() => credentials.id),
    thresholdDays: integer().notNull(),
    sentAt: at().notNull(),
  },
  (t) => [uniqueIndex('expiry_warnings_once').on(t.credentialId, t.thresholdDays)],
);

/** Every attempt and change: who, what, when, outcome, fingerprint — never a secret. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    at: at().notNull(),
    actor: text().notNull(),
    integrationId: text(),
    action: text().notNull(),
    outcome: text().notNull(),
    fingerprint: text(),
    detail: text({ mode: 'json' }).$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_integration').on(t.integrationId, t.at)],
);

/** OAuth link-out states: stored by hash, single use, bound to integration and Slack user. */
export const oauthStates = sqliteTable('oauth_states', {
  stateHash: text().primaryKey(),
  integrationId: text()
    .notNull()
    .references(() => integrations.id),
  slackUserId: text().notNull(),
  sealedVerifier: text(),
  keyId: text(),
  createdAt: at().notNull(),
  expiresAt: at().notNull(),
  /** When the link-out was first opened in a browser: it opens once, for one browser. */
  startedAt: at(),
  usedAt: at(),
  /** The refusals already audited for this state (comma-separated outcomes): each is audited once. */
  refusalsAudited: text(),
});

/**
 * One-time links to Reauth's own page for typing a new credential outside Slack (SECRET_ENTRY):
 * stored by hash, for one user and one integration, 10 minutes, bound to the first browser that opens
 * them (the hash of a random value in that browser's cookie), used up by a swap.
 */
export const secretForms = sqliteTable('secret_forms', {
  linkHash: text().primaryKey(),
  integrationId: text()
    .notNull()
    .references(() => integrations.id),
  slackUserId: text().notNull(),
  /** The Slack name of the person who asked, as Slack sent it: the page names who asked. */
  requestedByName: text(),
  createdAt: at().notNull(),
  expiresAt: at().notNull(),
  browserHash: text(),
  openedAt: at(),
  usedAt: at(),
  /** A POST is validating with this link until then: a second POST at the same moment is refused, not swapped twice. */
  claimedUntil: at(),
  /** The refusals already audited for this link (comma-separated outcomes): each is audited once. */
  refusalsAudited: text(),
});

/**
 * A validated credential of another account than the current one, held sealed until the person who
 * pasted it confirms (or not): for that user and that view or page only, 10 minutes, used once.
 * `accounts` names both sides (no secret); the sealed value is erased when it is used or declined.
 */
export const pendingCredentials = sqliteTable('pending_credentials', {
  refHash: text().primaryKey(),
  integrationId: text()
    .notNull()
    .references(() => integrations.id),
  slackUserId: text().notNull(),
  /** `view:<Slack view id>` or `web:<link hash>`: where the confirmation must come from. */
  boundTo: text().notNull(),
  sealed: text(),
  keyId: text(),
  /** The credential it would replace: a confirmation after that one changed is refused. */
  replacesCredentialId: integer().notNull(),
  accounts: text({ mode: 'json' }).$type<PendingAccounts>().notNull(),
  createdAt: at().notNull(),
  expiresAt: at().notNull(),
  usedAt: at(),
});

/** Health-webhook signatures already accepted, to refuse replays. */
export const webhookReplays = sqliteTable('webhook_replays', {
  signature: text().primaryKey(),
  seenAt: at().notNull(),
});

/**
 * The delivery outbox: one row per message for one sink, written in the same transaction as the
 * credential change it carries, so a crash in between loses nothing. The credential part is sealed
 * and erased once delivered or superseded.
 */
export const deliveries = sqliteTable(
  'deliveries',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    integrationId: text().notNull(),
    sinkKey: text().notNull(),
    type: text({ enum: EVENT_TYPES }).notNull(),
    messageId: text().notNull(),
    credentialId: integer(),
    version: integer(),
    sealedCredential: text(),
    keyId: text(),
    data: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    status: text({ enum: DELIVERY_STATUSES }).notNull(),
    /** Counted when a worker claims the message, so an attempt that crashes the process still counts. */
    attempts: integer().notNull().default(0),
    nextAttemptAt: at().notNull(),
    leaseUntil: at(),
    /** The fencing token of the lease: only its holder may finish the attempt. */
    leaseToken: text(),
    lastError: text(),
    needsAttention: integer({ mode: 'boolean' }).notNull().default(false),
    firstFailureAt: at(),
    createdAt: at().notNull(),
    deliveredAt: at(),
  },
  (t) => [
    index('deliveries_pending').on(t.status, t.integrationId, t.sinkKey, t.id),
    index('deliveries_by_sink').on(t.integrationId, t.sinkKey, t.id),
  ],
);

/** Slack messages and modals that show a credential's delivery, updated in place as sinks finish. */
export const deliveryNotices = sqliteTable(
  'delivery_notices',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    credentialId: integer().notNull(),
    integrationId: text().notNull(),
    channel: text(),
    messageTs: text(),
    viewId: text(),
    /** The message or view as first shown (never a secret); the delivery lines are added to it on each update. */
    content: text({ mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: at().notNull(),
  },
  (t) => [index('delivery_notices_credential').on(t.credentialId)],
);

/** Each consumer's reads in the current minute (PostgreSQL counts here for every replica; one SQLite process counts in memory). */
export const consumerRates = sqliteTable('consumer_rates', {
  consumer: text().primaryKey(),
  windowStart: at().notNull(),
  count: integer().notNull(),
});

/**
 * What each consumer may read, as last applied: integrations.yml can grant read access to any
 * credential, so every new or widened grant is recorded (audited, posted once in the integration's
 * channel) by the one replica whose insert lands.
 */
export const consumerGrants = sqliteTable(
  'consumer_grants',
  {
    consumer: text().notNull(),
    integrationId: text().notNull(),
    /** The token the grant was made to: a new token for the same consumer is a new grant. */
    tokenSha256: text().notNull(),
    grantedAt: at().notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.integrationId] })],
);

/**
 * Rotations, recorded before the provider is called: an attempt still open at start-up was
 * interrupted, and what became of it is settled then. At most one open attempt per credential key,
 * across processes and replicas (the CLI's `rotate` included).
 */
export const rotationAttempts = sqliteTable(
  'rotation_attempts',
  {
    id: integer().primaryKey({ autoIncrement: true }),
    integrationId: text().notNull(),
    credentialKey: text().notNull(),
    credentialId: integer().notNull(),
    version: integer().notNull(),
    provider: text({ enum: PROVIDER_KEYS }).notNull(),
    /** The name the new token is given (SonarQube), chosen before the call so a leftover can be found. */
    tokenName: text(),
    /** `probe`, `cli` or a Slack user id (Rotate now). */
    requestedBy: text().notNull(),
    startedAt: at().notNull(),
    finishedAt: at(),
    /** `rotated`, `failed`, or how an interrupted one was settled. */
    outcome: text(),
    reason: text(),
    /** After a failure: not tried again before this time (at most once an hour). */
    retryAt: at(),
    /**
     * The provider's answer (the new token), sealed the moment it arrives and erased when the attempt
     * closes: a rotation interrupted after the provider acted, or whose new token could not be checked
     * yet, is finished from here instead of losing the token.
     */
    sealedAnswer: text(),
    answerKeyId: text(),
    answerExpiresAt: at(),
  },
  (t) => [
    uniqueIndex('rotation_attempts_one_open_per_key').on(t.credentialKey).where(sql`${t.finishedAt} is null`),
    index('rotation_attempts_by_integration').on(t.integrationId, t.id),
  ],
);

/** Tokens Reauth generated earlier (SonarQube) that it revokes once every sink has their successor, or after an hour at most. */
export const tokenRevocations = sqliteTable('token_revocations', {
  id: integer().primaryKey({ autoIncrement: true }),
  integrationId: text().notNull(),
  credentialKey: text().notNull(),
  tokenName: text().notNull(),
  /** The version that replaced it: revoked once every sink has it… */
  replacedByVersion: integer().notNull(),
  /** …or at this time at the latest. */
  notAfter: at().notNull(),
  doneAt: at(),
  attempts: integer().notNull().default(0),
  lastError: text(),
});

/**
 * The credential lock across processes on one SQLite file (the server and the CLI): a lease row per
 * credential key, taken with an INSERT that only one process can win, renewed while its holder works
 * and lapsing if the holder dies (PostgreSQL uses a session advisory lock instead).
 */
export const credentialLocks = sqliteTable('credential_locks', {
  credentialKey: text().primaryKey(),
  /** Which process holds it (random per process), and until when unless renewed. */
  holder: text().notNull(),
  expiresAt: at().notNull(),
});

/**
 * One-time facts about this database, by name: `consumer_grants_baseline` — when the consumer grants
 * were first recorded (the grants present then are the baseline, recorded and audited without a Slack
 * notice; every later change is announced).
 */
export const storeMarkers = sqliteTable('store_markers', {
  name: text().primaryKey(),
  at: at().notNull(),
});
