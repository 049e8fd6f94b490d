import { listActiveIntegrations, type IntegrationRow } from '../db/repositories/integrations.js';
import type { Runtime } from '../runtime.js';

/** The active integrations this user may re-authenticate (admins: all of them). */
export async function manageableIntegrations(rt: Pick<Runtime, 'db' | 'authoriser'>, userId: string): Promise<IntegrationRow[]> {
  const all = listActiveIntegrations(rt.db);
  const allowed: IntegrationRow[] = [];
  for (const integration of all) {
    if (await rt.authoriser.canManage(userId, integration.owners)) allowed.push(integration);
  }
  return allowed;
}
