import type { IntegrationRow } from '../../db/repositories/integrations.js';
import { authSpec, providerSpec } from '../../providers/registry.js';
import type { AuthKey, ProviderKey } from '../../providers/types.js';

/** Human names for what the catalogue says, shared by every message and view. */

export const providerLabel = (provider: string): string => providerSpec(provider as ProviderKey)?.label ?? provider;

export function authLabel(provider: string, auth: string): string {
  return authSpec(provider as ProviderKey, auth as AuthKey)?.label ?? auth;
}

export const HEALTH_EMOJI: Record<string, string> = {
  healthy: ':large_green_circle:',
  failing: ':red_circle:',
  unknown: ':white_circle:',
};

export function healthLabel(status: string | undefined): string {
  const s = status ?? 'unknown';
  return `${HEALTH_EMOJI[s] ?? HEALTH_EMOJI.unknown} ${s}`;
}

export const nameAndId = (integration: Pick<IntegrationRow, 'name' | 'id'>): string => `*${integration.name}* (\`${integration.id}\`)`;
