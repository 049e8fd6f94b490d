import type { Store } from '../db/store.js';
import { planCatalogueSync, type SyncSummary } from './plan-sync.js';
import type { CatalogueEntry } from './types.js';

export type { SyncSummary } from './plan-sync.js';

/**
 * Brings the stored integrations in line with the catalogue: adds, updates, archives removed entries
 * (history kept), and retires the stored credential when an entry's binding changes. The plan is
 * computed from what is stored and applied in one transaction.
 */
export async function syncCatalogue(
  store: Pick<Store, 'integrations' | 'deliveries'>,
  entries: readonly CatalogueEntry[],
  now: Date,
): Promise<SyncSummary & { cancelledDeliveries: number }> {
  const { plan, summary } = planCatalogueSync(await store.integrations.listAll(), entries);
  await store.integrations.applySync(plan, now);
  // Only the sync cancels deliveries, and only of sinks this catalogue no longer lists: a worker that
  // does not know a sink (a replica still on an older file) leaves its messages for the others.
  const cancelledDeliveries = await store.deliveries.cancelUnlisted(
    new Map(entries.map((e) => [e.id, e.deliver.map((s) => s.key)])),
    'the sink was removed from integrations.yml',
  );
  return { ...summary, cancelledDeliveries };
}
