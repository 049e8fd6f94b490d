import type { CatalogueFields, CatalogueSyncPlan } from '../db/store.js';
import type { Integration } from '../domain/types.js';
import { credentialKeyOf, type CatalogueEntry } from './types.js';

export interface SyncSummary {
  added: string[];
  updated: string[];
  archived: string[];
  restored: string[];
  /** Integrations whose auth type (or provider) changed: their credential was discarded. */
  authChanged: string[];
}

const ACTOR = 'catalogue';

function fieldsOf(entry: CatalogueEntry): CatalogueFields {
  return {
    name: entry.name,
    provider: entry.provider,
    authType: entry.auth,
    url: entry.url,
    organization: entry.organization ?? null,
    service: entry.service ?? null,
    accountId: entry.accountId ?? null,
    repository: entry.repository ?? null,
    channel: entry.channel ?? null,
    owners: entry.owners,
    credentialKey: credentialKeyOf(entry),
  };
}

/** What a sync changes, worked out from the stored integrations and the file; nothing is written here. */
export function planCatalogueSync(existing: readonly Integration[], entries: readonly CatalogueEntry[]): { plan: CatalogueSyncPlan; summary: SyncSummary } {
  const summary: SyncSummary = { added: [], updated: [], archived: [], restored: [], authChanged: [] };
  const plan: CatalogueSyncPlan = { add: [], update: [], archive: [] };
  const stored = new Map(existing.map((row) => [row.id, row]));
  const inFile = new Set(entries.map((e) => e.id));

  for (const entry of entries) {
    const values = fieldsOf(entry);
    const row = stored.get(entry.id);
    if (!row) {
      plan.add.push({ id: entry.id, values, audit: { actor: ACTOR, integrationId: entry.id, action: 'catalogue.add', outcome: 'ok', detail: { provider: entry.provider, auth: entry.auth } } });
      summary.added.push(entry.id);
      continue;
    }
    const changed = (Object.keys(values) as (keyof CatalogueFields)[]).filter((key) => JSON.stringify(row[key]) !== JSON.stringify(values[key]));
    const wasArchived = row.archivedAt !== null;
    if (changed.length === 0 && !wasArchived) continue;

    const update: CatalogueSyncPlan['update'][number] = { id: entry.id, values, audits: [] };
    if (wasArchived) {
      summary.restored.push(entry.id);
      update.audits.push({ actor: ACTOR, integrationId: entry.id, action: 'catalogue.restore', outcome: 'ok' });
    }
    if (changed.length > 0) {
      summary.updated.push(entry.id);
      update.audits.push({ actor: ACTOR, integrationId: entry.id, action: 'catalogue.update', outcome: 'ok', detail: { fields: changed } });
    }
    if (row.authType !== entry.auth || row.provider !== entry.provider) {
      const from = `${row.provider}/${row.authType}`;
      const to = `${entry.provider}/${entry.auth}`;
      update.retire = {
        credentialKey: row.credentialKey,
        reason: `Auth type changed from ${row.authType} to ${entry.auth} in the catalogue; needs authentication.`,
        audit: (retired) => ({
          actor: ACTOR,
          integrationId: entry.id,
          action: 'catalogue.auth_type_changed',
          outcome: retired ? 'credential_discarded' : 'no_credential',
          fingerprint: retired?.fingerprints.join(',') ?? null,
          detail: { from, to },
        }),
      };
      summary.authChanged.push(entry.id);
    }
    plan.update.push(update);
  }

  for (const row of existing) {
    if (inFile.has(row.id) || row.archivedAt !== null) continue;
    plan.archive.push({ id: row.id, audit: { actor: ACTOR, integrationId: row.id, action: 'catalogue.archive', outcome: 'ok' } });
    summary.archived.push(row.id);
  }
  return { plan, summary };
}
