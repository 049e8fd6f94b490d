import { authSpec } from '../providers/registry.js';
import type { Integration } from './types.js';

/** App integrations (Jira Connect app, GitHub App) hold no credential in Reauth; the health webhook speaks for them. */
export function isAppIntegration(integration: Pick<Integration, 'provider' | 'authType'>): boolean {
  return authSpec(integration.provider, integration.authType)?.form.kind === 'unsupported';
}

/** Integrations sharing a credential share one alert. */
export const alertKeyOf = (integration: Pick<Integration, 'credentialKey'>): string => integration.credentialKey;
