import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { EventType, NewDelivery } from '../../domain/delivery.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Integration } from '../../domain/types.js';
import type { OutboxPlanner } from './outbox.js';

/** Events without secrets for webhook sinks: queued in the outbox, delivered like credentials. */
export type EmitEvent = (
  integrations: readonly Pick<Integration, 'id'>[],
  type: Exclude<EventType, 'credential.updated' | 'delivery.failed'>,
  data: Record<string, unknown>,
) => Promise<void>;

/** A sink that stays down keeps at most this many events waiting (credentials are never dropped). */
export const MAX_PENDING_EVENTS_PER_SINK = 100;

export interface EventQueueDeps {
  store: Pick<Store, 'deliveries'>;
  outbox: Pick<OutboxPlanner, 'events'>;
  clock: Clock;
  kick: () => void;
  metrics?: Pick<Metrics, 'droppedEvents'>;
}

/** Queues event rows, dropping a sink's oldest waiting events past the limit (counted in a metric). */
export async function enqueueEvents(
  deps: Pick<EventQueueDeps, 'store' | 'metrics'>,
  rows: readonly NewDelivery[],
): Promise<void> {
  if (rows.length === 0) return;
  const dropped = await deps.store.deliveries.enqueue(rows, MAX_PENDING_EVENTS_PER_SINK);
  if (dropped > 0) deps.metrics?.droppedEvents.inc(dropped);
}

export function createEventQueue(deps: EventQueueDeps): EmitEvent {
  return async (integrations, type, data) => {
    const rows = deps.outbox.events(
      integrations,
      type,
      (integrationId) => ({ integration: integrationId, ...data }),
      deps.clock.now(),
    );
    if (rows.length === 0) return;
    await enqueueEvents(deps, rows);
    deps.kick();
  };
}
