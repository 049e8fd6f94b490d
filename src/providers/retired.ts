import type { OutcomeKind } from './outcome.js';
import { ATLASSIAN_PREFIX } from './registry.js';
import type { AuthKey, ProviderKey } from './types.js';

/**
 * Credentials their vendor retired or is retiring, and the way off each: the one table of what Reauth
 * says about them (the alert, App Home, `reauth-bot list`) and the section of docs/migrating.md that
 * walks through it. The auth type still changes only in integrations.yml.
 */
export const RETIREMENT_KEYS = ['jira_connect_app', 'bitbucket_app_password'] as const;
export type Retirement = (typeof RETIREMENT_KEYS)[number];

export interface WayOff {
  /** What the vendor retired, and when. */
  what: string;
  /** The auth types to move to, as integrations.yml names them; the first is the usual one. */
  replacements: readonly AuthKey[];
  /** What to do, in one sentence. */
  todo: string;
  /** The section of docs/migrating.md. */
  doc: string;
}

export const RETIREMENTS: Record<Retirement, WayOff> = {
  // https://community.developer.atlassian.com/t/rfc-129-surfacing-partner-migration-plans-to-site-admins-for-apps-running-on-connect/99720
  jira_connect_app: {
    what: 'Atlassian ends support for Connect apps in December 2026.',
    replacements: ['service_account'],
    todo: 'Create an Atlassian service account with an OAuth 2.0 credential, change auth to service_account in integrations.yml, then re-authenticate with its client id and secret.',
    doc: 'docs/migrating.md#jira-connect-app--service_account',
  },
  // https://community.atlassian.com/forums/Bitbucket-articles/Deprecation-notice-Bitbucket-Cloud-app-password-brownout/ba-p/3237429
  bitbucket_app_password: {
    what: 'This credential is a Bitbucket app password: Bitbucket removed app passwords on 28 July 2026 and answers 401 to them.',
    replacements: ['api_key', 'access_token', 'client_credentials'],
    todo: 'Re-authenticate with an Atlassian API token with Bitbucket scopes (auth api_key stays as it is), or move to a workspace access token (access_token) or an OAuth consumer (client_credentials) in integrations.yml.',
    doc: 'docs/migrating.md#bitbucket-app-password--api-token-access-token-or-consumer',
  },
};

/** "Atlassian ends … → auth service_account: Create … See docs/migrating.md#…": the way off as one line of plain text. */
export const wayOffLine = (retirement: Retirement): string => {
  const { what, replacements, todo, doc } = RETIREMENTS[retirement];
  return `${what} → auth ${replacements.join(' or ')}: ${todo} See ${doc}.`;
};

/**
 * What an integration's auth type or its current credential was retired as, if anything: the Connect app
 * whatever it holds, or the credential a probe found to be an app password.
 */
export function retirementOf(
  integration: { provider: ProviderKey; authType: AuthKey },
  credential?: { retiredByVendor: Retirement | null } | null,
): Retirement | undefined {
  return retiredAuthType(integration.provider, integration.authType) ?? credential?.retiredByVendor ?? undefined;
}

/** The retirement an auth type carries whatever its credential (a Jira Connect app). */
export function retiredAuthType(provider: ProviderKey, auth: AuthKey): Retirement | undefined {
  return provider === 'jira' && auth === 'connect_app' ? 'jira_connect_app' : undefined;
}

/**
 * A stored credential its vendor retired, known at a probe: a Bitbucket app password by its `ATBB…`
 * shape, or by the 401 Bitbucket now answers to a secret that is not an API token (`ATAT…`; app
 * passwords made before the prefixes have none).
 */
export function retiredCredential(
  provider: ProviderKey,
  auth: AuthKey,
  tokens: readonly string[],
  outcome: OutcomeKind,
): Retirement | undefined {
  if (provider !== 'bitbucket' || auth !== 'api_key') return undefined;
  const token = tokens[0] ?? '';
  if (ATLASSIAN_PREFIX.appPassword.test(token)) return 'bitbucket_app_password';
  if (outcome === 'invalid_credentials' && !ATLASSIAN_PREFIX.apiToken.test(token)) return 'bitbucket_app_password';
  return undefined;
}
