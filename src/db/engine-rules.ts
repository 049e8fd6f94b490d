import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import { newMessageId, type Delivery } from '../domain/delivery.js';
import { fingerprintOf } from '../domain/credential.js';
import type { AuditEntry, Credential } from '../domain/types.js';
import {
  type BindingCheck,
  type ConsumerGrant,
  CredentialLockTimeout,
  type OutboxWrite,
  type SinkRows,
} from './store.js';

/** What both storage engines decide the same way, whatever their SQL: one definition for SQLite and PostgreSQL. */

/** The marker (store_markers) set when consumer grants are first recorded. */
export const GRANTS_BASELINE = 'consumer_grants_baseline';

/** A post attempt in flight is trusted this long before another process may try. */
export const POST_CLAIM_MS = 30_000;
/** Signatures are remembered longer than the 5-minute window in which one could be accepted. */
export const REPLAY_MEMORY_MS = 15 * 60 * 1000;
/** Forgetting old signatures scans the table: once a minute is enough. */
export const REPLAY_PRUNE_EVERY_MS = 60 * 1000;

/**
 * The version a credential change gets: above every version its key has issued and above every
 * version any integration it serves has been given, so a version never repeats for an integration —
 * also when an edited catalogue gave it a new key whose own history starts at nothing.
 */
export function nextVersion(keyLastVersion: number, served: readonly { credentialVersion: number }[]): number {
  return Math.max(keyLastVersion, ...served.map((s) => s.credentialVersion)) + 1;
}

/** Does a stored credential still fit what uses its key? One stored before bindings knows only provider and auth type. */
export function credentialFits(credential: Credential, check: BindingCheck): boolean {
  if (check.binding === null) return false;
  if (credential.binding === null)
    return (
      check.reason === undefined && credential.provider === check.provider && credential.authType === check.authType
    );
  return credential.binding === check.binding;
}

/** The outbox rows of one credential version: one per sink of each integration it serves. */
export function outboxRows(
  outbox: OutboxWrite | undefined,
  credential: { id: number; version: number },
  served: readonly { id: string }[],
  now: Date,
) {
  if (!outbox) return [];
  const servedIds = new Set(served.map((s) => s.id));
  return outbox.sinks
    .filter((sink) => servedIds.has(sink.integrationId))
    .map((sink) => ({
      integrationId: sink.integrationId,
      sinkKey: sink.sinkKey,
      type: 'credential.updated' as const,
      messageId: newMessageId(),
      credentialId: credential.id,
      version: credential.version,
      sealedCredential: outbox.sealedCredential.value,
      keyId: outbox.sealedCredential.keyId,
      data: outbox.data,
      status: 'pending' as const,
      nextAttemptAt: now,
      createdAt: now,
    }));
}

/** Each sink's oldest pending message, newest delivered one and the messages given up on, side by side. */
export function groupSinkRows(
  heads: readonly Delivery[],
  lastDelivered: readonly Delivery[],
  dead: readonly Delivery[] = [],
): SinkRows[] {
  const bySink = new Map<string, SinkRows>();
  const entry = (row: Delivery): SinkRows => {
    const key = `${row.integrationId}\u0000${row.sinkKey}`;
    let found = bySink.get(key);
    if (!found)
      bySink.set(
        key,
        (found = {
          integrationId: row.integrationId,
          sinkKey: row.sinkKey,
          head: undefined,
          lastDelivered: undefined,
          dead: [],
        }),
      );
    return found;
  };
  for (const row of heads) entry(row).head = row;
  for (const row of lastDelivered) entry(row).lastDelivered = row;
  for (const row of dead) entry(row).dead.push(row);
  return [...bySink.values()];
}

/** Why an event was dropped from a sink's queue (a sink that stays down keeps only the newest events). */
export const DROPPED_EVENT_REASON = (limit: number): string =>
  `dropped: more than ${limit} events were waiting for this sink`;

/** A catalogue edit retired a credential: what the integrations it served now say, and its audit entry. */
export function retiredByCatalogue(
  credential: Credential,
  check: BindingCheck,
): { healthReason: string; audit: AuditEntry } {
  const reason = check.reason ?? 'what it was validated against changed';
  return {
    healthReason: `Needs re-authentication: ${reason} in integrations.yml.`,
    audit: {
      actor: 'catalogue',
      integrationId: check.integrationIds[0] ?? null,
      action: 'catalogue.credential_retired',
      outcome: 'credential_discarded',
      fingerprint: fingerprintOf(credential),
      detail: { reason, served: check.integrationIds },
    },
  };
}

/** The audit entry of an auth type changed in the catalogue, given what became of the old credential. */
export function authTypeChangeAudit(
  integrationId: string,
  change: { from: string; to: string },
  retired: Credential | undefined,
  keptForOthers: boolean,
): AuditEntry {
  return {
    actor: 'catalogue',
    integrationId,
    action: 'catalogue.auth_type_changed',
    // A credential another integration still uses (an organization's shared one) stays theirs.
    outcome: retired ? 'credential_discarded' : keptForOthers ? 'credential_kept_for_others' : 'no_credential',
    fingerprint: retired ? fingerprintOf(retired) : null,
    detail: { from: change.from, to: change.to },
  };
}

/** Consumer reads are counted per minute (a fixed window the whole fleet shares). */
export const RATE_WINDOW_MS = 60_000;

/** Whole seconds until a rate window ends; at least 1. */
export function retryAfterSeconds(windowStart: Date, now: Date): number {
  return Math.max(1, Math.ceil((windowStart.getTime() + RATE_WINDOW_MS - now.getTime()) / 1000));
}

/** What changes between the stored grants and the wanted ones: new grants (or to a new token), and grants gone. */
export function diffGrants(
  stored: readonly ConsumerGrant[],
  wanted: readonly ConsumerGrant[],
): { granted: ConsumerGrant[]; revoked: ConsumerGrant[] } {
  const key = (g: ConsumerGrant) => `${g.consumer}\u0000${g.integrationId}`;
  const storedBy = new Map(stored.map((g) => [key(g), g]));
  const wantedKeys = new Set(wanted.map(key));
  return {
    granted: wanted.filter((g) => storedBy.get(key(g))?.tokenSha256 !== g.tokenSha256),
    revoked: stored.filter((g) => !wantedKeys.has(key(g))),
  };
}

/**
 * A refusal outcome not yet recorded in a comma-separated list column (`refusals_audited`), and the
 * list with it added: one UPDATE that only the first caller wins, so each refusal of a link is audited
 * once however often it is repeated.
 */
export function refusalNotedOnce(column: AnyColumn, outcome: string): { set: SQL; where: SQL } {
  return {
    set: sql`coalesce(${column} || ',', '') || ${outcome}`,
    where: sql`(${column} is null or ',' || ${column} || ',' not like ${`%,${outcome},%`})`,
  };
}

/**
 * Takes a credential lock by polling `tryTake` (one short statement each, so a database that stops
 * answering fails a poll within its time limit) with a growing pause, until it succeeds or `waitMs`
 * (another process's operation) is over. Both engines' locks wait this way.
 */
export async function pollForLock(
  credentialKey: string,
  tryTake: () => boolean | Promise<boolean>,
  waitMs: number,
  pauses: { first: number; most: number },
): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (let pause = pauses.first; ; pause = Math.min(pause * 2, pauses.most)) {
    if (await tryTake()) return;
    if (Date.now() + pause > deadline) throw new CredentialLockTimeout(credentialKey, waitMs);
    // Another process holds it: polled, the whole wait bounded above by waitMs.
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
