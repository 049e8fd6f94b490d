import { sql } from 'drizzle-orm';
import { RETIREMENT_KEYS } from '../../providers/retired.js';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { DELIVERY_STATUSES, EVENT_TYPES } from '../../domain/delivery.js';
import type { PendingAccounts } from '../../domain/accounts.js';
import type { MachineSettings } from '../../providers/machine/settings.js';
import { AUTH_KEYS, PROVIDER_KEYS } from '../../providers/types.js';

/**
 * The PostgreSQL schema: the same tables, columns and constraints as src/db/sqlite/schema.ts, in
 * PostgreSQL's types (timestamptz, jsonb, boolean). Both engines return the same domain records.
 */
const at = () => timestamp({ withTimezone: true, mode: 'date' });

export const integrations = pgTable('integrations', {
  id: text().primaryKey(),
  name: text().notNull(),
  provider: text({ enum: PROVIDER_KEYS }).notNull(),
  authType: text({ enum: AUTH_KEYS }).notNull(),
  url: text().notNull(),
  organization: text(),
  service: text(),
  accountId: text(),
  repository: text(),
  machine: jsonb().$type<MachineSettings>(),
  channel: text(),
  owners: jsonb().$type<string[]>().notNull(),
  credentialKey: text().notNull(),
  credentialVersion: integer().notNull().default(0),
  archivedAt: at(),
  createdAt: at().notNull(),
  updatedAt: at().notNull(),
});

export const credentials = pgTable(
  'credentials',
  {
    id: serial().primaryKey(),
    credentialKey: text().notNull(),
    provider: text({ enum: PROVIDER_KEYS }).notNull(),
    authType: text({ enum: AUTH_KEYS }).notNull(),
    sealedSecret: text(),
    keyId: text(),
    binding: text(),
    fingerprints: jsonb().$type<string[]>().notNull(),
    version: integer().notNull().default(1),
    identity: jsonb().$type<Record<string, unknown>>(),
    scopes: jsonb().$type<string[]>(),
    expiresAt: at(),
    createdBy: text().notNull(),
    createdAt: at().notNull(),
    updatedAt: at(),
    refreshRetryAt: at(),
    refreshError: text(),
    tokenName: text(),
    /** The vendor retired this kind of credential (a Bitbucket app password), as a probe found: its way off is shown until it is replaced. */
    retiredByVendor: text({ enum: RETIREMENT_KEYS }),
    replacedAt: at(),
  },
  (t) => [uniqueIndex('credentials_one_current_per_key').on(t.credentialKey).where(sql`${t.replacedAt} is null`)],
);

export const healthStates = pgTable('health_states', {
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

export const alerts = pgTable(
  'alerts',
  {
    id: serial().primaryKey(),
    alertKey: text().notNull(),
    integrationIds: jsonb().$type<string[]>().notNull(),
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

export const expiryWarnings = pgTable(
  'expiry_warnings',
  {
    id: serial().primaryKey(),
    credentialId: integer()
      .notNull()
      .references(() => credentials.id),
    thresholdDays: integer().notNull(),
    sentAt: at().notNull(),
  },
  (t) => [uniqueIndex('expiry_warnings_once').on(t.credentialId, t.thresholdDays)],
);

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: at().notNull(),
    actor: text().notNull(),
    integrationId: text(),
    action: text().notNull(),
    outcome: text().notNull(),
    fingerprint: text(),
    detail: jsonb().$type<Record<string, unknown>>(),
  },
  (t) => [index('audit_log_integration').on(t.integrationId, t.at)],
);

export const oauthStates = pgTable('oauth_states', {
  stateHash: text().primaryKey(),
  integrationId: text()
    .notNull()
    .references(() => integrations.id),
  slackUserId: text().notNull(),
  sealedVerifier: text(),
  keyId: text(),
  createdAt: at().notNull(),
  expiresAt: at().notNull(),
  startedAt: at(),
  usedAt: at(),
  refusalsAudited: text(),
});

/** One-time links to the secret-entry page (src/db/sqlite/schema.ts says more). */
export const secretForms = pgTable('secret_forms', {
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
  claimedUntil: at(),
  refusalsAudited: text(),
});

/** A credential of another account awaiting its confirmation (src/db/sqlite/schema.ts says more). */
export const pendingCredentials = pgTable('pending_credentials', {
  refHash: text().primaryKey(),
  integrationId: text()
    .notNull()
    .references(() => integrations.id),
  slackUserId: text().notNull(),
  boundTo: text().notNull(),
  sealed: text(),
  keyId: text(),
  replacesCredentialId: integer().notNull(),
  accounts: jsonb().$type<PendingAccounts>().notNull(),
  createdAt: at().notNull(),
  expiresAt: at().notNull(),
  usedAt: at(),
});

export const webhookReplays = pgTable('webhook_replays', {
  signature: text().primaryKey(),
  seenAt: at().notNull(),
});

export const deliveries = pgTable(
  'deliveries',
  {
    id: bigint({ mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    integrationId: text().notNull(),
    sinkKey: text().notNull(),
    type: text({ enum: EVENT_TYPES }).notNull(),
    messageId: text().notNull(),
    credentialId: integer(),
    version: integer(),
    sealedCredential: text(),
    keyId: text(),
    data: jsonb().$type<Record<string, unknown>>().notNull(),
    status: text({ enum: DELIVERY_STATUSES }).notNull(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: at().notNull(),
    leaseUntil: at(),
    leaseToken: text(),
    lastError: text(),
    needsAttention: boolean().notNull().default(false),
    firstFailureAt: at(),
    createdAt: at().notNull(),
    deliveredAt: at(),
  },
  (t) => [
    index('deliveries_pending').on(t.status, t.integrationId, t.sinkKey, t.id),
    index('deliveries_by_sink').on(t.integrationId, t.sinkKey, t.id),
  ],
);

export const deliveryNotices = pgTable(
  'delivery_notices',
  {
    id: serial().primaryKey(),
    credentialId: integer().notNull(),
    integrationId: text().notNull(),
    channel: text(),
    messageTs: text(),
    viewId: text(),
    content: jsonb().$type<Record<string, unknown>>().notNull(),
    createdAt: at().notNull(),
  },
  (t) => [index('delivery_notices_credential').on(t.credentialId)],
);

export const consumerRates = pgTable('consumer_rates', {
  consumer: text().primaryKey(),
  windowStart: at().notNull(),
  count: integer().notNull(),
});

export const consumerGrants = pgTable(
  'consumer_grants',
  {
    consumer: text().notNull(),
    integrationId: text().notNull(),
    tokenSha256: text().notNull(),
    grantedAt: at().notNull(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.integrationId] })],
);

export const rotationAttempts = pgTable(
  'rotation_attempts',
  {
    id: serial().primaryKey(),
    integrationId: text().notNull(),
    credentialKey: text().notNull(),
    credentialId: integer().notNull(),
    version: integer().notNull(),
    provider: text({ enum: PROVIDER_KEYS }).notNull(),
    tokenName: text(),
    requestedBy: text().notNull(),
    startedAt: at().notNull(),
    finishedAt: at(),
    outcome: text(),
    reason: text(),
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

export const tokenRevocations = pgTable('token_revocations', {
  id: serial().primaryKey(),
  integrationId: text().notNull(),
  credentialKey: text().notNull(),
  tokenName: text().notNull(),
  replacedByVersion: integer().notNull(),
  notAfter: at().notNull(),
  doneAt: at(),
  attempts: integer().notNull().default(0),
  lastError: text(),
});

/**
 * One-time facts about this database, by name: `consumer_grants_baseline` — when the consumer grants
 * were first recorded (the grants present then are the baseline, recorded and audited without a Slack
 * notice; every later change is announced).
 */
export const storeMarkers = pgTable('store_markers', {
  name: text().primaryKey(),
  at: at().notNull(),
});
