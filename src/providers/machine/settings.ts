/**
 * Where a machine identity lives at its provider, from integrations.yml (SPEC §12): what a minted token
 * is asked of, and part of what the stored root secret is bound to.
 */
export type MachineSettings =
  | {
      kind: 'github_app';
      /** The App's numeric id or its client id (`Iv…`): the JWT's issuer. */
      appId: string;
      installationId: string;
    }
  | {
      kind: 'entra';
      tenantId: string;
      /** The Entra authority, e.g. https://login.microsoftonline.com (other clouds, tests). */
      authority: string;
    }
  | {
      kind: 'bitbucket';
      /** The workspace whose repositories the consumer reads (its slug). */
      workspace: string;
    }
  | {
      kind: 'atlassian';
      /** Atlassian's token endpoint is below it (default https://auth.atlassian.com). */
      authUrl: string;
      /** Atlassian's API gateway: accessible-resources and /ex/jira/{cloud_id}/… (default https://api.atlassian.com). */
      apiUrl: string;
      /** The site's cloud id as integrations.yml gives it; null: discovered at validation and kept with the credential. */
      cloudId: string | null;
    };

/** Where machine identities' token endpoints are that come from the configuration, not the catalogue. */
export interface MachineEndpoints {
  /** BITBUCKET_OAUTH_URL: a Bitbucket consumer's token endpoint is below it. */
  bitbucketOAuthUrl: string;
}

export const DEFAULT_MACHINE_ENDPOINTS: MachineEndpoints = { bitbucketOAuthUrl: 'https://bitbucket.org' };

/** The endpoints from the configuration's values (BITBUCKET_OAUTH_URL). */
export const machineEndpointsOf = (config: { bitbucketOAuthUrl: string }): MachineEndpoints => ({
  bitbucketOAuthUrl: config.bitbucketOAuthUrl,
});

export const DEFAULT_ENTRA_AUTHORITY = 'https://login.microsoftonline.com';

export const DEFAULT_ATLASSIAN_AUTH_URL = 'https://auth.atlassian.com';
export const DEFAULT_ATLASSIAN_API_URL = 'https://api.atlassian.com';
