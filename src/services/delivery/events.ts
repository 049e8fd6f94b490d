import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import type { EventType } from '../../domain/delivery.js';
import type { Integration } from '../../domain/types.js';
import type { OutboxPlanner } from './outbox.js';

/** Events without secrets for webhook sinks: queued in the outbox, delivered like credentials. */
export type EmitEvent = (integrations: readonly Pick<Integration, 'id'>[], type: Exclude<EventType, 'credential.updated' | 'delivery.failed'>, data: Record<string, unknown>) => Promise<void>;

export function createEventQueue(deps: { store: Pick<Store, 'deliveries'>; outbox: Pick<OutboxPlanner, 'events'>; clock: Clock; kick: () => void }): EmitEvent {
  return async (integrations, type, data) => {
    const rows = deps.outbox.events(integrations, type, (integrationId) => ({ integration: integrationId, ...data }), deps.clock.now());
    if (rows.length === 0) return;
    await deps.store.deliveries.enqueue(rows);
    deps.kick();
  };
}
