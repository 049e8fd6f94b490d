import type { Retirement } from '../providers/retired.js';
import type { Delivery, NewDelivery } from '../domain/delivery.js';
import type {
  Alert,
  AuditEntry,
  AuditRecord,
  Credential,
  HealthState,
  HealthUpdate,
  Integration,
  OAuthState,
  PendingCredential,
  RotationAttempt,
  SecretForm,
  TokenRevocation,
} from '../domain/types.js';

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
  secretForms: SecretFormRepository;
  pendingCredentials: PendingCredentialRepository;
  webhookReplays: WebhookReplayRepository;
  expiryWarnings: ExpiryWarningRepository;
  deliveries: DeliveryRepository;
  consumerRates: ConsumerRateRepository;
  consumerGrants: ConsumerGrantRepository;
  rotations: RotationRepository;
  /**
   * Runs `task` holding the lock of one credential key, so re-read → provider call → persist never
   * interleaves for that key, across every replica and the CLI: a session advisory lock on PostgreSQL,
   * a lease row on SQLite (the server and the CLI share the file). Re-authentication, OAuth refresh and
   * rotation take it.
   * `lost` aborts when the lock can no longer be vouched for (its database connection broke): the
   * task must not start anything that needs it (a provider call), and its commit is fenced on the
   * credential it read (`CredentialCommit.expectedCurrentId`).
   */
  withCredentialLock<T>(credentialKey: string, task: (lost: AbortSignal) => Promise<T>): Promise<T>;
  /** True until close(): /healthz reports it. */
  isOpen(): boolean;
  /** Whether the database answers now (a database server may be restarting); /healthz reports it. */
  ping(): Promise<boolean>;
  /**
   * A consistent copy of the whole store written to `path` while it stays in use (the pages copied), or
   * `{ unsupported }` when the engine has its own tool for that (the message names it).
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
export type CatalogueFields = Omit<Integration, 'id' | 'credentialVersion' | 'archivedAt' | 'createdAt' | 'updatedAt'>;

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
  credential: Omit<
    Credential,
    'id' | 'replacedAt' | 'version' | 'updatedAt' | 'refreshRetryAt' | 'refreshError' | 'tokenName' | 'retiredByVendor'
  > & { tokenName?: string | null };
  /** Delivery rows for the new version (transactional outbox); rows are written only for integrations it serves. */
  outbox?: OutboxWrite;
  /** Health written for every integration the credential serves. */
  health: Omit<HealthUpdate, 'integrationId'>;
  /** The audit entry; `detail` gets `previous` and `served` added. */
  audit: AuditEntry;
  /**
   * The credential the change was decided against (its id; null: there was none). When set, the commit
   * is refused with `CredentialChangedError` if another change committed meanwhile — a second
   * re-authentication, a rotation, or a process that took over a lock this one lost.
   */
  expectedCurrentId?: number | null;
  /** A rotation's commit: its attempt is closed, and a token Reauth generated earlier is queued for revocation, in the same transaction. */
  rotation?: { attemptId: number; revoke?: { tokenName: string; notAfter: Date } };
}

/** A commit fenced on `expectedCurrentId` found another credential in place: nothing was written. */
export class CredentialChangedError extends Error {
  constructor(credentialKey: string) {
    super(`the credential of ${credentialKey} changed while this change was being made`);
    this.name = 'CredentialChangedError';
  }
}

/** The credential lock could not be taken within its wait: another process held it that long. */
export class CredentialLockTimeout extends Error {
  constructor(credentialKey: string, waitMs: number) {
    super(
      `another process (a replica, the server or a CLI command) held the lock of ${credentialKey} for more than ${Math.round(waitMs / 1000)} s, so nothing was changed; try again once it has finished`,
    );
    this.name = 'CredentialLockTimeout';
  }
}

/**
 * Whether an error says the database could not be reached or answer for now — a restart, a failover,
 * a network cut, a busy SQLite file — so the same operation may work a moment later; a constraint
 * violation or a bug is not. PostgreSQL's connection-exception and operator-intervention classes
 * (https://www.postgresql.org/docs/15/errcodes-appendix.html), node-postgres's own connection errors,
 * socket errors, and SQLite's busy and locked codes.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (/^(08|57P)/.test(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return true;
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout|not queryable|Client was closed/i.test(
      message,
    )
  );
}

export interface CredentialRepository {
  current(credentialKey: string): Promise<Credential | undefined>;
  /** Any credential version, current or retired (retired ones without their secret). */
  byId(id: number): Promise<Credential | undefined>;
  /**
   * Retires the current credential for the key and inserts the new one, with the health of every
   * integration it serves and the audit entry: all of it commits, or none.
   */
  commit(
    commit: CredentialCommit,
    now: Date,
  ): Promise<{ credential: Credential; affected: Integration[]; previous: Credential | undefined }>;
  /**
   * Renewed secret material for the same credential (an OAuth refresh), only while it is still the
   * current one: a refresh that finishes after a re-authentication never revives the retired credential.
   * The version grows above every version the integrations it serves were given, and a refresh
   * back-off is cleared. Returns the updated credential, or undefined when it is no longer current.
   */
  updateSealedSecret(
    id: number,
    sealed: { value: string; keyId: string },
    expiresAt?: Date | null,
    outbox?: OutboxWrite,
  ): Promise<Credential | undefined>;
  /** An OAuth refresh failed: no replica sends another refresh grant before `retryAt`. */
  refreshFailed(id: number, failure: { retryAt: Date; reason: string }): Promise<void>;
  /** The provider reported a new expiry (a token edited or renewed in place). */
  updateExpiry(id: number, expiresAt: Date | null): Promise<void>;
  /** Records that the vendor retired this credential's kind; true only the first time (the notice is given once). */
  markRetired(id: number, retirement: Retirement): Promise<boolean>;
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
  pending(row: PendingCredential & { sealed: string }): { value: string; keyId: string } | undefined;
  delivery(
    row: Delivery & { sealedCredential: string; credentialKey: string },
  ): { value: string; keyId: string } | undefined;
  rotationAnswer(row: RotationAttempt & { sealedAnswer: string }): { value: string; keyId: string } | undefined;
}

export interface ResealCounts {
  credentials: number;
  oauthStates: number;
  pendingCredentials: number;
  deliveries: number;
  rotationAnswers: number;
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
  insertOpen(
    alert: Pick<Alert, 'alertKey' | 'integrationIds' | 'channel' | 'reason' | 'openedAt'>,
  ): Promise<Alert | undefined>;
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
  /** Deletes the rows recorded before `before`, a batch at a time (other writers are not held up); returns how many. */
  prune(before: Date): Promise<number>;
}

export interface OAuthStateRepository {
  insert(state: Omit<OAuthState, 'startedAt' | 'usedAt'>): Promise<void>;
  find(stateHash: string): Promise<OAuthState | undefined>;
  /** Marks a state used; true only for the one caller that used it first. */
  markUsed(stateHash: string, now: Date): Promise<boolean>;
  /** Marks the link-out opened; true only for the first browser to open it. */
  markStarted(stateHash: string, now: Date): Promise<boolean>;
  /** True the first time this refusal is noted for the state: it is audited then, and not again. */
  noteRefusal(stateHash: string, outcome: string): Promise<boolean>;
  /** Forgets states that expired more than a day ago. */
  prune(now: Date): Promise<void>;
}

export interface SecretFormRepository {
  /** Stores a link when it is first opened; false when it was already stored (opened at the same moment elsewhere). */
  insert(form: Omit<SecretForm, 'browserHash' | 'openedAt' | 'usedAt'>): Promise<boolean>;
  find(linkHash: string): Promise<SecretForm | undefined>;
  /** Binds the link to the first browser that opens it; true only for that first one. */
  bindBrowser(linkHash: string, browserHash: string, now: Date): Promise<boolean>;
  /** Uses the link up after its swap; true only for the one caller that did it first. */
  markUsed(linkHash: string, now: Date): Promise<boolean>;
  /**
   * Claims the link for one POST until `until` (its validation and swap): true for one caller; a second
   * POST at the same moment gets false. A claim that lapsed (its process died) can be taken again.
   */
  claim(linkHash: string, now: Date, until: Date): Promise<boolean>;
  /** Gives the claim back (nothing was swapped: the form is shown again). */
  unclaim(linkHash: string): Promise<void>;
  /** True the first time this refusal is noted for the link: it is audited then, and not again. */
  noteRefusal(linkHash: string, outcome: string): Promise<boolean>;
  /** Forgets links that expired more than a day ago. */
  prune(now: Date): Promise<void>;
}

export interface PendingCredentialRepository {
  /** Holds a credential awaiting confirmation; a newer one for the same reference replaces it. */
  put(pending: Omit<PendingCredential, 'usedAt'>): Promise<void>;
  find(refHash: string): Promise<PendingCredential | undefined>;
  /** Uses it up and erases its sealed value; true only for the one caller that did it first. */
  markUsed(refHash: string, now: Date): Promise<boolean>;
  /** Erases expired sealed values at once; forgets the rows a day after they expired. */
  prune(now: Date): Promise<void>;
}

export interface RotationRepository {
  /**
   * Records an attempt before the provider is called. Undefined when one is already open for the
   * credential key: another process (a replica, the CLI) is rotating it.
   */
  begin(
    attempt: Omit<
      RotationAttempt,
      'id' | 'finishedAt' | 'outcome' | 'reason' | 'retryAt' | 'sealedAnswer' | 'answerKeyId' | 'answerExpiresAt'
    >,
  ): Promise<RotationAttempt | undefined>;
  /**
   * Keeps the provider's answer (sealed) with the open attempt, the moment it arrives, so the new token
   * outlives this process and a check that cannot be made yet. False when the attempt is no longer open.
   */
  holdAnswer(id: number, answer: { value: string; keyId: string; expiresAt: Date | null }): Promise<boolean>;
  /** An open attempt holding an answer that could not be checked: checked again from `at`. */
  checkAgainAt(id: number, at: Date): Promise<void>;
  /** Every token name Reauth generated for this integration's rotations: the only names it ever revokes as leftovers. */
  generatedNames(integrationId: string): Promise<string[]>;
  /** Closes an attempt that did not rotate (or was interrupted and settled); a held answer is erased. */
  finish(
    id: number,
    result: { outcome: string; reason: string | null; retryAt: Date | null },
    now: Date,
  ): Promise<void>;
  /** Attempts still open: interrupted, unless their process is still at it. */
  open(): Promise<RotationAttempt[]>;
  /** The newest attempt of each integration, and its newest successful one. */
  latest(
    integrationIds: readonly string[],
  ): Promise<Map<string, { last: RotationAttempt; lastRotated: RotationAttempt | undefined }>>;
  /** Tokens waiting to be revoked. */
  pendingRevocations(): Promise<TokenRevocation[]>;
  revocationDone(id: number, now: Date): Promise<void>;
  revocationFailed(id: number, error: string): Promise<void>;
}

/** A consumer's right to read one integration's credential, made to one token. */
export interface ConsumerGrant {
  consumer: string;
  integrationId: string;
  tokenSha256: string;
}

export interface ConsumerGrantRepository {
  /**
   * Makes the stored grants exactly `grants`, with an audit entry for each change, in one transaction
   * (replicas applying at once take turns). Returns what this call changed: a grant another replica
   * recorded a moment before is not returned again, so it is announced once. `baseline` is true for the
   * first grants this database ever records (none were recorded before): they are the starting point,
   * audited as such and not announced.
   */
  apply(
    grants: readonly ConsumerGrant[],
    audit: {
      granted: (g: ConsumerGrant, baseline: boolean) => AuditEntry;
      revoked: (g: ConsumerGrant) => AuditEntry;
    },
    now: Date,
  ): Promise<{ granted: ConsumerGrant[]; revoked: ConsumerGrant[]; baseline: boolean }>;
}

export interface ConsumerRateRepository {
  /** Counts one read of a consumer against its per-minute limit, for every replica: 0 when allowed, else seconds until it may read again. */
  take(consumer: string, perMinute: number): Promise<number>;
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
  /** Messages given up on (dead), oldest first: kept until sent again with `reauth-bot deliver --retry-dead`. */
  dead: Delivery[];
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

/** A worker's hold on one message: the fencing token says whose attempt it is. */
export interface DeliveryLease {
  id: number;
  token: string;
}

/** Which messages a claim may take: all sinks, one integration's, or one sink's. */
export interface ClaimScope {
  integrationId?: string;
  sinkKey?: string;
}

/**
 * The delivery outbox. Times that decide who may work a message (due, leased, lapsed) are the
 * store's own clock: the database server's on PostgreSQL, so replicas whose clocks disagree still
 * agree on leases; the injected clock on SQLite (one replica).
 */
export interface DeliveryRepository {
  /** Queues messages (events without secrets). A sink keeps at most `maxPendingEvents` waiting events: older ones are dropped; returns how many. */
  enqueue(rows: readonly NewDelivery[], maxPendingEvents?: number): Promise<number>;
  /**
   * Claims, in one statement, up to `limit` sinks' oldest pending messages that are due and not
   * leased: each is leased for `leaseMs` with a fresh fencing token, and its attempt is counted now
   * (an attempt that crashes the process still counts). Replicas never claim the same message.
   */
  claimDue(limit: number, leaseMs: number, scope?: ClaimScope): Promise<(Delivery & { leaseToken: string })[]>;
  /** Keeps the lease while an attempt runs; false when it was lost (lapsed and taken by another worker). */
  extendLease(lease: DeliveryLease, leaseMs: number): Promise<boolean>;
  /** The following methods record an attempt's outcome only for the lease holder; false for anyone else. */
  delivered(lease: DeliveryLease): Promise<boolean>;
  /** A failed attempt: the error kept, the next attempt `retryInMs` from now, the lease released. */
  failed(
    lease: DeliveryLease,
    failure: { error: string; needsAttention: boolean; retryInMs: number },
  ): Promise<boolean>;
  /**
   * Ends a message without delivering it: superseded (the sink has a newer version), cancelled, or
   * dead (given up; its sealed credential is kept so it can be sent again).
   */
  close(lease: DeliveryLease, status: 'superseded' | 'cancelled' | 'dead', reason: string): Promise<boolean>;
  /** Gives a claimed message back unattempted (this process does not know its sink): its attempt is not counted. */
  release(lease: DeliveryLease, retryInMs: number): Promise<boolean>;
  /**
   * Cancels the pending messages of sinks the catalogue no longer lists (only the catalogue sync
   * calls it): `listed` maps each active integration to its sink keys. Returns how many.
   */
  cancelUnlisted(listed: ReadonlyMap<string, readonly string[]>, reason: string): Promise<number>;
  /** Makes dead messages (of one integration, when given) pending and due again; returns how many. */
  retryDead(integrationId?: string): Promise<number>;
  /** How many messages were given up (dead) and not sent again. */
  deadCount(): Promise<number>;
  /** The oldest pending message of each sink (what claimDue would consider), for reports. */
  dueHeads(limit: number): Promise<Delivery[]>;
  /** The oldest pending message of one sink. */
  head(integrationId: string, sinkKey: string): Promise<Delivery | undefined>;
  /** The highest credential version a sink has received. */
  deliveredVersion(integrationId: string, sinkKey: string): Promise<number | null>;
  /** Where each sink of these integrations stands (all integrations when unset). */
  sinkRows(integrationIds?: readonly string[]): Promise<SinkRows[]>;
  /** Messages carrying one credential version, for the Slack view of its delivery. */
  forCredential(credentialId: number): Promise<Delivery[]>;
  /** Makes every pending message (of one integration, when given) due now; returns how many. */
  retryNow(integrationId?: string): Promise<number>;
  pendingCount(): Promise<number>;
  /** Forgets finished messages (and delivery notices) older than `before`; pending ones are kept whatever their age. */
  prune(before: Date): Promise<number>;
  addNotice(notice: Omit<DeliveryNotice, 'id'>, now: Date): Promise<void>;
  notices(credentialId: number): Promise<DeliveryNotice[]>;
  removeNotice(id: number): Promise<void>;
}
