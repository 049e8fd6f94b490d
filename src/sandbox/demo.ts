import type { AuthKey, ProviderKey } from '../providers/types.js';
import type { ProviderEmulator } from './providers/emulator.js';
import type { EmulatedToken } from './providers/types.js';

/** The sandbox's demo catalogue: one integration per provider/auth row of docs/catalogue.md, with demo credentials. */

export interface DemoRow {
  id: string;
  name: string;
  provider: ProviderKey;
  auth: AuthKey;
  extra?: string;
  /** What a person types in the modal besides the token. */
  identifier?: { field: 'email' | 'username'; value: string };
  /** The credential Reauth holds at start. */
  stored?: string[];
  /** Valid tokens to paste when re-authenticating (a pool row shows two). */
  fresh?: string[];
  entry?: Partial<EmulatedToken>;
  /** A valid token of a colleague's account: pasting it asks to confirm the hand-over first. */
  otherAccount?: { token: string; identifier?: string };
  note?: string;
  /** A machine identity (SPEC §12): its root secret is made at the emulated provider when the sandbox starts. */
  machine?: 'github_app' | 'entra' | 'bitbucket' | 'atlassian';
  /**
   * A credential of a kind its vendor has since removed (a Bitbucket app password): it validated when it
   * was stored; the emulated provider now answers 401, and Reauth shows the way off.
   */
  retired?: boolean;
}

/** The demo App and service principal, as the emulated providers know them. */
export const DEMO_APP = {
  id: 4242,
  clientId: 'Iv23liSandboxInsights',
  name: 'Acme Insights (sandbox)',
  slug: 'acme-insights',
};
export const DEMO_TENANT = '7d0a5e0c-0000-4000-8000-000000000001';
export const DEMO_PRINCIPAL = 'a1b2c3d4-0000-4000-8000-000000000002';
export const DEMO_CONSUMER = 'SandboxConsumer001';
export const DEMO_SERVICE_ACCOUNT = '712020:5ad1b0c4-0000-4000-8000-000000000003';

/**
 * The root secrets of the demo's machine identities, made when the sandbox starts: the one Reauth holds at
 * start, and a fresh one to re-authenticate with — each as the form fields a person enters.
 */
export type MachineSecrets = Record<string, { stored: Record<string, string>; fresh: Record<string, string> }>;

export const DEMO_USER = { id: 'U0YOU', name: 'you', realName: 'You (sandbox)' };
export const DEMO_CHANNEL = { id: 'C0ALERTS', name: 'reauth-alerts' };
const EMAIL = { field: 'email' as const, value: 'demo@acme.example' };

export const DEMO_ROWS: DemoRow[] = [
  {
    id: 'jira-cloud',
    name: 'Jira (Acme Cloud)',
    provider: 'jira',
    auth: 'api_key',
    identifier: EMAIL,
    stored: ['ATATT3xDEMOjiraStored0000000001=AAAA1111'],
    fresh: ['ATATT3xDEMOjiraFresh00000000001=BBBB2222'],
    entry: { basicUser: EMAIL.value },
    otherAccount: { token: 'ATATT3xDEMOjiraColleague00001=EEEE5555', identifier: 'casey@acme.example' },
  },
  {
    id: 'jira-dc',
    name: 'Jira Data Center',
    provider: 'jira',
    auth: 'pat',
    stored: ['DEMOjiraDataCenterStored000000001'],
    fresh: ['DEMOjiraDataCenterFresh0000000001'],
  },
  {
    id: 'jira-service-account',
    name: 'Jira (service account)',
    provider: 'jira',
    auth: 'service_account',
    machine: 'atlassian',
    note: "An Atlassian service account: Reauth holds its OAuth 2.0 client id and secret, finds the site's cloud id and mints 60-minute tokens used through Atlassian's API gateway.",
  },
  {
    id: 'jira-connect',
    name: 'Jira Connect app',
    provider: 'jira',
    auth: 'connect_app',
    note: 'App type: health only through the webhook (try the buttons); re-auth is refused. Atlassian ends Connect support in December 2026: App Home and reauth-bot list show the way off.',
  },
  {
    id: 'github',
    name: 'GitHub (Acme)',
    provider: 'github',
    auth: 'pat',
    identifier: EMAIL,
    stored: ['ghp_DEMOgithubStored0000000000000000000001'],
    fresh: ['ghp_DEMOgithubFreshOne00000000000000000001', 'ghp_DEMOgithubFreshTwo00000000000000000001'],
    entry: { scopes: ['repo', 'read:org'], expiresAt: new Date(Date.now() + 60 * 24 * 3600 * 1000) },
    note: 'A pool: paste one token per line.',
  },
  {
    id: 'github-app',
    name: 'GitHub App',
    provider: 'github',
    auth: 'github_app',
    note: 'App type: health only through the webhook (try the buttons); re-auth is refused.',
  },
  {
    id: 'github-actions',
    name: 'GitHub Actions (acme/api)',
    provider: 'github_actions',
    auth: 'pat',
    extra: 'repository: acme/api',
    identifier: EMAIL,
    stored: ['ghp_DEMOactionsStored000000000000000000001'],
    fresh: ['ghp_DEMOactionsFresh0000000000000000000001'],
    entry: { scopes: ['repo', 'read:org'], actionsRepos: ['acme/api'] },
  },
  {
    id: 'github-insights',
    name: 'GitHub (Insights App)',
    provider: 'github',
    auth: 'app_installation',
    extra: `app_id: ${DEMO_APP.id}, installation_id: 1001`,
    machine: 'github_app',
    note: 'A GitHub App of your own: Reauth holds its private key and mints hour-long installation tokens, delivered to the sinks before each ends. Try Short tokens, then Delete key.',
  },
  {
    id: 'bitbucket-oauth',
    name: 'Bitbucket (OAuth)',
    provider: 'bitbucket',
    auth: 'oauth',
    fresh: [],
    note: 'OAuth: Re-authenticate gives a link-out to the emulated Bitbucket, with Approve / Deny.',
  },
  {
    id: 'bitbucket-consumer',
    name: 'Bitbucket (workspace consumer)',
    provider: 'bitbucket',
    auth: 'client_credentials',
    extra: 'workspace: acme',
    machine: 'bitbucket',
    note: "A workspace OAuth consumer: Reauth holds its key and secret and mints the workspace's two-hour tokens.",
  },
  {
    id: 'bitbucket-token',
    name: 'Bitbucket (API token)',
    provider: 'bitbucket',
    auth: 'api_key',
    identifier: EMAIL,
    stored: ['ATATT3xDEMObitbucketStored00001=CCCC3333'],
    fresh: ['ATATT3xDEMObitbucketFresh000001=DDDD4444'],
    entry: { basicUser: EMAIL.value },
  },
  {
    id: 'bitbucket-app-password',
    name: 'Bitbucket (app password)',
    provider: 'bitbucket',
    auth: 'api_key',
    identifier: EMAIL,
    stored: ['ATBB3xDEMObitbucketAppPassword01=EEEE6666'],
    fresh: ['ATATT3xDEMObitbucketReplacement1=FFFF7777'],
    entry: { basicUser: EMAIL.value },
    retired: true,
    note: 'Set up with an app password before Bitbucket removed them (28 July 2026): it fails, and the alert, App Home and reauth-bot list show the way off. Re-authenticate with the API token shown.',
  },
  {
    id: 'ado-boards',
    name: 'Azure DevOps Boards',
    provider: 'azure_devops',
    auth: 'pat',
    extra: 'organization: acme, service: boards',
    identifier: EMAIL,
    stored: ['demoadostored000000000000000000000000000000000001'],
    fresh: ['demoadofresh0000000000000000000000000000000000001'],
    entry: { organization: 'acme' },
    note: 'Shares one credential with Azure DevOps Repos.',
  },
  {
    id: 'ado-repos',
    name: 'Azure DevOps Repos',
    provider: 'azure_devops',
    auth: 'pat',
    extra: 'organization: acme, service: repos',
    identifier: EMAIL,
    fresh: ['demoadofresh0000000000000000000000000000000000001'],
    entry: { organization: 'acme' },
    note: 'Shares one credential with Azure DevOps Boards.',
  },
  {
    id: 'ado-oauth',
    name: 'Azure DevOps Pipelines (OAuth)',
    provider: 'azure_devops',
    auth: 'oauth',
    extra: 'organization: acme-oauth, service: pipelines',
    fresh: [],
    note: 'OAuth through the emulated Microsoft Entra ID (with PKCE).',
  },
  {
    id: 'ado-sp',
    name: 'Azure DevOps (service principal)',
    provider: 'azure_devops',
    auth: 'service_principal',
    extra: `organization: acme-sp, service: repos, tenant_id: ${DEMO_TENANT}`,
    machine: 'entra',
    note: 'A Microsoft Entra service principal: Reauth holds its client secret and mints Entra tokens for Azure DevOps.',
  },
  {
    id: 'harness',
    name: 'Harness CI/CD',
    provider: 'harness',
    auth: 'api_key',
    extra: 'account_id: acctdemo',
    identifier: EMAIL,
    stored: ['pat.acctdemo.stored01.DEMOharnessStoredSecret'],
    fresh: ['pat.acctdemo.fresh01.DEMOharnessFreshSecret0'],
    entry: { accountId: 'acctdemo', expiresAt: new Date(Date.now() + 90 * 24 * 3600 * 1000) },
  },
  {
    id: 'gitlab',
    name: 'GitLab',
    provider: 'gitlab',
    auth: 'pat',
    extra: 'rotate: { before_days: 7, lifetime_days: 30 }',
    stored: ['glpat-DEMOgitlabStored00000001'],
    fresh: ['glpat-DEMOgitlabFresh000000001'],
    otherAccount: { token: 'glpat-DEMOgitlabColleague0001' },
    entry: { scopes: ['api'], expiresAt: new Date(Date.now() + 120 * 24 * 3600 * 1000) },
    note: 'Rotates itself: press Expire soon and watch "rotated automatically" in the channel.',
  },
  {
    id: 'sonarqube',
    name: 'SonarQube',
    provider: 'sonarqube',
    auth: 'api_key',
    extra: 'rotate: true',
    identifier: { field: 'username', value: 'demo' },
    stored: ['squ_DEMOsonarStored0000000000000000000000001'],
    fresh: ['squ_DEMOsonarFresh00000000000000000000000001'],
    note: 'Rotates itself when it expires within 7 days (Expire soon).',
  },
];

export const DEMO_IDENTITY = { id: '1001', name: 'Demo User', email: 'demo@acme.example', username: 'demo' };
/** The account of the demo's colleague, whose token is not the one the integrations were set up with. */
export const COLLEAGUE_IDENTITY = {
  id: '2002',
  name: 'Casey Colleague',
  email: 'casey@acme.example',
  username: 'casey',
};

/** The demo catalogue; `delivery` adds sinks to one integration (by id) and a consumer for the pull API. */
export function demoCatalogue(
  providers: ProviderEmulator,
  delivery?: {
    ids: readonly string[];
    deliverYamlFor: (id: string, indent: string) => string;
    consumersYaml: () => string;
  },
): string {
  const lines = DEMO_ROWS.map((row) => {
    const organization = /organization: ([\w-]+)/.exec(row.extra ?? '')?.[1];
    const url = providers.baseUrl(row.provider, organization);
    const extra =
      row.machine === 'entra'
        ? `${row.extra}, authority: "${providers.azureAuthority}"`
        : row.machine === 'atlassian'
          ? `auth_url: "${providers.atlassianAuthUrl}", api_url: "${providers.atlassianApiUrl}"`
          : row.extra;
    if (delivery?.ids.includes(row.id)) {
      const fields = (extra ?? '')
        .split(/,(?![^{]*})/)
        .map((f) => f.trim())
        .filter(Boolean)
        .map((f) => `    ${f}`);
      return [
        `  - id: ${row.id}`,
        `    name: "${row.name}"`,
        `    provider: ${row.provider}`,
        `    auth: ${row.auth}`,
        `    url: "${url}"`,
        ...fields,
        `    channel: ${DEMO_CHANNEL.id}`,
        `    owners: [${DEMO_USER.id}]`,
        delivery.deliverYamlFor(row.id, '    '),
      ].join('\n');
    }
    return `  - { id: ${row.id}, name: "${row.name}", provider: ${row.provider}, auth: ${row.auth}, url: "${url}"${extra ? `, ${extra}` : ''}, channel: ${DEMO_CHANNEL.id}, owners: [${DEMO_USER.id}] }`;
  });
  return `# The sandbox's demo catalogue: one integration per provider/auth row.\nintegrations:\n${lines.join('\n')}\n${delivery ? delivery.consumersYaml() : ''}`;
}

/** Registers every demo token at the provider emulator as valid, and makes the machine identities' root secrets. */
export function seedDemoTokens(providers: ProviderEmulator): MachineSecrets {
  for (const row of DEMO_ROWS) {
    for (const token of [...(row.stored ?? []), ...(row.fresh ?? [])]) {
      providers.setToken(token, { provider: row.provider, identity: DEMO_IDENTITY, ...row.entry });
    }
    if (row.otherAccount) {
      providers.setToken(row.otherAccount.token, {
        provider: row.provider,
        identity: COLLEAGUE_IDENTITY,
        ...row.entry,
        ...(row.otherAccount.identifier ? { basicUser: row.otherAccount.identifier } : {}),
      });
    }
  }
  providers.oauth.clients.bitbucket = { clientId: 'sandbox-bitbucket', clientSecret: 'sandbox-bitbucket-secret' };
  providers.oauth.clients.entra = { clientId: 'sandbox-entra', clientSecret: 'sandbox-entra-secret' };
  providers.oauth.identity.bitbucket = { id: '{demo-bb}', name: 'Demo User (Bitbucket)', username: 'demo' };
  providers.oauth.identity.entra = { id: 'demo-aad', name: 'Demo User (Entra)', email: DEMO_IDENTITY.email };
  providers.oauth.organization = 'acme-oauth';
  const stored = providers.githubApps.add({
    ...DEMO_APP,
    installations: { '1001': { account: 'acme', repositories: ['acme/api', 'acme/web'] } },
  });
  const secret = providers.entraPrincipals.add({
    tenantId: DEMO_TENANT,
    clientId: DEMO_PRINCIPAL,
    displayName: 'insights-automation',
    organizations: ['acme-sp'],
  });
  const consumer = providers.bitbucketConsumers.add({ key: DEMO_CONSUMER, workspaces: ['acme'] });
  const serviceAccount = providers.atlassianServiceAccounts.add({
    accountId: DEMO_SERVICE_ACCOUNT,
    name: 'insights-bot',
    sites: [providers.baseUrl('jira')],
  });
  const nextCredential = providers.atlassianServiceAccounts.newCredential(DEMO_SERVICE_ACCOUNT);
  return {
    'jira-service-account': {
      stored: { client_id: serviceAccount.clientId, client_secret: serviceAccount.clientSecret },
      fresh: { client_id: nextCredential.clientId, client_secret: nextCredential.clientSecret },
    },
    'bitbucket-consumer': {
      stored: { client_id: DEMO_CONSUMER, client_secret: consumer },
      // Regenerated at the emulated Bitbucket when pasted: the panel's Delete key does that.
      fresh: { client_id: DEMO_CONSUMER, client_secret: consumer },
    },
    'github-insights': {
      stored: { private_key: stored },
      fresh: { private_key: providers.githubApps.newKey(DEMO_APP.id) },
    },
    'ado-sp': {
      stored: { client_id: DEMO_PRINCIPAL, client_secret: secret },
      fresh: { client_id: DEMO_PRINCIPAL, client_secret: providers.entraPrincipals.newSecret(DEMO_PRINCIPAL) },
    },
  };
}
