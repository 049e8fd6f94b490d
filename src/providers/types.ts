import type { ClientKind } from './machine/clients.js';

/** Provider and auth-type keys of docs/catalogue.md, and the shapes every provider entry shares. */

export const PROVIDER_KEYS = [
  'jira',
  'github',
  'github_actions',
  'bitbucket',
  'azure_devops',
  'harness',
  'gitlab',
  'sonarqube',
] as const;
export type ProviderKey = (typeof PROVIDER_KEYS)[number];

export const AUTH_KEYS = [
  'api_key',
  'pat',
  'oauth',
  'connect_app',
  'github_app',
  'app_installation',
  'service_principal',
  'client_credentials',
  'access_token',
  'service_account',
] as const;
export type AuthKey = (typeof AUTH_KEYS)[number];

export const isAuthKey = (value: unknown): value is AuthKey =>
  typeof value === 'string' && (AUTH_KEYS as readonly string[]).includes(value);

/** Catalogue fields a provider may require or accept besides the common ones. */
export type ProviderField = 'url' | 'organization' | 'service' | 'account_id' | 'repository';

/** The fields of the re-authentication form: one type for the form, the parser and the outcome (SPEC §5, §12). */
export const FORM_FIELDS = [
  'email',
  'username',
  'token',
  'private_key',
  'client_id',
  'client_secret',
  'expires_on',
] as const;
export type FormField = (typeof FORM_FIELDS)[number];

/** What a person types in the modal, per provider/auth row. */
export type CredentialForm =
  | {
      kind: 'token';
      /** The identity field that goes with the secret, if any. */
      identifier: 'email' | 'username' | 'none';
      /** Several tokens, one per line (GitHub PAT pools). */
      pool: boolean;
      tokenLabel: string;
      /** Where to create the credential and what it needs. */
      hint: string;
      /** The form asks for the token's end date (`expires_on`), with this hint: the provider's API does not tell it. */
      expiryHint?: string;
    }
  | { kind: 'oauth'; hint: string /** Who the person signs in with ("Continue to …"). */; signInWith: string }
  | {
      kind: 'machine';
      /** An App's private key. */
      root: 'private_key';
      /** Where to create it and what it needs. */
      hint: string;
    }
  | {
      kind: 'machine';
      /** An OAuth 2.0 client's id and secret. */
      root: 'client_secret';
      /** Which client: its id's shape and the words for it (machine/clients.ts). */
      client: ClientKind;
      /** Where to create it and what it needs. */
      hint: string;
    }
  | { kind: 'unsupported'; instead: string };

/** Catalogue fields of machine identities: where the identity lives at its provider. */
export type MachineField =
  | 'app_id'
  | 'installation_id'
  | 'tenant_id'
  | 'authority'
  | 'workspace'
  | 'cloud_id'
  | 'auth_url'
  | 'api_url';

/**
 * A machine identity (SPEC §12): which minter turns its root secret into access tokens, and the catalogue
 * fields that say where it lives.
 */
export interface MachineSpec {
  /** Which settings the catalogue fields make, and (when it mints) which minter uses them. */
  minter: 'github_app' | 'entra' | 'bitbucket' | 'atlassian';
  /** False for a credential that is used as entered but has a place at its provider (a Bitbucket access token's workspace). */
  mints?: boolean;
  requiredFields: readonly MachineField[];
  optionalFields: readonly MachineField[];
}

/** The form of a typed credential. */
export type TokenForm = Extract<CredentialForm, { kind: 'token' }>;

/** How the secret travels in the validation request. */
export type AuthHeaderStyle =
  | 'basic_identifier' // Basic base64(email|username:token)
  | 'basic_empty_user' // Basic base64(":" + token) — Azure DevOps PATs
  | 'bearer'
  | 'x_api_key' // Harness
  | 'private_token'; // GitLab PRIVATE-TOKEN

/** Dotted JSON paths into the validation response naming who the credential belongs to. */
export interface IdentityPaths {
  /** The provider's stable user id: the same-account check before a hand-over compares it. */
  id: string;
  name?: string;
  email?: string;
  username?: string;
}

export interface RateLimitHeaders {
  remaining: string;
  reset?: string;
  /** GitHub, GitLab and Azure DevOps send epoch seconds; Jira sends ISO-8601. */
  resetFormat: 'epoch' | 'iso';
}

/** The data that describes one validation call. Quirks live in hooks. */
export interface ValidationSpec {
  method: 'GET';
  path: string;
  header: AuthHeaderStyle;
  /** Query parameters filled from catalogue fields, e.g. Harness accountIdentifier. */
  query?: Record<string, ProviderField>;
  extraHeaders?: Record<string, string>;
  identity: IdentityPaths;
  scopesHeader?: string;
  /** Tokens whose scopes the header does not describe (GitHub fine-grained PATs): their scopes are unknown. */
  scopesUnknownFor?: RegExp;
  expiryHeader?: string;
  rateLimit?: RateLimitHeaders;
}

/** A secret shape that belongs to another kind of credential. */
export interface ForeignShape {
  pattern: RegExp;
  /** Completes "This looks like …". */
  looksLike: string;
  /** What to do instead, where the usual "paste the right kind, or change auth" is not the advice (a retired kind). */
  instead?: string;
}

/**
 * An OAuth code flow, as data: where its endpoints live below the client's configured base URL and
 * how the client authenticates. The client's id, secret and base URL come from the configuration.
 */
export interface OAuthFlowSpec {
  /** Which configured OAuth client signs the flow (BITBUCKET_OAUTH_* or AZURE_OAUTH_*). */
  client: 'bitbucket' | 'entra';
  /** Who the person signs in with, in messages. */
  label: string;
  authorizePath: string;
  tokenPath: string;
  /** Client credentials as HTTP Basic at the token endpoint, or in the form body. */
  clientAuth: 'basic' | 'body';
  /** Requested in the authorize URL and at the token endpoint; absent where scopes live on the client. */
  scope?: string;
  pkce: boolean;
  /** Extra authorize-URL parameters. */
  authorizeParams?: Readonly<Record<string, string>>;
  /** How long a refresh token lives, where the provider says (ms); null when it does not expire on a clock. */
  refreshLifetimeMs: number | null;
}

/**
 * Renewing a credential with itself, as data: the call, how the new one's lifetime is asked, where the
 * answer holds it, and what becomes of the previous one. A provider documented to offer such a call
 * is one entry here (and at most one hook for what data cannot say).
 */
export interface RotationSpec {
  /** The call, below the integration's URL, made with the current credential (a form body). */
  path: string;
  /** The form parameter that asks for the new credential's expiry date (YYYY-MM-DD). */
  expiryParam: string;
  /** The form parameter naming the new token, where the provider wants a name (SonarQube): `reauth-{id}-…`. */
  nameParam?: string;
  /** JSON paths of the answer: the new secret, and its expiry when the answer says it. */
  answer: { token: string; expiresAt?: string };
  /** `provider`: revoked by the call itself (GitLab); `by_name`: Reauth revokes a token it generated, by name. */
  previous: { revokedBy: 'provider' } | { revokedBy: 'by_name'; path: string; nameParam: string };
  /** Lists the user's tokens by name, to find ones an interrupted rotation left behind. */
  list?: { path: string; names: string; nameField: string };
  /** What the current credential needs to rotate itself, in people's words ("the api or self_rotate scope"). */
  needs: string;
  /** What a person does when the provider refuses (403), completing "…; ": one instruction. */
  fix: string;
  /** Where the documentation of the call lives. */
  docs: string;
}

export interface AuthSpec {
  label: string;
  /** Where the provider lets the credential renew itself (`rotate:` in integrations.yml). */
  rotation?: RotationSpec;
  form: CredentialForm;
  /** OAuth auth types: the flow that obtains the credential. */
  flow?: OAuthFlowSpec;
  validation?: ValidationSpec;
  foreignShapes?: readonly ForeignShape[];
  /** Each inner list is a set of alternatives; every group must be satisfied. */
  requiredScopes?: readonly (readonly string[])[];
  hook?: HookName;
  /** Machine identities: the root secret mints short-lived access tokens. */
  machine?: MachineSpec;
  /** Shown on a failure alert: a known reason this kind of credential stops working. */
  failureHint?: string;
}

export type HookName =
  | 'jira'
  | 'github'
  | 'github_actions'
  | 'azure_devops'
  | 'sonarqube'
  | 'gitlab'
  | 'harness'
  | 'bitbucket_access_token';

export interface ProviderSpec {
  label: string;
  /** May contain {organization}. Absent: the catalogue must give `url`. */
  defaultUrl?: string;
  requiredFields: readonly ProviderField[];
  optionalFields: readonly ProviderField[];
  auths: Partial<Record<AuthKey, AuthSpec>>;
  /** Where people go to make a new credential. */
  credentialPage?: string;
  /** Concurrent requests to this provider, across all integrations. */
  concurrency: number;
  /** Integrations with the same value of this field share one credential (Azure DevOps: the organization). */
  sharesCredentialBy?: 'organization';
}

export const AZURE_DEVOPS_SERVICES = ['boards', 'repos', 'pipelines'] as const;
