import type { AuthKey, AuthSpec, ForeignShape, ProviderKey, ProviderSpec, ValidationSpec } from './types.js';

/**
 * The provider table: everything about a provider that data can say.
 * Each entry cites the provider's public documentation where a fact needs it.
 */

const JWT: ForeignShape = {
  pattern: /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/,
  looksLike: 'an OAuth access token or JWT',
};

/**
 * Atlassian's token prefixes (an Atlassian team member on the Bitbucket community forum, August 2025:
 * https://community.atlassian.com/forums/Bitbucket-questions/Can-we-confirm-BitBucket-s-token-prefixes/qaq-p/3093481):
 * API tokens ATAT…, app passwords ATBB…, workspace, project and repository access tokens ATCT….
 */
export const ATLASSIAN_PREFIX = { apiToken: /^ATAT/, appPassword: /^ATBB/, accessToken: /^ATCT/ } as const;

const APP_PASSWORD: ForeignShape = {
  pattern: ATLASSIAN_PREFIX.appPassword,
  looksLike: 'a Bitbucket app password (ATBB…)',
  instead:
    'Bitbucket removed app passwords on 28 July 2026. Create an Atlassian API token with Bitbucket scopes (auth api_key, with its email) or a workspace, project or repository access token (auth access_token) instead.',
};
const BITBUCKET_ACCESS_TOKEN: ForeignShape = {
  pattern: ATLASSIAN_PREFIX.accessToken,
  looksLike: 'a Bitbucket access token (ATCT…)',
  instead:
    'An access token belongs to a workspace, project or repository and needs no email: use it with auth access_token (change auth in integrations.yml), or paste an Atlassian API token (ATAT…) here.',
};

/** Atlassian tokens pasted where an OAuth 2.0 client's id and secret are asked for. */
const API_TOKEN_NOT_CLIENT: ForeignShape = {
  pattern: ATLASSIAN_PREFIX.apiToken,
  looksLike: 'an Atlassian API token (ATAT…)',
  instead:
    'an API token is used with the email of its account (auth api_key, a change of auth in integrations.yml). Here paste the OAuth 2.0 client id and secret.',
};
const ACCESS_TOKEN_NOT_CLIENT: ForeignShape = {
  pattern: ATLASSIAN_PREFIX.accessToken,
  looksLike: 'a Bitbucket access token (ATCT…)',
  instead:
    'an access token is used as it is (auth access_token, a change of auth in integrations.yml). Here paste the OAuth 2.0 client id and secret.',
};

/**
 * A Bitbucket workspace's repositories, with a Bearer token that belongs to it (an access token, a
 * consumer's minted token): providers/hooks/bitbucket.ts and providers/machine/bitbucket.ts fill the
 * workspace (or repository) in.
 */
const WORKSPACE_REPOSITORIES: ValidationSpec = {
  method: 'GET',
  path: '/2.0/repositories/{workspace}',
  header: 'bearer',
  extraHeaders: { Accept: 'application/json' },
  identity: { id: 'uuid' },
};

const GITHUB_FOREIGN: readonly ForeignShape[] = [
  { pattern: /^gho_/, looksLike: 'a GitHub OAuth app token (gho_)' },
  { pattern: /^ghu_/, looksLike: 'a GitHub App user-to-server token (ghu_)' },
  { pattern: /^ghs_/, looksLike: 'a GitHub App installation token (ghs_)' },
  { pattern: /^ghr_/, looksLike: 'a GitHub App refresh token (ghr_)' },
  { pattern: JWT.pattern, looksLike: 'a GitHub App JWT or OAuth access token' },
];

const GITHUB_HEADERS = {
  Accept: 'application/vnd.github+json',
  'X-GitHub-Api-Version': '2022-11-28',
};

const githubPat = (extraHint: string): AuthSpec => ({
  label: 'personal access tokens',
  form: {
    kind: 'token',
    identifier: 'email',
    pool: true,
    tokenLabel: 'Personal access tokens (one per line)',
    hint: `Create at https://github.com/settings/tokens. Classic tokens need the repo and read:org scopes${extraHint}. Several tokens spread the rate limit; every one is checked.`,
  },
  validation: {
    method: 'GET',
    path: '/user',
    header: 'bearer',
    extraHeaders: GITHUB_HEADERS,
    identity: { id: 'id', name: 'name', email: 'email', username: 'login' },
    scopesHeader: 'x-oauth-scopes',
    scopesUnknownFor: /^github_pat_/,
    expiryHeader: 'github-authentication-token-expiration',
    rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'epoch' },
  },
  foreignShapes: GITHUB_FOREIGN,
  failureHint:
    'GitHub revokes tokens that expire, that are unused for a year, or that are pushed to a public repository.',
  requiredScopes: [['repo'], ['read:org', 'write:org', 'admin:org']],
});

const githubApp: AuthSpec = {
  label: 'GitHub App',
  form: {
    kind: 'unsupported',
    instead:
      'GitHub App credentials belong to the app installation: re-install or re-configure the app in the organization settings (Settings → GitHub Apps). Its health comes from the health webhook.',
  },
};

/**
 * A GitHub App of the team's own, installed on the account (SPEC §12): Reauth holds its private key and
 * mints installation tokens. https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/authenticating-as-a-github-app-installation
 */
const githubAppInstallation = (actions: boolean): AuthSpec => ({
  label: 'GitHub App private key',
  form: {
    kind: 'machine',
    root: 'private_key',
    hint: `Generate a private key in the App's settings (Developer settings → GitHub Apps → the App → Private keys) and paste the whole .pem file. The App needs ${actions ? 'Actions: read and Metadata: read' : 'the read permissions your tools use (at least Metadata: read)'}, and must be installed on the account (installation_id).`,
  },
  validation: {
    method: 'GET',
    path: '/app',
    header: 'bearer',
    extraHeaders: GITHUB_HEADERS,
    identity: { id: 'id', name: 'name', username: 'slug' },
    rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'epoch' },
  },
  machine: { minter: 'github_app', requiredFields: ['app_id', 'installation_id'], optionalFields: [] },
  failureHint:
    "A GitHub App's key stops working when it is deleted from the App; its tokens, when the App is uninstalled or suspended.",
});

export const PROVIDERS = {
  jira: {
    label: 'Jira',
    requiredFields: ['url'],
    optionalFields: [],
    credentialPage: 'https://id.atlassian.com/manage-profile/security/api-tokens',
    concurrency: 8,
    auths: {
      api_key: {
        label: 'email + Atlassian API token',
        form: {
          kind: 'token',
          identifier: 'email',
          pool: false,
          tokenLabel: 'Atlassian API token',
          hint: "Create at https://id.atlassian.com/manage-profile/security/api-tokens, signed in as the account whose email you entered. The token acts with that user's Jira permissions.",
        },
        validation: {
          method: 'GET',
          path: '/rest/api/3/myself',
          header: 'basic_identifier',
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'accountId', name: 'displayName', email: 'emailAddress' },
          rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'iso' },
        },
        foreignShapes: [APP_PASSWORD, BITBUCKET_ACCESS_TOKEN, JWT],
        hook: 'jira',
        failureHint:
          'Atlassian API tokens created before 2024-12-15 expired between 2026-03-14 and 2026-05-12; newer tokens last at most one year.',
      },
      pat: {
        label: 'personal access token (Data Center)',
        form: {
          kind: 'token',
          identifier: 'none',
          pool: false,
          tokenLabel: 'Personal access token',
          hint: 'Create in Jira: your avatar → Profile → Personal Access Tokens. Use a read-only user; Data Center tokens cannot be scoped.',
        },
        validation: {
          method: 'GET',
          path: '/rest/api/2/myself',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'key', name: 'displayName', email: 'emailAddress', username: 'name' },
        },
        foreignShapes: [
          { pattern: ATLASSIAN_PREFIX.apiToken, looksLike: 'an Atlassian Cloud API token' },
          APP_PASSWORD,
          JWT,
        ],
        hook: 'jira',
      },
      // An Atlassian service account's OAuth 2.0 credential (SPEC §12): minted by client credentials, used
      // through the API gateway (https://support.atlassian.com/user-management/docs/create-oauth-2-0-credential-for-service-accounts).
      service_account: {
        label: 'service account OAuth 2.0 credential',
        form: {
          kind: 'machine',
          root: 'client_secret',
          client: 'atlassian_service_account',
          hint: 'An OAuth 2.0 credential of an Atlassian service account (Atlassian Administration → Directory → Service accounts → the account → Credentials → Create credentials → OAuth 2.0), with the scopes read:jira-user and read:jira-work (and what your tools read): they cannot be changed later. The service account needs access to Jira on this site.',
        },
        validation: {
          method: 'GET',
          path: '/rest/api/3/myself',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'accountId', name: 'displayName', email: 'emailAddress' },
          rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'iso' },
        },
        foreignShapes: [APP_PASSWORD, API_TOKEN_NOT_CLIENT, ACCESS_TOKEN_NOT_CLIENT, JWT],
        hook: 'jira',
        machine: { minter: 'atlassian', requiredFields: [], optionalFields: ['cloud_id', 'auth_url', 'api_url'] },
        failureHint:
          "A service account's OAuth 2.0 credential stops working when it is deleted or expires, or when the account loses access to the site.",
      },
      connect_app: {
        label: 'Jira Connect app',
        form: {
          kind: 'unsupported',
          instead:
            "A Connect app authenticates through its installation: re-install or update it from Jira's Manage apps page. Atlassian ends support for Connect apps in December 2026: move this integration to an Atlassian service account (auth service_account in integrations.yml; docs/migrating.md). Its health comes from the health webhook.",
        },
      },
    },
  },
  github: {
    label: 'GitHub',
    defaultUrl: 'https://api.github.com',
    requiredFields: [],
    optionalFields: ['url'],
    credentialPage: 'https://github.com/settings/tokens',
    concurrency: 8,
    auths: {
      pat: { ...githubPat(''), hook: 'github' },
      github_app: githubApp,
      app_installation: githubAppInstallation(false),
    },
  },
  github_actions: {
    label: 'GitHub Actions',
    defaultUrl: 'https://api.github.com',
    requiredFields: [],
    optionalFields: ['url', 'repository'],
    credentialPage: 'https://github.com/settings/tokens',
    concurrency: 8,
    auths: {
      pat: { ...githubPat(' (fine-grained tokens: Actions read on the repository)'), hook: 'github_actions' },
      app_installation: githubAppInstallation(true),
    },
  },
  bitbucket: {
    label: 'Bitbucket',
    defaultUrl: 'https://api.bitbucket.org',
    requiredFields: [],
    optionalFields: ['url', 'repository'],
    credentialPage: 'https://id.atlassian.com/manage-profile/security/api-tokens',
    concurrency: 4,
    auths: {
      // A workspace, project or repository access token (https://support.atlassian.com/bitbucket-cloud/docs/access-tokens/):
      // Bearer, bound to what it was made for, with an end date the API does not tell.
      access_token: {
        label: 'access token',
        form: {
          kind: 'token',
          identifier: 'none',
          pool: false,
          tokenLabel: 'Access token (ATCT…)',
          hint: 'Create it in the workspace, project or repository settings → Access tokens, with the Repositories: Read scope (and what your tools read); copy it at once (Bitbucket shows it once). Enter its expiry date too: Bitbucket does not tell it through the API.',
          expiryHint: "The token's expiry date, as shown when it was made: Reauth warns 14, 3 and 1 days before.",
        },
        validation: WORKSPACE_REPOSITORIES,
        hook: 'bitbucket_access_token',
        foreignShapes: [
          {
            pattern: ATLASSIAN_PREFIX.apiToken,
            looksLike: 'an Atlassian API token (ATAT…)',
            instead:
              'An API token is used with the email of its account: that is auth api_key (change auth in integrations.yml), or paste an access token (ATCT…) here.',
          },
          APP_PASSWORD,
          JWT,
        ],
        machine: { minter: 'bitbucket', mints: false, requiredFields: ['workspace'], optionalFields: [] },
        failureHint:
          'Bitbucket access tokens end on the date chosen when they were made (90, 180 or 365 days by the workspace policy).',
      },
      // An OAuth consumer's client credentials (https://developer.atlassian.com/cloud/bitbucket/oauth-2/#client-credentials-grant--4-4-):
      // the consumer key and secret as HTTP Basic; the token acts as the consumer, on its workspace.
      client_credentials: {
        label: 'OAuth consumer key and secret',
        form: {
          kind: 'machine',
          root: 'client_secret',
          client: 'bitbucket_consumer',
          hint: 'A workspace OAuth consumer (Workspace settings → OAuth consumers → Add consumer), marked "This is a private consumer", with the Repositories: Read permission (and what your tools read). Paste its Key and Secret.',
        },
        validation: WORKSPACE_REPOSITORIES,
        foreignShapes: [APP_PASSWORD, API_TOKEN_NOT_CLIENT, ACCESS_TOKEN_NOT_CLIENT],
        machine: { minter: 'bitbucket', requiredFields: ['workspace'], optionalFields: [] },
        failureHint: "A consumer's secret stops working when the consumer is deleted or its secret regenerated.",
      },
      api_key: {
        label: 'email + Atlassian API token',
        form: {
          kind: 'token',
          identifier: 'email',
          pool: false,
          tokenLabel: 'Atlassian API token (Bitbucket scopes)',
          hint: 'Create "API token with scopes" at https://id.atlassian.com/manage-profile/security/api-tokens, app Bitbucket, scopes read:user, read:workspace, read:repository, read:pullrequest, read:pipeline. Use your Atlassian account email, not the Bitbucket username.',
        },
        validation: {
          method: 'GET',
          path: '/2.0/user',
          header: 'basic_identifier',
          extraHeaders: { Accept: 'application/json' },
          // The account is the user's `uuid` (https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/#api-user-get).
          identity: { id: 'uuid', name: 'display_name', username: 'nickname' },
        },
        foreignShapes: [APP_PASSWORD, BITBUCKET_ACCESS_TOKEN, JWT],
        failureHint:
          'Bitbucket removed app passwords on 28 July 2026: an integration still set up with one answers 401. Use an Atlassian API token with Bitbucket scopes.',
      },
      oauth: {
        label: 'OAuth (Bitbucket consumer)',
        form: {
          kind: 'oauth',
          signInWith: 'Bitbucket',
          hint: 'You will be sent to Bitbucket to approve access; nothing is typed here.',
        },
        // https://developer.atlassian.com/cloud/bitbucket/oauth-2/ — scopes are set on the consumer, not requested.
        flow: {
          client: 'bitbucket',
          label: 'Bitbucket',
          authorizePath: '/site/oauth2/authorize',
          tokenPath: '/site/oauth2/access_token',
          clientAuth: 'basic',
          pkce: false,
          refreshLifetimeMs: null,
        },
        validation: {
          method: 'GET',
          path: '/2.0/user',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'uuid', name: 'display_name', username: 'nickname' },
        },
      },
    },
  },
  azure_devops: {
    label: 'Azure DevOps',
    defaultUrl: 'https://dev.azure.com/{organization}',
    requiredFields: ['organization', 'service'],
    optionalFields: ['url'],
    credentialPage: 'https://dev.azure.com/{organization}/_usersSettings/tokens',
    concurrency: 4,
    sharesCredentialBy: 'organization',
    auths: {
      pat: {
        label: 'personal access token',
        form: {
          kind: 'token',
          identifier: 'email',
          pool: false,
          tokenLabel: 'Personal access token',
          hint: 'Create in Azure DevOps: User settings → Personal access tokens, for this organization only (global PATs stop working on 2026-12-01), with Code, Build, Work Items and Project read scopes. It is used for boards, repos and pipelines alike.',
        },
        validation: {
          method: 'GET',
          path: '/_apis/connectionData',
          header: 'basic_empty_user',
          // Without this header a bad PAT gets a 2xx HTML sign-in page instead of a 401.
          extraHeaders: { Accept: 'application/json', 'X-TFS-FedAuthRedirect': 'Suppress' },
          identity: {
            id: 'authenticatedUser.id',
            name: 'authenticatedUser.providerDisplayName',
            email: 'authenticatedUser.properties.Account.$value',
          },
          rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'epoch' },
        },
        foreignShapes: [JWT],
        hook: 'azure_devops',
        failureHint:
          'Global Azure DevOps PATs ("All accessible organizations") stop working on 2026-12-01: create one for this organization only.',
      },
      oauth: {
        label: 'OAuth (Microsoft Entra ID)',
        form: {
          kind: 'oauth',
          signInWith: 'Microsoft',
          hint: 'You will be sent to Microsoft to sign in and approve access; nothing is typed here.',
        },
        // https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/entra-oauth — the Azure DevOps
        // resource's .default scope; refresh tokens live 90 days (https://learn.microsoft.com/entra/identity-platform/refresh-tokens).
        flow: {
          client: 'entra',
          label: 'Microsoft Entra ID',
          authorizePath: '/authorize',
          tokenPath: '/token',
          clientAuth: 'body',
          scope: '499b84ac-1321-427f-aa17-267ca6975798/.default offline_access',
          pkce: true,
          authorizeParams: { response_mode: 'query' },
          refreshLifetimeMs: 90 * 24 * 3600 * 1000,
        },
        validation: {
          method: 'GET',
          path: '/_apis/connectionData',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json', 'X-TFS-FedAuthRedirect': 'Suppress' },
          identity: {
            id: 'authenticatedUser.id',
            name: 'authenticatedUser.providerDisplayName',
            email: 'authenticatedUser.properties.Account.$value',
          },
        },
        hook: 'azure_devops',
      },
      // https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/service-principal-managed-identity
      service_principal: {
        label: 'service principal client secret',
        form: {
          kind: 'machine',
          root: 'client_secret',
          client: 'entra',
          hint: "The app registration's Application (client) ID and a client secret (Certificates & secrets → New client secret: paste its Value, not its ID). Its service principal must be added to the organization (Organization settings → Users) with Basic access.",
        },
        validation: {
          method: 'GET',
          path: '/_apis/connectionData',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json', 'X-TFS-FedAuthRedirect': 'Suppress' },
          identity: { id: 'authenticatedUser.id', name: 'authenticatedUser.providerDisplayName' },
          rateLimit: { remaining: 'x-ratelimit-remaining', reset: 'x-ratelimit-reset', resetFormat: 'epoch' },
        },
        hook: 'azure_devops',
        machine: { minter: 'entra', requiredFields: ['tenant_id'], optionalFields: ['authority'] },
        failureHint:
          'Entra client secrets end within 24 months; a deleted secret or a service principal removed from the organization stops every mint.',
      },
    },
  },
  harness: {
    label: 'Harness',
    defaultUrl: 'https://app.harness.io',
    requiredFields: ['account_id'],
    optionalFields: ['url'],
    credentialPage: 'https://app.harness.io/ng/account/{account_id}/settings/user/profile',
    concurrency: 4,
    auths: {
      api_key: {
        label: 'email + Harness API key token',
        form: {
          kind: 'token',
          identifier: 'email',
          pool: false,
          tokenLabel: 'Harness API key token (pat.… or sat.…)',
          hint: "Create in Harness: My Profile → My API Keys → Token (or a service account's key). Give its owner a read-only viewer role.",
        },
        validation: {
          method: 'GET',
          path: '/ng/api/user/currentUser',
          header: 'x_api_key',
          query: { accountIdentifier: 'account_id' },
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'data.uuid', name: 'data.name', email: 'data.email' },
        },
        foreignShapes: [JWT],
        hook: 'harness',
      },
    },
  },
  gitlab: {
    label: 'GitLab',
    defaultUrl: 'https://gitlab.com',
    requiredFields: [],
    optionalFields: ['url'],
    credentialPage: 'https://gitlab.com/-/user_settings/personal_access_tokens',
    concurrency: 8,
    auths: {
      pat: {
        label: 'personal access token',
        form: {
          kind: 'token',
          identifier: 'none',
          pool: false,
          tokenLabel: 'Personal access token',
          hint: 'Create in GitLab: Preferences → Access tokens, with the read_api scope (api also works).',
        },
        validation: {
          method: 'GET',
          path: '/api/v4/personal_access_tokens/self',
          header: 'private_token',
          extraHeaders: { Accept: 'application/json' },
          identity: { id: 'user_id', name: 'name' },
          rateLimit: { remaining: 'ratelimit-remaining', reset: 'ratelimit-reset', resetFormat: 'epoch' },
        },
        foreignShapes: [
          { pattern: /^glptt-/, looksLike: 'a GitLab pipeline trigger token' },
          { pattern: /^gldt-/, looksLike: 'a GitLab deploy token' },
          { pattern: /^glrt-/, looksLike: 'a GitLab runner token' },
          { pattern: /^glcbt-/, looksLike: 'a GitLab CI/CD job token' },
          { pattern: /^glft-/, looksLike: 'a GitLab feed token' },
          { pattern: /^gloas-/, looksLike: 'a GitLab OAuth application secret' },
          JWT,
        ],
        requiredScopes: [['read_api', 'api']],
        rotation: {
          // https://docs.gitlab.com/api/personal_access_tokens/#rotate-a-personal-access-token (expires_at since 16.6)
          path: '/api/v4/personal_access_tokens/self/rotate',
          expiryParam: 'expires_at',
          answer: { token: 'token', expiresAt: 'expires_at' },
          previous: { revokedBy: 'provider' },
          needs: 'the api or self_rotate scope',
          fix: 'give the token the api or self_rotate scope (Preferences → Access tokens), or re-authenticate with a new one',
          docs: 'https://docs.gitlab.com/api/personal_access_tokens/',
        },
        hook: 'gitlab',
        failureHint: 'GitLab tokens stop at 00:00 UTC on their expiry date; since GitLab 16.0 every token has one.',
      },
    },
  },
  sonarqube: {
    label: 'SonarQube',
    requiredFields: ['url'],
    optionalFields: [],
    concurrency: 4,
    auths: {
      api_key: {
        label: 'username + user token',
        form: {
          kind: 'token',
          identifier: 'username',
          pool: false,
          tokenLabel: 'User token (squ_…)',
          hint: 'Create in SonarQube: My Account → Security → Generate Tokens, type "User token", for a user with Browse on the projects. Analysis tokens (sqa_, sqp_) do not work.',
        },
        validation: {
          method: 'GET',
          path: '/api/authentication/validate',
          header: 'bearer',
          extraHeaders: { Accept: 'application/json' },
          // Applied to the answer of api/users/current, which the hook calls next.
          identity: { id: 'login', name: 'name', email: 'email', username: 'login' },
          expiryHeader: 'sonarqube-authentication-token-expiration',
        },
        foreignShapes: [
          { pattern: /^sqa_/, looksLike: 'a SonarQube global analysis token (sqa_)' },
          { pattern: /^sqp_/, looksLike: 'a SonarQube project analysis token (sqp_)' },
          { pattern: /^sqco_/, looksLike: 'a SonarQube Cloud scoped organization token' },
          JWT,
        ],
        rotation: {
          // No rotate call: generate a new user token, then revoke the old one by name
          // (https://next.sonarqube.com/sonarqube/web_api/api/user_tokens; expirationDate since 9.6).
          path: '/api/user_tokens/generate',
          expiryParam: 'expirationDate',
          nameParam: 'name',
          answer: { token: 'token', expiresAt: 'expirationDate' },
          previous: { revokedBy: 'by_name', path: '/api/user_tokens/revoke', nameParam: 'name' },
          list: { path: '/api/user_tokens/search', names: 'userTokens', nameField: 'name' },
          needs: 'a user token of the same user',
          fix: "ask a SonarQube administrator to let this user generate tokens (or lift the instance's restriction), or re-authenticate with a new one",
          docs: 'https://next.sonarqube.com/sonarqube/web_api/api/user_tokens',
        },
        hook: 'sonarqube',
        failureHint: 'SonarQube Cloud deletes personal tokens unused for 60 days.',
      },
    },
  },
} as const satisfies Record<ProviderKey, ProviderSpec>;

export function providerSpec(provider: ProviderKey): ProviderSpec {
  return PROVIDERS[provider];
}

export function authSpec(provider: ProviderKey, auth: AuthKey): AuthSpec | undefined {
  const auths: ProviderSpec['auths'] = PROVIDERS[provider].auths;
  return auths[auth];
}

/** Each provider's concurrency cap, for the HTTP client. */
export function providerConcurrencyCaps(): Record<string, number> {
  return Object.fromEntries(Object.entries(PROVIDERS).map(([key, spec]) => [key, spec.concurrency]));
}

export function isProviderKey(value: unknown): value is ProviderKey {
  return typeof value === 'string' && Object.hasOwn(PROVIDERS, value);
}

/** Every provider/auth row of docs/catalogue.md, in table order. */
export function providerAuthRows(): { provider: ProviderKey; auth: AuthKey }[] {
  const rows: { provider: ProviderKey; auth: AuthKey }[] = [];
  for (const provider of Object.keys(PROVIDERS) as ProviderKey[]) {
    for (const auth of Object.keys(PROVIDERS[provider].auths) as AuthKey[]) rows.push({ provider, auth });
  }
  return rows;
}

/** Provider/auth rows that can renew their credential themselves (for `rotate:` and its error message). */
export function rotatableRows(): { provider: ProviderKey; auth: AuthKey; label: string }[] {
  return (Object.entries(PROVIDERS) as [ProviderKey, ProviderSpec][]).flatMap(([provider, spec]) =>
    (Object.entries(spec.auths) as [AuthKey, AuthSpec][])
      .filter(([, auth]) => auth.rotation)
      .map(([auth]) => ({ provider, auth, label: `${provider} ${auth}` })),
  );
}
