import type { ProviderKey } from '../../providers/types.js';

/** How an emulated token behaves. Every field is optional; a bare entry is a valid token. */
export type TokenStatus =
  | 'valid'
  | 'revoked'
  | 'expired'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'slow'
  | 'server_error'
  | 'malformed';

export type TokenQuirk =
  | 'jira_seraph_failed' // 200 + X-Seraph-LoginReason: AUTHENTICATED_FAILED
  | 'jira_seraph_denied' // 200 + X-Seraph-LoginReason: AUTHENTICATION_DENIED
  | 'ado_sign_in_page' // 203 HTML sign-in page even with X-TFS-FedAuthRedirect: Suppress
  | 'sonar_anonymous' // validate → valid:true, users/current → isLoggedIn:false
  | 'github_sso' // 403 + X-GitHub-SSO
  | 'github_secondary_rate_limit' // 403 + retry-after + "secondary rate limit"
  | 'github_missing_permission' // 403 + X-Accepted-GitHub-Permissions
  | 'gitlab_not_pat'; // 400 "requires token type to be a personal access token"

export interface EmulatedIdentity {
  id: string;
  name?: string;
  email?: string;
  username?: string;
}

export interface EmulatedToken {
  provider: ProviderKey;
  status?: TokenStatus;
  quirk?: TokenQuirk;
  identity?: EmulatedIdentity;
  /** Basic auth must carry this user (email or username) with the token. */
  basicUser?: string;
  /** GitHub classic X-OAuth-Scopes; GitLab token scopes. Absent: fine-grained (no header). */
  scopes?: string[];
  expiresAt?: Date;
  rateLimitRemaining?: number;
  /** Seconds for Retry-After on rate_limited; absent: no Retry-After header (Harness). */
  retryAfterSeconds?: number;
  delayMs?: number;
  /** Repositories whose Actions runs the token may list. */
  actionsRepos?: string[];
  /** Azure DevOps organization the PAT is valid for. */
  organization?: string;
  /** Harness account the token belongs to. */
  accountId?: string;
  /** Harness service-account token. */
  serviceAccount?: boolean;
  /** SonarQube: the token's name (unique per login); absent for one made by hand. */
  tokenName?: string;
  /** GitLab: the token this one was rotated into (presenting this one again revokes that chain). */
  rotatedTo?: string;
  /** A GitHub App installation token: the App and installation that minted it. */
  installation?: { appId: number; id: string };
  /** Azure DevOps organizations a service principal's Entra token is valid for (a PAT has `organization`). */
  organizations?: string[];
  /** A token minted by a client-credentials grant (an Entra service principal's, a Bitbucket consumer's): unknown once it ends. */
  minted?: boolean;
  /** An Atlassian service account's token: the OAuth 2.0 credential (client id) that minted it; it works only through the gateway. */
  atlassianClient?: string;
  /** Bitbucket workspaces a consumer's or an access token may read. */
  workspaces?: string[];
  /** A Bitbucket repository access token: the repositories (`workspace/slug`) it may read. */
  repositories?: string[];
  /** Faults of a renewal call made with this token: an answer without the new token, or a successor that behaves otherwise. */
  rotationFault?: { answer?: 'no_token'; successor?: Partial<EmulatedToken> };
}

export interface RecordedRequest {
  at: number;
  mount: string;
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
  /** The secret this request authenticated with, as the emulator understood it. */
  token: string | undefined;
}
