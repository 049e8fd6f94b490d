import type { Delivery, NewDelivery } from '../domain/delivery.js';
import type { Alert, AuditEntry, AuditRecord, Credential, HealthState, HealthUpdate, Integration, OAuthState } from '../domain/types.js';

/**
 * What services may ask of storage. Every method returns a promise, so an engine with an
 * asynchronous driver (PostgreSQL) fits behind the same interface as SQLite. Each method that
 * changes several rows does so atomically: services never hold a transaction open across an await.
 */
export interface Store {
  integrations: IntegrationRepository;
  credentials: CredentialRepository;
  health: HealthRepository;
  alerts: AlertRepository;
  audit: AuditRepository;
  oauthStates: OAuthStateRepository;
  webhookReplays: WebhookReplayRepository;
  expiryWarnings: ExpiryWarningRepository;
  deliveries: DeliveryRepository;
  /** True until close(): /healthz reports it. */
  isOpen(): boolean;
  /** Whether the database answers now (a database server may be restarting); /healthz reports it. */
  ping(): Promise<boolean>;
  /**
   * A consistent copy of the whole store written to `path` while it stays in use, or undefined when
   * the engine has its own tool for that (the message names it).
   */
  backup(path: string): Promise<{ pages: number } | { unsupported: string }>;
  close(): Promise<void>;
}

export interface IntegrationRepository {
  listActive(): Promise<Integration[]>;
  /** Every integration, archived ones too (catalogue sync compares against them). */
  listAll(): Promise<Integration[]>;
  findActive(id: string): Promise<Integration | undefined>;
  listByCredentialKey(credentialKey: string): Promise<Integration[]>;
  listByIds(ids: readonly string[]): Promise<Integration[]>;
  /** Applies a catalogue sync plan in one transaction, audit rows included. */
  applySync(plan: CatalogueSyncPlan, now: Date): Promise<void>;
}

/** Integration fields the catalogue decides. */
export type CatalogueFields = Omit<Integration, 'id' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

/** What a catalogue sync changes; computed by catalogue/plan-sync.ts, applied atomically by the store. */
export interface CatalogueSyncPlan {
  add: { id: string; values: CatalogueFields; audit: AuditEntry }[];
  update: {
    id: string;
    values: CatalogueFields;
    audits: AuditEntry[];
    /** Set when the entry's auth type or provider changed: audited once the bindings are checked. */
    authChange?: { oldKey: string; from: string; to: string; reason: string };
  }[];
  archive: { id: string; audit: AuditEntry }[];
  /** Credentials to check against what uses them after the sync; one that no longer fits is retired. */
  bindings: BindingCheck[];
}

export interface BindingCheck {
  credentialKey: string;
  /** The binding every integration using the key now has; null when they disagree (never fits). */
  binding: string | null;
  /** For credentials stored before bindings existed, which only know these two. */
  provider: Integration['provider'];
  authType: Integration['authType'];
  /** What changed, in people's words ("its URL changed …"); undefined when nothing did. */
  reason: string | undefined;
  integrationIds: string[];
}

/**
 * Outbox rows that commit with a credential change: one per sink, carrying the new version. The
 * sealed credential fields are the same for every sink; the version is known only inside the change.
 */
export interface OutboxWrite {
  sinks: readonly { integrationId: string; sinkKey: string }[];
  sealedCredential: { value: string; keyId: string };
  /** Data without secrets that goes with the version (actor, identity, fingerprint, expiry). */
  data: Record<string, unknown>;
}

/** A validated credential to swap in, with the health and audit that commit with it. */
export interface CredentialCommit {
  credential: Omit<Credential, 'id' | 'replacedAt' | 'version' | 'updatedAt'>;
  /** Delivery rows for the new version (transactional outbox); rows are written only for integrations it serves. */
  outbox?: OutboxWrite;
  /** Health written for every integration the credential serves. */
  health: Omit<HealthUpdate, 'integrationId'>;
  /** The audit entry; `detail` gets `previous` and `served` added. */
  audit: AuditEntry;
}

export interface CredentialRepository {
  current(credentialKey: string): Promise<Credential | undefined>;
  /** Any credential version, current or retired (retired ones without their secret). */
  byId(id: number): Promise<Credential | undefined>;
  /**
   * Retires the current credential for the key and inserts the new one, with the health of every
   * integration it serves and the audit entry: all of it commits, or none.
   */
  commit(commit: CredentialCommit, now: Date): Promise<{ credential: Credential; affected: Integration[]; previous: Credential | undefined }>;
  /**
   * Renewed secret material for the same credential (an OAuth refresh), only while it is still the
   * current one: a refresh that finishes after a re-authentication never revives the retired credential.
   * True when it was written.
   */
  updateSealedSecret(id: number, sealed: { value: string; keyId: string }, expiresAt?: Date | null, outbox?: OutboxWrite): Promise<Credential | undefined>;
  /** The provider reported a new expiry (a token edited or renewed in place). */
  updateExpiry(id: number, expiresAt: Date | null): Promise<void>;
  /** Current credentials whose expiry is known. */
  listCurrentWithExpiry(): Promise<Credential[]>;
  /**
   * Re-seals every sealed value (credentials and pending OAuth verifiers) in one transaction, with
   * the audit entry. `reseal` returns undefined to leave a value as it is; a throw aborts it all.
   * Pending deliveries' sealed credentials are re-sealed too.
   */
  resealAll(reseal: Resealer, audit: (counts: ResealCounts) => AuditEntry, now: Date): Promise<ResealCounts>;
}

export interface Resealer {
  credential(row: Credential & { sealedSecret: string }): { value: string; keyId: string } | undefined;
  oauthState(row: OAuthState & { sealedVerifier: string }): { value: string; keyId: string } | undefined;
  delivery(row: Delivery & { sealedCredential: string; credentialKey: string }): { value: string; keyId: string } | undefined;
}

export interface ResealCounts {
  credentials: number;
  oauthStates: number;
  deliveries: number;
}

export interface HealthRepository {
  of(integrationId: string): Promise<HealthState | undefined>;
  listAll(): Promise<Map<string, HealthState>>;
  /** Creates or replaces an integration's health state. */
  save(state: HealthUpdate): Promise<void>;
  /**
   * Claims a due probe: moves `nextProbeAt` to `until` only if it is still due at `now`. True for
   * exactly one caller, across processes (replicas sharing a database probe each integration once).
   */
  claimProbe(integrationId: string, now: Date, until: Date): Promise<boolean>;
}

export interface AlertRepository {
  open(alertKey: string): Promise<Alert | undefined>;
  listOpen(): Promise<Alert[]>;
  /** Inserts an open alert; undefined when one is already open for the key. */
  insertOpen(alert: Pick<Alert, 'alertKey' | 'integrationIds' | 'channel' | 'reason' | 'openedAt'>): Promise<Alert | undefined>;
  update(id: number, values: Partial<Omit<Alert, 'id' | 'alertKey'>>): Promise<void>;
  /** True for exactly one caller, across processes, until the claim lapses or the post fails. */
  claimPost(id: number, now: Date): Promise<boolean>;
}

export interface AuditFilter {
  since?: Date;
  until?: Date;
  integrationId?: string;
}

export interface AuditRepository {
  record(entry: AuditEntry, now: Date): Promise<void>;
  /** Newest first. */
  list(integrationId?: string): Promise<AuditRecord[]>;
  /** Oldest first, one row at a time: memory stays flat however long the log. */
  stream(filter: AuditFilter): AsyncIterable<AuditRecord>;
}

export interface OAuthStateRepository {
  insert(state: Omit<OAuthState, 'startedAt' | 'usedAt'>): Promise<void>;
  find(stateHash: string): Promise<OAuthState | undefined>;
  /** Marks a state used; true only for the one caller that used it first. */
  markUsed(stateHash: string, now: Date): Promise<boolean>;
  /** Marks the link-out opened; true only for the first browser to open it. */
  markStarted(stateHash: string, now: Date): Promise<boolean>;
  /** Forgets states that expired more than a day ago. */
  prune(now: Date): Promise<void>;
}

export interface WebhookReplayRepository {
  /** Remembers a signature; false when it was already used (a replay). */
  remember(signature: string, now: Date): Promise<boolean>;
}

export interface ExpiryWarningRepository {
  warnedThresholds(credentialId: number): Promise<Set<number>>;
  record(credentialId: number, thresholds: readonly number[], now: Date): Promise<void>;
}

/** The two rows that say where a sink stands: its oldest pending message and its newest delivered one. */
export interface SinkRows {
  integrationId: string;
  sinkKey: string;
  head: Delivery | undefined;
  lastDelivered: Delivery | undefined;
}

/** A Slack message or modal showing a credential's delivery, updated as its sinks finish. */
export interface DeliveryNotice {
  id: number;
  credentialId: number;
  integrationId: string;
  channel: string | null;
  messageTs: string | null;
  viewId: string | null;
  /** The message (`text`, `blocks`) or view as first shown: never a secret. */
  content: Record<string, unknown>;
}

export interface DeliveryRepository {
  /** Queues messages (events without secrets). */
  enqueue(rows: readonly NewDelivery[]): Promise<void>;
  /** The oldest pending message of each sink, where it is due and not leased: what workers take next. */
  dueHeads(now: Date, limit: number): Promise<Delivery[]>;
  /** The oldest pending message of one sink. */
  head(integrationId: string, sinkKey: string): Promise<Delivery | undefined>;
  /** Leases a message to one worker (across processes) until `until`; false when another holds it. */
  claim(id: number, now: Date, until: Date): Promise<boolean>;
  delivered(id: number, now: Date): Promise<void>;
  /** A failed attempt: counted, the error kept, the next attempt scheduled, the lease released. */
  failed(id: number, failure: { error: string; needsAttention: boolean; nextAttemptAt: Date }, now: Date): Promise<void>;
  /** Ends a message without delivering it (a newer version was delivered, or the sink was removed). */
  close(id: number, status: 'superseded' | 'cancelled', reason: string, now: Date): Promise<void>;
  /** The highest credential version a sink has received. */
  deliveredVersion(integrationId: string, sinkKey: string): Promise<number | null>;
  /** Where each sink of these integrations stands (all integrations when unset). */
  sinkRows(integrationIds?: readonly string[]): Promise<SinkRows[]>;
  /** Messages carrying one credential version, for the Slack view of its delivery. */
  forCredential(credentialId: number): Promise<Delivery[]>;
  /** Makes every pending message (of one integration, when given) due now; returns how many. */
  retryNow(now: Date, integrationId?: string): Promise<number>;
  pendingCount(): Promise<number>;
  /** Forgets finished messages (and delivery notices) older than `before`; pending ones are kept whatever their age. */
  prune(before: Date): Promise<number>;
  /**
   * Releases every lease: at start-up of the only process that delivers (SQLite is one replica), a
   * lease held by a process that was killed would otherwise hold its sink back until it lapses.
   */
  releaseLeases(): Promise<number>;
  addNotice(notice: Omit<DeliveryNotice, 'id'>, now: Date): Promise<void>;
  notices(credentialId: number): Promise<DeliveryNotice[]>;
  removeNotice(id: number): Promise<void>;
}
