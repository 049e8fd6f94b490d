import { fingerprintOf } from '../../domain/credential.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { sinkLabel, type Delivery, type SinkSpec } from '../../domain/delivery.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { SinkMessage, SinkResult, SinkSenders } from '../../sinks/types.js';
import { deliveryContext } from '../sealing-contexts.js';
import { retryDelayMs, MAX_RETRY_MS } from './backoff.js';
import { credentialDocument } from './credential-document.js';
import type { SinksOf } from './outbox.js';

/** How long one worker holds a message before another (process) may take it. */
export const DELIVERY_LEASE_MS = 2 * 60 * 1000; // longer than the slowest attempt (Vault: a read and a write per check-and-set try)
/** How many sinks are worked at once; each sink's messages go strictly one after another. */
const SINK_CONCURRENCY = 8;

export type AttemptOutcome = 'delivered' | 'failed' | 'superseded' | 'cancelled';

export interface AttemptReport {
  delivery: Delivery;
  sink: SinkSpec | undefined;
  outcome: AttemptOutcome;
  /** For a failure: why, in people's words; never a secret. */
  error: string | null;
  needsAttention: boolean;
}

export interface DeliveryWorkerDeps {
  store: Pick<Store, 'deliveries' | 'credentials' | 'integrations' | 'health'>;
  keyring: Keyring;
  senders: SinkSenders;
  sinksOf: SinksOf;
  clock: Clock;
  logger: Logger;
  random: () => number;
  metrics?: Pick<Metrics, 'deliveries'>;
  /** After each attempt (the Slack notices and the delivery alerts listen). */
  onAttempt?: (report: AttemptReport) => Promise<void>;
}

/**
 * Works the outbox: for each sink, its oldest pending message, one at a time, so a sink sees
 * versions in order; a failure waits (back-off from 10 s to 1 h, jittered) and holds that sink's
 * later messages back. A credential version older than one the sink already has is superseded,
 * never delivered after it. Each message is leased, so two workers (or `reauth-bot deliver` beside
 * the server) never send the same message at once.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  let running: Promise<number> | undefined;
  let again = false;

  async function messageOf(row: Delivery): Promise<SinkMessage | string> {
    const base: SinkMessage = { messageId: row.messageId, type: row.type, createdAt: row.createdAt, data: row.data };
    if (row.type !== 'credential.updated') return base;
    const integration = await deps.store.integrations.findActive(row.integrationId);
    if (!integration) return 'the integration was removed from integrations.yml';
    const credential = row.credentialId === null ? undefined : await deps.store.credentials.byId(row.credentialId);
    if (!credential || row.sealedCredential === null || row.version === null) return 'the credential version is no longer stored';
    const fields = JSON.parse(deps.keyring.unseal(row.sealedCredential, deliveryContext(credential.credentialKey))) as Record<string, unknown>;
    const health = (await deps.store.health.of(integration.id))?.status ?? 'unknown';
    const fingerprint = typeof row.data.fingerprint === 'string' ? row.data.fingerprint : fingerprintOf(credential);
    const expiresAt = typeof row.data.expires_at === 'string' ? row.data.expires_at : null;
    // The version this row carries, which a later refresh of the same credential row may have moved on from.
    const document = credentialDocument(integration, { version: row.version, fingerprint, updatedAt: row.createdAt, expiresAt }, fields, health);
    return { ...base, data: { integration: row.integrationId, version: row.version, ...row.data }, credential: fields, document: { ...document }, version: row.version, fingerprint };
  }

  async function attempt(row: Delivery): Promise<AttemptReport | undefined> {
    const now = deps.clock.now();
    if (!(await deps.store.deliveries.claim(row.id, now, new Date(now.getTime() + DELIVERY_LEASE_MS)))) return undefined;
    const sink = deps.sinksOf(row.integrationId).find((s) => s.key === row.sinkKey);
    const close = async (outcome: 'superseded' | 'cancelled', reason: string): Promise<AttemptReport> => {
      await deps.store.deliveries.close(row.id, outcome, reason, deps.clock.now());
      deps.metrics?.deliveries.inc({ sink: sink?.kind ?? 'removed', outcome });
      return { delivery: row, sink, outcome, error: reason, needsAttention: false };
    };
    if (!sink) return close('cancelled', 'the sink is no longer in integrations.yml');
    if (row.type === 'credential.updated' && row.version !== null) {
      const delivered = await deps.store.deliveries.deliveredVersion(row.integrationId, row.sinkKey);
      if (delivered !== null && delivered >= row.version) return close('superseded', `version ${delivered} was delivered already`);
    }
    let result: SinkResult;
    try {
      const message = await messageOf(row);
      if (typeof message === 'string') return close('cancelled', message);
      result = await deps.senders[sink.kind](sink as never, message);
    } catch (error) {
      // A sender's own bug or an unreadable row: never its text (it could quote data), only its kind.
      result = { ok: false, error: `delivery failed unexpectedly (${(error as Error).name}); Reauth keeps retrying — if it persists, report it to the Reauth maintainers`, needsAttention: false };
    }
    const after = deps.clock.now();
    if (result.ok) {
      await deps.store.deliveries.delivered(row.id, after);
      deps.metrics?.deliveries.inc({ sink: sink.kind, outcome: 'delivered' });
      deps.logger.info({ event: 'delivery_succeeded', integration: row.integrationId, sink: sinkLabel(row.sinkKey), type: row.type, version: row.version, attempts: row.attempts + 1 }, 'delivered');
      return { delivery: row, sink, outcome: 'delivered', error: null, needsAttention: false };
    }
    const delay = result.needsAttention ? MAX_RETRY_MS : retryDelayMs(row.attempts + 1, deps.random);
    await deps.store.deliveries.failed(row.id, { error: result.error, needsAttention: result.needsAttention, nextAttemptAt: new Date(after.getTime() + delay) }, after);
    deps.metrics?.deliveries.inc({ sink: sink.kind, outcome: 'failed' });
    deps.logger.warn({ event: 'delivery_failed', integration: row.integrationId, sink: sinkLabel(row.sinkKey), type: row.type, version: row.version, attempts: row.attempts + 1, error: result.error, retryInSeconds: Math.round(delay / 1000) }, 'delivery failed; will retry');
    return { delivery: row, sink, outcome: 'failed', error: result.error, needsAttention: result.needsAttention };
  }

  /** Works one sink's queue while its head is due. */
  async function drainSink(first: Delivery): Promise<number> {
    let attempted = 0;
    let row: Delivery | undefined = first;
    while (row && row.nextAttemptAt.getTime() <= deps.clock.now().getTime()) {
      const report = await attempt(row);
      if (!report) break;
      attempted += 1;
      await deps.onAttempt?.(report).catch((error: unknown) => deps.logger.warn({ error: (error as Error).name }, 'could not report a delivery attempt'));
      if (report.outcome === 'failed') break;
      row = await deps.store.deliveries.head(row.integrationId, row.sinkKey);
    }
    return attempted;
  }

  async function runOnce(integrationId?: string): Promise<number> {
    let total = 0;
    do {
      again = false;
      const heads = (await deps.store.deliveries.dueHeads(deps.clock.now(), 200)).filter((h) => integrationId === undefined || h.integrationId === integrationId);
      for (let i = 0; i < heads.length; i += SINK_CONCURRENCY) {
        const counts = await Promise.all(heads.slice(i, i + SINK_CONCURRENCY).map(drainSink));
        total += counts.reduce((a, b) => a + b, 0);
      }
    } while (again);
    return total;
  }

  return {
    /** Attempts every due message; concurrent calls share one run (and a call during a run asks for another pass). Resolves how many were attempted. */
    runDue(): Promise<number> {
      if (running) {
        again = true;
        return running;
      }
      running = runOnce().finally(() => {
        running = undefined;
      });
      return running;
    },
    /** Attempts the due messages of one integration only (`reauth-bot deliver <id>`). */
    runDueFor: (integrationId: string): Promise<number> => runOnce(integrationId),
    /** Resolves once the run in progress (if any) has finished. */
    idle: async (): Promise<void> => {
      await running;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
