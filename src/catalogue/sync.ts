import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { recordAudit } from '../db/repositories/audit.js';
import { retireCredential } from '../db/repositories/credentials.js';
import { saveHealth } from '../db/repositories/health.js';
import { integrations } from '../db/schema.js';
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

/**
 * Brings the integrations table in line with the catalogue, in one transaction:
 * adds, updates, archives removed entries (history kept), and discards the stored
 * credential when an entry's auth type changes.
 */
export function syncCatalogue(db: Db, entries: readonly CatalogueEntry[], now: Date): SyncSummary {
  const summary: SyncSummary = { added: [], updated: [], archived: [], restored: [], authChanged: [] };
  db.transaction((tx) => {
    const existing = new Map(tx.select().from(integrations).all().map((row) => [row.id, row]));
    const inFile = new Set(entries.map((e) => e.id));

    for (const entry of entries) {
      const values = {
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
      const row = existing.get(entry.id);
      if (!row) {
        tx.insert(integrations).values({ id: entry.id, ...values, createdAt: now, updatedAt: now }).run();
        saveHealth(tx, { integrationId: entry.id, status: 'unknown', reason: 'Not checked yet.', consecutiveFailures: 0 });
        recordAudit(tx, { actor: ACTOR, integrationId: entry.id, action: 'catalogue.add', outcome: 'ok', detail: { provider: entry.provider, auth: entry.auth } }, now);
        summary.added.push(entry.id);
        continue;
      }
      const changed = (Object.keys(values) as (keyof typeof values)[]).filter(
        (key) => JSON.stringify(row[key]) !== JSON.stringify(values[key]),
      );
      const wasArchived = row.archivedAt !== null;
      if (changed.length === 0 && !wasArchived) continue;

      tx.update(integrations).set({ ...values, archivedAt: null, updatedAt: now }).where(eq(integrations.id, entry.id)).run();
      if (wasArchived) {
        summary.restored.push(entry.id);
        recordAudit(tx, { actor: ACTOR, integrationId: entry.id, action: 'catalogue.restore', outcome: 'ok' }, now);
      }
      if (changed.length > 0) {
        summary.updated.push(entry.id);
        recordAudit(tx, { actor: ACTOR, integrationId: entry.id, action: 'catalogue.update', outcome: 'ok', detail: { fields: changed } }, now);
      }
      if (row.authType !== entry.auth || row.provider !== entry.provider) {
        const retired = retireCredential(tx, row.credentialKey, now);
        saveHealth(tx, {
          integrationId: entry.id,
          status: 'unknown',
          reason: `Auth type changed from ${row.authType} to ${entry.auth} in the catalogue; needs authentication.`,
          consecutiveFailures: 0,
        });
        recordAudit(
          tx,
          {
            actor: ACTOR,
            integrationId: entry.id,
            action: 'catalogue.auth_type_changed',
            outcome: retired ? 'credential_discarded' : 'no_credential',
            fingerprint: retired?.fingerprints.join(',') ?? null,
            detail: { from: `${row.provider}/${row.authType}`, to: `${entry.provider}/${entry.auth}` },
          },
          now,
        );
        summary.authChanged.push(entry.id);
      }
    }

    for (const row of existing.values()) {
      if (inFile.has(row.id) || row.archivedAt !== null) continue;
      tx.update(integrations).set({ archivedAt: now, updatedAt: now }).where(eq(integrations.id, row.id)).run();
      recordAudit(tx, { actor: ACTOR, integrationId: row.id, action: 'catalogue.archive', outcome: 'ok' }, now);
      summary.archived.push(row.id);
    }
  });
  return summary;
}
