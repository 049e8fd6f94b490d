import type { Store } from '../db/store.js';
import { planCatalogueSync, type SyncSummary } from './plan-sync.js';
import type { CatalogueEntry } from './types.js';

export type { SyncSummary } from './plan-sync.js';

/**
 * Brings the stored integrations in line with the catalogue: adds, updates, archives removed entries
 * (history kept), and retires the stored credential when an entry's binding changes. The plan is
 * computed from what is stored and applied in one transaction.
 */
export async function syncCatalogue(store: Pick<Store, 'integrations'>, entries: readonly CatalogueEntry[], now: Date): Promise<SyncSummary> {
  const { plan, summary } = planCatalogueSync(await store.integrations.listAll(), entries);
  await store.integrations.applySync(plan, now);
  return summary;
}
