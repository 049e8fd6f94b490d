import type { CatalogueFields, CatalogueSyncPlan } from '../db/store.js';
import { bindingChange, bindingOf } from '../domain/integration.js';
import type { Integration } from '../domain/types.js';
import { credentialKeyOf, type CatalogueEntry } from './types.js';

export interface SyncSummary {
  added: string[];
  updated: string[];
  archived: string[];
  restored: string[];
  /** Integrations whose auth type (or provider) changed. */
  authChanged: string[];
  /** Integrations now pointing elsewhere (provider, auth type, URL origin, organization, account): their credential is retired. */
  bindingChanged: string[];
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
    machine: entry.machine ?? null,
    channel: entry.channel ?? null,
    owners: entry.owners,
    credentialKey: credentialKeyOf(entry),
  };
}

/** What a sync changes, worked out from the stored integrations and the file; nothing is written here. */
export function planCatalogueSync(
  existing: readonly Integration[],
  entries: readonly CatalogueEntry[],
): { plan: CatalogueSyncPlan; summary: SyncSummary } {
  const summary: SyncSummary = {
    added: [],
    updated: [],
    archived: [],
    restored: [],
    authChanged: [],
    bindingChanged: [],
  };
  const plan: CatalogueSyncPlan = { add: [], update: [], archive: [], bindings: [] };
  /** Credential keys whose credential must be checked against what now uses it, with why they changed. */
  const touched = new Map<string, string | undefined>();
  const touch = (key: string, reason: string | undefined) => touched.set(key, touched.get(key) ?? reason);
  const stored = new Map(existing.map((row) => [row.id, row]));
  const inFile = new Set(entries.map((e) => e.id));

  for (const entry of entries) {
    const values = fieldsOf(entry);
    const row = stored.get(entry.id);
    if (!row) {
      plan.add.push({
        id: entry.id,
        values,
        audit: {
          actor: ACTOR,
          integrationId: entry.id,
          action: 'catalogue.add',
          outcome: 'ok',
          detail: { provider: entry.provider, auth: entry.auth },
        },
      });
      summary.added.push(entry.id);
      // A credential already stored under this key (an organization's shared one) must fit the newcomer.
      touch(values.credentialKey, undefined);
      continue;
    }
    const changed = (Object.keys(values) as (keyof CatalogueFields)[]).filter(
      (key) => JSON.stringify(row[key]) !== JSON.stringify(values[key]),
    );
    const wasArchived = row.archivedAt !== null;
    if (changed.length === 0 && !wasArchived) continue;

    const update: CatalogueSyncPlan['update'][number] = { id: entry.id, values, audits: [] };
    if (wasArchived) {
      summary.restored.push(entry.id);
      update.audits.push({ actor: ACTOR, integrationId: entry.id, action: 'catalogue.restore', outcome: 'ok' });
    }
    if (changed.length > 0) {
      summary.updated.push(entry.id);
      update.audits.push({
        actor: ACTOR,
        integrationId: entry.id,
        action: 'catalogue.update',
        outcome: 'ok',
        detail: { fields: changed },
      });
    }
    const changedBinding = bindingChange(row, values);
    if (changedBinding) summary.bindingChanged.push(entry.id);
    if (changedBinding || wasArchived || row.credentialKey !== values.credentialKey) {
      touch(row.credentialKey, changedBinding);
      touch(values.credentialKey, changedBinding);
    }
    if (row.authType !== entry.auth || row.provider !== entry.provider) {
      update.authChange = {
        oldKey: row.credentialKey,
        from: `${row.provider}/${row.authType}`,
        to: `${entry.provider}/${entry.auth}`,
        reason: `Auth type changed from ${row.authType} to ${entry.auth} in the catalogue; needs authentication.`,
      };
      summary.authChanged.push(entry.id);
    }
    plan.update.push(update);
  }

  for (const row of existing) {
    if (inFile.has(row.id) || row.archivedAt !== null) continue;
    plan.archive.push({
      id: row.id,
      audit: { actor: ACTOR, integrationId: row.id, action: 'catalogue.archive', outcome: 'ok' },
    });
    summary.archived.push(row.id);
  }

  // Each touched credential must fit every integration that uses its key after the sync.
  const after = new Map<string, CatalogueFields & { id: string }>();
  for (const row of existing)
    if (row.archivedAt === null && !plan.archive.some((a) => a.id === row.id)) after.set(row.id, row);
  for (const change of [...plan.add, ...plan.update]) after.set(change.id, { id: change.id, ...change.values });
  for (const [credentialKey, reason] of touched) {
    const users = [...after.values()]
      .filter((i) => i.credentialKey === credentialKey)
      .sort((a, b) => a.id.localeCompare(b.id));
    const first = users[0];
    if (!first) continue;
    const bindings = new Set(users.map(bindingOf));
    plan.bindings.push({
      credentialKey,
      binding: bindings.size === 1 ? bindingOf(first) : null,
      provider: first.provider,
      authType: first.authType,
      reason: bindings.size === 1 ? reason : 'the integrations sharing it now point at different places',
      integrationIds: users.map((u) => u.id),
    });
  }
  return { plan, summary };
}
