import { DEMO_APP, DEMO_CONSUMER, DEMO_PRINCIPAL, DEMO_SERVICE_ACCOUNT, type DemoRow } from './demo.js';
import type { ProviderEmulator } from './providers/emulator.js';

/** What the panel's machine-identity buttons do at the emulated provider, for each kind of demo identity. */
export interface DemoMachine {
  /** Named in "Deleted … at the emulated provider". */
  deleted: string;
  /** What the alert then asks for. */
  asks: 'key' | 'secret';
  /**
   * Deletes every root secret of the identity at the provider — the one Reauth holds and the one the panel
   * showed — and makes a new one, returned as the fields to paste.
   */
  deleteRoot(providers: ProviderEmulator): Record<string, string>;
  /** Makes the provider's access tokens live `seconds`. */
  shortenTokens(providers: ProviderEmulator, seconds: number): void;
}

export const DEMO_MACHINES: Record<NonNullable<DemoRow['machine']>, DemoMachine> = {
  github_app: {
    deleted: "the App's private keys",
    asks: 'key',
    deleteRoot(providers) {
      providers.githubApps.deleteKeys(DEMO_APP.id);
      return { private_key: providers.githubApps.newKey(DEMO_APP.id) };
    },
    shortenTokens(providers, seconds) {
      const app = providers.githubApps.app(DEMO_APP.id);
      if (app) app.tokenLifetimeMs = seconds * 1000;
    },
  },
  entra: {
    deleted: "the service principal's client secrets",
    asks: 'secret',
    deleteRoot(providers) {
      providers.entraPrincipals.deleteSecrets(DEMO_PRINCIPAL);
      return { client_id: DEMO_PRINCIPAL, client_secret: providers.entraPrincipals.newSecret(DEMO_PRINCIPAL) };
    },
    shortenTokens(providers, seconds) {
      const principal = providers.entraPrincipals.principal(DEMO_PRINCIPAL);
      if (principal) principal.tokenLifetimeSeconds = seconds;
    },
  },
  bitbucket: {
    deleted: "the consumer's secret (regenerated)",
    asks: 'secret',
    // Regenerating the secret retires the one Reauth holds; the panel shows the new one to paste.
    deleteRoot: (providers) => ({
      client_id: DEMO_CONSUMER,
      client_secret: providers.bitbucketConsumers.regenerate(DEMO_CONSUMER),
    }),
    shortenTokens(providers, seconds) {
      const consumer = providers.bitbucketConsumers.consumer(DEMO_CONSUMER);
      if (consumer) consumer.tokenLifetimeSeconds = seconds;
    },
  },
  atlassian: {
    deleted: "the service account's OAuth 2.0 credentials (a new one is made)",
    asks: 'secret',
    // Atlassian shows a secret once: a lost one means a new credential, shown here to paste.
    deleteRoot(providers) {
      providers.atlassianServiceAccounts.deleteCredentials(DEMO_SERVICE_ACCOUNT);
      const fresh = providers.atlassianServiceAccounts.newCredential(DEMO_SERVICE_ACCOUNT);
      return { client_id: fresh.clientId, client_secret: fresh.clientSecret };
    },
    shortenTokens(providers, seconds) {
      const account = providers.atlassianServiceAccounts.account(DEMO_SERVICE_ACCOUNT);
      if (account) account.tokenLifetimeSeconds = seconds;
    },
  },
};
