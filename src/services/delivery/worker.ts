import { fingerprintOf } from '../../domain/credential.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { ClaimScope, Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { sinkLabel, type Delivery, type SinkSpec } from '../../domain/delivery.js';
import type { Logger } from '../../logger.js';
import type { Metrics } from '../../observability/metrics.js';
import type { SinkMessage, SinkResult, SinkSenders } from '../../sinks/types.js';
import { deliveryContext } from '../sealing-contexts.js';
import { retryDelayMs, MAX_RETRY_MS } from './backoff.js';
import { credentialDocument } from './credential-document.js';
import type { SinksOf } from './outbox.js';

/**
 * How long one worker holds a message before another process (a replica, the CLI, this server after a
 * restart) may take it; renewed while the attempt runs. Leases are never released at start-up — the
 * lease may be a running process's — so a killed process's sink waits at most this long.
 */
export const DELIVERY_LEASE_MS = 30 * 1000;
/** The lease is renewed this often while an attempt runs, so a slow sink (Vault's check-and-set loop) keeps it. */
export const LEASE_RENEW_MS = 10 * 1000;
/** How many sinks are worked at once; each sink's messages go strictly one after another. */
const SINK_CONCURRENCY = 8;
/** A message is given up on (dead) after this many attempts… */
export const MAX_ATTEMPTS = 25;
/** …or once it has waited this long: kept, visible and replayable, no longer retried. */
export const MAX_AGE_MS = 3 * 24 * 60 * 60 * 1000;
/** A message for a sink this process does not know (a newer replica added it) is left for the others this long. */
const UNKNOWN_SINK_RETRY_MS = 30 * 1000;

export type AttemptOutcome = 'delivered' | 'failed' | 'superseded' | 'cancelled' | 'dead';

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
  /** Test seams: the lease length and how often it is renewed. */
  leaseMs?: number;
  renewMs?: number;
}

type Claimed = Delivery & { leaseToken: string };

/**
 * Works the outbox. Each sink's oldest pending message is claimed in one statement under a lease
 * with a fencing token (only the holder may record the outcome), renewed while the attempt runs and
 * abandoned if it is lost, so two replicas never send one message at once, whatever their clocks
 * (leases are the store's time). Sinks are worked concurrently from one pool, so a slow sink holds
 * up no other; each sink's versions go strictly in order. A failure waits (back-off from 10 s to 1 h,
 * jittered) and holds that sink's later messages back; after 25 attempts or 3 days a message is given
 * up (dead). A credential version older than one the sink already has is superseded, never delivered
 * after it. A message for a sink this process does not know is left alone: only the catalogue sync
 * cancels what the catalogue no longer lists.
 */
export function createDeliveryWorker(deps: DeliveryWorkerDeps) {
  const leaseMs = deps.leaseMs ?? DELIVERY_LEASE_MS;
  const renewMs = deps.renewMs ?? LEASE_RENEW_MS;
  let running: Promise<number> | undefined;
  let again = false;

  async function messageOf(row: Delivery): Promise<SinkMessage | string> {
    const base: SinkMessage = { messageId: row.messageId, type: row.type, createdAt: row.createdAt, data: row.data };
    if (row.type !== 'credential.updated') return base;
    const integration = await deps.store.integrations.findActive(row.integrationId);
    if (!integration) return 'the integration was removed from integrations.yml';
    const credential = row.credentialId === null ? undefined : await deps.store.credentials.byId(row.credentialId);
    if (!credential || row.sealedCredential === null || row.version === null)
      return 'the credential version is no longer stored';
    const fields = JSON.parse(
      deps.keyring.unseal(row.sealedCredential, deliveryContext(credential.credentialKey)),
    ) as Record<string, unknown>;
    const health = (await deps.store.health.of(integration.id))?.status ?? 'unknown';
    const fingerprint = typeof row.data.fingerprint === 'string' ? row.data.fingerprint : fingerprintOf(credential);
    const expiresAt = typeof row.data.expires_at === 'string' ? row.data.expires_at : null;
    // The version this row carries, which a later refresh of the same credential row may have moved on from.
    const document = credentialDocument(
      integration,
      { version: row.version, fingerprint, updatedAt: row.createdAt, expiresAt },
      fields,
      health,
    );
    return {
      ...base,
      data: { integration: row.integrationId, version: row.version, ...row.data },
      credential: fields,
      document: { ...document },
      version: row.version,
      fingerprint,
    };
  }

  /** Runs `send` while renewing the lease; aborts it when the lease is lost. Resolves undefined when lost. */
  async function underLease(
    row: Claimed,
    send: (signal: AbortSignal) => Promise<SinkResult>,
  ): Promise<SinkResult | undefined> {
    const abort = new AbortController();
    const lease = { id: row.id, token: row.leaseToken };
    const timer = setInterval(() => {
      deps.store.deliveries.extendLease(lease, leaseMs).then(
        (kept) => {
          if (!kept) abort.abort();
        },
        () => undefined, // the database is unreachable for a moment: the next renewal tries again
      );
    }, renewMs);
    timer.unref();
    try {
      const result = await send(abort.signal);
      return abort.signal.aborted ? undefined : result;
    } finally {
      clearInterval(timer);
    }
  }

  async function attempt(row: Claimed): Promise<AttemptReport | undefined> {
    const lease = { id: row.id, token: row.leaseToken };
    const sink = deps.sinksOf(row.integrationId).find((s) => s.key === row.sinkKey);
    if (!sink) {
      // A replica with a newer integrations.yml queued it; this one leaves it to them (and to the catalogue sync).
      await deps.store.deliveries.release(lease, UNKNOWN_SINK_RETRY_MS);
      return undefined;
    }
    const close = async (
      outcome: 'superseded' | 'cancelled' | 'dead',
      reason: string,
    ): Promise<AttemptReport | undefined> => {
      if (!(await deps.store.deliveries.close(lease, outcome, reason))) return undefined;
      deps.metrics?.deliveries.inc({ sink: sink.kind, outcome });
      return { delivery: row, sink, outcome, error: reason, needsAttention: outcome === 'dead' };
    };
    if (row.type === 'credential.updated' && row.version !== null) {
      const delivered = await deps.store.deliveries.deliveredVersion(row.integrationId, row.sinkKey);
      if (delivered !== null && delivered >= row.version)
        return close('superseded', `version ${delivered} was delivered already`);
    }
    let result: SinkResult | undefined;
    try {
      const message = await messageOf(row);
      if (typeof message === 'string') return close('cancelled', message);
      result = await underLease(row, (signal) => deps.senders[sink.kind](sink as never, message, signal));
    } catch (error) {
      // A sender's own bug or an unreadable row: never its text (it could quote data), only its kind.
      result = {
        ok: false,
        error: `delivery failed unexpectedly (${(error as Error).name}); Reauth keeps retrying — if it persists, report it to the Reauth maintainers`,
        needsAttention: false,
      };
    }
    if (!result) {
      deps.logger.warn(
        {
          event: 'delivery_lease_lost',
          integration: row.integrationId,
          sink: sinkLabel(row.sinkKey),
          version: row.version,
        },
        'a delivery outlived its lease and was abandoned; another worker has it',
      );
      return undefined;
    }
    if (result.ok) {
      if (!(await deps.store.deliveries.delivered(lease))) return undefined;
      deps.metrics?.deliveries.inc({ sink: sink.kind, outcome: 'delivered' });
      deps.logger.info(
        {
          event: 'delivery_succeeded',
          integration: row.integrationId,
          sink: sinkLabel(row.sinkKey),
          type: row.type,
          version: row.version,
          attempts: row.attempts,
        },
        'delivered',
      );
      return { delivery: row, sink, outcome: 'delivered', error: null, needsAttention: false };
    }
    const age = deps.clock.now().getTime() - row.createdAt.getTime();
    if (row.attempts >= MAX_ATTEMPTS || age >= MAX_AGE_MS) {
      const why = `given up after ${row.attempts} attempts over ${Math.max(1, Math.round(age / 3_600_000))} h; last error: ${result.error}`;
      deps.logger.error(
        {
          event: 'delivery_dead',
          integration: row.integrationId,
          sink: sinkLabel(row.sinkKey),
          type: row.type,
          version: row.version,
          attempts: row.attempts,
          error: result.error,
        },
        'a delivery was given up; npx reauth-bot deliver --retry-dead sends it again',
      );
      return close('dead', why);
    }
    const delay = result.needsAttention ? MAX_RETRY_MS : retryDelayMs(row.attempts, deps.random);
    if (
      !(await deps.store.deliveries.failed(lease, {
        error: result.error,
        needsAttention: result.needsAttention,
        retryInMs: delay,
      }))
    )
      return undefined;
    deps.metrics?.deliveries.inc({ sink: sink.kind, outcome: 'failed' });
    deps.logger.warn(
      {
        event: 'delivery_failed',
        integration: row.integrationId,
        sink: sinkLabel(row.sinkKey),
        type: row.type,
        version: row.version,
        attempts: row.attempts,
        error: result.error,
        retryInSeconds: Math.round(delay / 1000),
      },
      'delivery failed; will retry',
    );
    return { delivery: row, sink, outcome: 'failed', error: result.error, needsAttention: result.needsAttention };
  }

  /** Works one sink's queue from a claimed head while the next one is due. */
  async function drainSink(first: Claimed): Promise<number> {
    let attempted = 0;
    let row: Claimed | undefined = first;
    while (row) {
      const report = await attempt(row);
      if (!report) break;
      attempted += 1;
      await deps
        .onAttempt?.(report)
        .catch((error: unknown) =>
          deps.logger.warn({ error: (error as Error).name }, 'could not report a delivery attempt'),
        );
      if (report.outcome === 'failed') break;
      [row] = await deps.store.deliveries.claimDue(1, leaseMs, {
        integrationId: row.integrationId,
        sinkKey: row.sinkKey,
      });
    }
    return attempted;
  }

  /** Keeps up to SINK_CONCURRENCY sinks in flight: a free slot claims the next due head at once. */
  async function runOnce(scope: ClaimScope = {}): Promise<number> {
    let total = 0;
    const active = new Set<Promise<void>>();
    do {
      again = false;
      for (;;) {
        const free = SINK_CONCURRENCY - active.size;
        const claimed = free > 0 ? await deps.store.deliveries.claimDue(free, leaseMs, scope) : [];
        for (const row of claimed) {
          const task: Promise<void> = drainSink(row)
            .then(
              (n) => void (total += n),
              (error: unknown) =>
                deps.logger.error(
                  { event: 'delivery_loop_failed', error: (error as Error).message },
                  'a sink could not be worked; it is tried again later',
                ),
            )
            .finally(() => active.delete(task));
          active.add(task);
        }
        if (active.size === 0) break;
        await Promise.race(active);
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
    runDueFor: (integrationId: string): Promise<number> => runOnce({ integrationId }),
    /** Resolves once the run in progress (if any) has finished. */
    idle: async (): Promise<void> => {
      await running;
    },
  };
}

export type DeliveryWorker = ReturnType<typeof createDeliveryWorker>;
