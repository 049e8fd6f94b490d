import type { Store } from '../db/store.js';
import type { Credential, HealthState, Integration } from '../domain/types.js';
import type { RotationStanding } from '../domain/rotation.js';
import type { Authoriser } from './authorisation.js';

/** Read-only views of the catalogue for Slack surfaces: what a person may manage, and everyone's health. */
export function createDirectory(deps: {
  store: Pick<Store, 'integrations' | 'health' | 'credentials'>;
  authoriser: Pick<Authoriser, 'canManage'> /** Where each rotating integration's rotation stands. */;
  rotationOf?: (integrations: readonly Integration[]) => Promise<Map<string, RotationStanding>>;
}) {
  /** The active integrations this user may re-authenticate (admins: all of them). */
  async function manageable(userId: string): Promise<Integration[]> {
    const allowed: Integration[] = [];
    for (const integration of await deps.store.integrations.listActive()) {
      if (await deps.authoriser.canManage(userId, integration.owners)) allowed.push(integration);
    }
    return allowed;
  }

  return {
    /** `/reauth` and its pages. */
    async overview(userId: string): Promise<{ integrations: Integration[]; health: Map<string, HealthState> }> {
      return { integrations: await manageable(userId), health: await deps.store.health.listAll() };
    },
    /** `/reauth status`, with each credential's known end (a token's, or a machine identity's root secret's). */
    async status(): Promise<{
      integrations: Integration[];
      health: Map<string, HealthState>;
      expiries: Map<string, Date>;
    }> {
      const expiries = new Map(
        (await deps.store.credentials.listCurrentWithExpiry()).flatMap((c) =>
          c.expiresAt ? [[c.credentialKey, c.expiresAt] as const] : [],
        ),
      );
      return {
        integrations: await deps.store.integrations.listActive(),
        health: await deps.store.health.listAll(),
        expiries,
      };
    },
    /** App Home. */
    async home(userId: string): Promise<{
      integrations: Integration[];
      health: Map<string, HealthState>;
      credentials: Map<string, Credential | undefined>;
      rotation: Map<string, RotationStanding>;
    }> {
      const integrations = await manageable(userId);
      const credentials = new Map<string, Credential | undefined>();
      for (const integration of integrations)
        credentials.set(integration.id, await deps.store.credentials.current(integration.credentialKey));
      return {
        integrations,
        health: await deps.store.health.listAll(),
        credentials,
        rotation: (await deps.rotationOf?.(integrations)) ?? new Map(),
      };
    },
  };
}

export type Directory = ReturnType<typeof createDirectory>;
