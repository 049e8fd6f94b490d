import { authSpec, providerSpec } from '../../providers/registry.js';
import type { AuthKey, ProviderKey } from '../../providers/types.js';

/** Human names for what the catalogue says, shared by every message and view. */

export const providerLabel = (provider: ProviderKey): string => providerSpec(provider).label;

export function authLabel(provider: ProviderKey, auth: AuthKey): string {
  return authSpec(provider, auth)?.label ?? auth;
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
