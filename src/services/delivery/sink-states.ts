import type { SinkRows, Store } from '../../db/store.js';
import type { Delivery, SinkSpec, SinkState } from '../../domain/delivery.js';
import type { SinkLine } from '../../slack/blocks/delivery.js';
import type { SinksOf } from './outbox.js';

/** The message a sink was given up on, while nothing was delivered to it after (the sink's state is then `dead`, and its alert stays). */
export function givenUp(rows: Pick<SinkRows, 'dead' | 'lastDelivered'>): Delivery | undefined {
  const lastDead = rows.dead.at(-1);
  return lastDead && !(rows.lastDelivered && rows.lastDelivered.id > lastDead.id) ? lastDead : undefined;
}

/** Where a sink stands: failing or pending while it has a message waiting, else delivered (or never used). */
export function sinkStateOf(integrationId: string, sink: Pick<SinkSpec, 'key'>, rows: SinkRows | undefined): SinkState {
  const head = rows?.head;
  if (head) {
    return {
      integrationId,
      sinkKey: sink.key,
      // Attempts are counted when claimed: a message is failing once an attempt has failed.
      state: head.firstFailureAt !== null ? 'failing' : 'pending',
      version: head.version ?? rows?.lastDelivered?.version ?? null,
      reason: head.lastError,
      needsAttention: head.needsAttention,
      since: head.firstFailureAt ?? head.createdAt,
      attempts: head.attempts,
      nextAttemptAt: head.nextAttemptAt,
      dead: rows?.dead.length ?? 0,
    };
  }
  const last = rows?.lastDelivered;
  const dead = rows?.dead ?? [];
  const lastDead = rows && givenUp(rows);
  if (lastDead) {
    return {
      integrationId,
      sinkKey: sink.key,
      state: 'dead',
      version: lastDead.version ?? last?.version ?? null,
      reason: lastDead.lastError,
      needsAttention: true,
      since: lastDead.deliveredAt,
      attempts: lastDead.attempts,
      nextAttemptAt: null,
      dead: dead.length,
    };
  }
  return {
    integrationId,
    sinkKey: sink.key,
    state: last ? 'delivered' : 'none',
    version: last?.version ?? null,
    reason: null,
    needsAttention: false,
    since: last?.deliveredAt ?? null,
    attempts: 0,
    nextAttemptAt: null,
    dead: dead.length,
  };
}

/** One line per message of a credential version, for the Slack outcome. */
export function lineOf(row: Delivery): SinkLine {
  const state = row.status === 'pending' ? (row.firstFailureAt !== null ? 'failing' : 'pending') : row.status;
  return {
    integrationId: row.integrationId,
    sinkKey: row.sinkKey,
    state,
    reason: row.lastError,
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt : null,
  };
}

/** Per-sink state of integrations, for `reauth-bot list` and the sandbox page. */
export function createSinkStates(deps: { store: Pick<Store, 'deliveries'>; sinksOf: SinksOf }) {
  return async function sinkStates(integrationIds: readonly string[]): Promise<SinkState[]> {
    const rows = await deps.store.deliveries.sinkRows(integrationIds);
    const byKey = new Map(rows.map((r) => [`${r.integrationId}\u0000${r.sinkKey}`, r]));
    return integrationIds.flatMap((id) =>
      deps.sinksOf(id).map((sink) => sinkStateOf(id, sink, byKey.get(`${id}\u0000${sink.key}`))),
    );
  };
}
