import type { ServerResponse } from 'node:http';
import type { ProviderKey } from '../../providers/types.js';
import { bearerOf, parseBasic, sendHtml, sendJson } from './http-utils.js';
import type { EmulatedToken } from './types.js';

/** A request reaching one provider's mount, with its credential already found. */
export interface ProviderCall {
  method: string;
  /** Path below the mount, e.g. /rest/api/3/myself or /acme/_apis/connectionData. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: string;
  token: string | undefined;
  /** The Basic user, when the request used Basic auth. */
  basicUser: string | undefined;
  entry: EmulatedToken | undefined;
  now: number;
}

export type Handler = (call: ProviderCall, res: ServerResponse) => void;

/** Finds the secret each provider expects, in the header that provider uses. */
export function credentialOf(
  provider: ProviderKey,
  headers: Record<string, string>,
): { token?: string; basicUser?: string } {
  if (provider === 'harness') return headers['x-api-key'] ? { token: headers['x-api-key'] } : {};
  if (provider === 'gitlab' && headers['private-token']) return { token: headers['private-token'] };
  const basic = parseBasic(headers.authorization);
  if (basic) return { token: basic.password, basicUser: basic.user };
  const bearer = bearerOf(headers.authorization);
  return bearer ? { token: bearer } : {};
}

const ok = (entry: EmulatedToken | undefined) =>
  entry !== undefined &&
  (entry.status === undefined ||
    entry.status === 'valid' ||
    entry.status === 'slow' ||
    entry.status === 'insufficient_scope');

/** Is this call authenticated as far as the provider can tell (token known, live, right Basic user)? */
function authenticated(call: ProviderCall): boolean {
  if (!ok(call.entry)) return false;
  if (
    call.entry?.basicUser !== undefined &&
    call.basicUser !== undefined &&
    call.entry.basicUser.toLowerCase() !== call.basicUser.toLowerCase()
  )
    return false;
  return true;
}

/** Common failure states every provider shares; returns true when it answered. */
function commonFailure(call: ProviderCall, res: ServerResponse, rateLimit: (res: ServerResponse) => void): boolean {
  const status = call.entry?.status;
  if (status === 'server_error') {
    sendJson(res, 503, { message: 'Service Unavailable' });
    return true;
  }
  if (status === 'rate_limited') {
    rateLimit(res);
    return true;
  }
  if (status === 'malformed') {
    sendHtml(res, 200, '<html><body>Maintenance</body></html>');
    return true;
  }
  return false;
}

const retryAfter = (entry: EmulatedToken | undefined): Record<string, string> =>
  entry?.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(entry.retryAfterSeconds) };

const identityOf = (entry: EmulatedToken | undefined) =>
  entry?.identity ?? { id: 'user-1', name: 'Emulated User', email: 'user@example.com', username: 'emulated' };

const notFound = (res: ServerResponse) => sendJson(res, 404, { message: 'Not Found' });

// --- Jira ------------------------------------------------------------------------------------
const jira: Handler = (call, res) => {
  if (!/^\/rest\/api\/[23]\/myself$/.test(call.path)) return notFound(res);
  if (
    commonFailure(call, res, (r) =>
      sendJson(
        r,
        429,
        { message: 'Rate limit exceeded' },
        {
          ...retryAfter(call.entry),
          'X-RateLimit-Reset': `${new Date(call.now + 60_000).toISOString().slice(0, 16)}Z`,
        },
      ),
    )
  )
    return;
  const id = identityOf(call.entry);
  if (call.entry?.quirk === 'jira_seraph_failed' || call.entry?.quirk === 'jira_seraph_denied') {
    // Jira treats the caller as anonymous and says so only in a header.
    sendJson(
      res,
      200,
      { accountId: null, displayName: 'Anonymous' },
      {
        'X-Seraph-LoginReason':
          call.entry.quirk === 'jira_seraph_failed' ? 'AUTHENTICATED_FAILED' : 'AUTHENTICATION_DENIED',
      },
    );
    return;
  }
  if (!authenticated(call)) {
    sendJson(
      res,
      401,
      { message: 'Client must be authenticated to access this resource.', 'status-code': 401 },
      { 'X-Seraph-LoginReason': 'AUTHENTICATED_FAILED', 'WWW-Authenticate': 'OAuth realm="https%3A%2F%2Fjira"' },
    );
    return;
  }
  if (call.entry?.status === 'insufficient_scope') return sendJson(res, 403, { message: 'Forbidden' });
  const v2 = call.path.includes('/api/2/');
  sendJson(
    res,
    200,
    v2
      ? { key: id.id, name: id.username ?? id.id, displayName: id.name, emailAddress: id.email, active: true }
      : { accountId: id.id, displayName: id.name, emailAddress: id.email, active: true },
    { 'X-RateLimit-Remaining': '99' },
  );
};

// --- GitHub ----------------------------------------------------------------------------------
const githubRateHeaders = (entry: EmulatedToken | undefined, now: number) => ({
  'x-ratelimit-limit': '5000',
  'x-ratelimit-remaining': String(entry?.rateLimitRemaining ?? 4999),
  'x-ratelimit-reset': String(Math.floor(now / 1000) + 3600),
  'x-ratelimit-resource': 'core',
});

const github: Handler = (call, res) => {
  const runs = /^\/repos\/([^/]+\/[^/]+)\/actions\/runs$/.exec(call.path);
  if (call.path !== '/user' && !runs) return notFound(res);
  const rate = githubRateHeaders(call.entry, call.now);
  if (
    commonFailure(call, res, (r) =>
      sendJson(
        r,
        403,
        { message: 'API rate limit exceeded for user.' },
        { ...rate, 'x-ratelimit-remaining': '0', ...retryAfter(call.entry) },
      ),
    )
  )
    return;
  if (!authenticated(call))
    return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  const entry = call.entry as EmulatedToken;
  switch (entry.quirk) {
    case 'github_sso':
      return sendJson(
        res,
        403,
        { message: 'Resource protected by organization SAML enforcement.' },
        { ...rate, 'X-GitHub-SSO': 'required; url=https://github.com/orgs/acme/sso?authorization_request=EMULATED' },
      );
    case 'github_secondary_rate_limit':
      return sendJson(
        res,
        403,
        { message: 'You have exceeded a secondary rate limit.' },
        { ...rate, 'retry-after': '60' },
      );
    case 'github_missing_permission':
      return sendJson(
        res,
        403,
        { message: 'Resource not accessible by personal access token' },
        { ...rate, 'X-Accepted-GitHub-Permissions': 'actions=read' },
      );
  }
  const headers: Record<string, string> = { ...rate };
  if (entry.scopes !== undefined) headers['x-oauth-scopes'] = entry.scopes.join(', ');
  if (entry.expiresAt)
    headers['github-authentication-token-expiration'] = entry.expiresAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
  if (runs) {
    if (!entry.actionsRepos?.includes(runs[1] ?? '')) return sendJson(res, 404, { message: 'Not Found' }, headers);
    return sendJson(res, 200, { total_count: 1, workflow_runs: [{ id: 1, status: 'completed' }] }, headers);
  }
  const id = identityOf(entry);
  sendJson(
    res,
    200,
    { id: Number(id.id) || id.id, login: id.username ?? 'octocat', name: id.name ?? null, email: id.email ?? null },
    headers,
  );
};

// --- Bitbucket -------------------------------------------------------------------------------
const bitbucket: Handler = (call, res) => {
  const repositories = /^\/2\.0\/repositories\/([^/]+)(?:\/([^/]+))?$/.exec(call.path);
  if (repositories)
    return bitbucketRepositories(
      call,
      res,
      decodeURIComponent(repositories[1] ?? ''),
      repositories[2] === undefined ? undefined : decodeURIComponent(repositories[2]),
    );
  if (call.path !== '/2.0/user') return notFound(res);
  if (
    commonFailure(call, res, (r) =>
      sendJson(
        r,
        429,
        { type: 'error', error: { message: 'Rate limit for this resource has been exceeded' } },
        retryAfter(call.entry),
      ),
    )
  )
    return;
  if (!authenticated(call))
    return sendJson(
      res,
      401,
      { type: 'error', error: { message: 'Unauthorized' } },
      { 'WWW-Authenticate': 'Basic realm="Bitbucket.org HTTP"' },
    );
  if (call.entry?.status === 'insufficient_scope')
    return sendJson(res, 403, {
      type: 'error',
      error: { message: 'Your credentials lack one or more required privilege scopes.' },
    });
  const id = identityOf(call.entry);
  sendJson(res, 200, {
    account_id: id.id,
    uuid: `{${id.id}}`,
    display_name: id.name,
    nickname: id.username,
    type: 'user',
  });
};

/** A workspace's repositories (the consumer's and the access token's check): a token of that workspace only. */
function bitbucketRepositories(call: ProviderCall, res: ServerResponse, workspace: string, slug?: string): void {
  if (!authenticated(call)) return sendJson(res, 401, { type: 'error', error: { message: 'Unauthorized' } });
  if (!call.entry?.workspaces?.some((w) => w.toLowerCase() === workspace.toLowerCase()))
    return sendJson(res, 403, {
      type: 'error',
      error: { message: 'Your credentials lack one or more required privilege scopes.' },
    });
  if (slug !== undefined) {
    if (call.entry.repositories && !call.entry.repositories.includes(`${workspace}/${slug}`))
      return sendJson(res, 404, { type: 'error', error: { message: 'Repository not found' } });
    return sendJson(res, 200, { type: 'repository', full_name: `${workspace}/${slug}`, slug });
  }
  const pagelen = Math.max(1, Math.min(100, Number(call.query.get('pagelen') ?? 10)));
  sendJson(res, 200, {
    pagelen,
    size: 1,
    page: 1,
    values: [{ type: 'repository', full_name: `${workspace}/api`, slug: 'api' }].slice(0, pagelen),
  });
}

// --- Azure DevOps ----------------------------------------------------------------------------
const SIGN_IN_PAGE =
  '<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in</body></html>';

const azureDevops: Handler = (call, res) => {
  const match = /^\/([^/]+)\/_apis\/connectionData$/.exec(call.path);
  if (!match) return notFound(res);
  const org = match[1] ?? '';
  if (
    commonFailure(call, res, (r) =>
      sendJson(
        r,
        429,
        { message: 'TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource.' },
        {
          ...retryAfter(call.entry),
          'X-RateLimit-Resource': 'Core',
          'X-RateLimit-Reset': String(Math.floor(call.now / 1000) + 60),
        },
      ),
    )
  )
    return;
  const suppress = call.headers['x-tfs-fedauthredirect']?.toLowerCase() === 'suppress';
  const organizations = call.entry?.organizations ?? (call.entry?.organization ? [call.entry.organization] : undefined);
  const orgMatches = !organizations || organizations.some((o) => o.toLowerCase() === org.toLowerCase());
  if (call.entry?.quirk === 'ado_sign_in_page' || ((!authenticated(call) || !orgMatches) && !suppress)) {
    // Without the suppress header, a bad PAT gets a 2xx HTML sign-in page (https://github.com/MicrosoftDocs/vsts-rest-api-specs/issues/97).
    return sendHtml(res, 203, SIGN_IN_PAGE);
  }
  if (!authenticated(call)) return sendJson(res, 401, { message: 'Unauthorized' });
  if (!orgMatches)
    return sendJson(res, 401, {
      message: `TF400813: The user '${call.entry?.identity?.email ?? 'unknown'}' is not authorized to access this resource.`,
    });
  const id = identityOf(call.entry);
  sendJson(
    res,
    200,
    {
      authenticatedUser: {
        id: id.id,
        descriptor: `Microsoft.IdentityModel.Claims.ClaimsIdentity;${id.email}`,
        providerDisplayName: id.name,
        properties: { Account: { $type: 'System.String', $value: id.email } },
      },
      authorizedUser: { id: id.id },
      instanceId: '00000000-0000-0000-0000-00000000abcd',
    },
    { 'X-RateLimit-Remaining': '190' },
  );
};

// --- Harness ---------------------------------------------------------------------------------
const harness: Handler = (call, res) => {
  const isUser = call.path === '/ng/api/user/currentUser';
  const isValidate = call.path === '/ng/api/token/validate' && call.method === 'POST';
  if (!isUser && !isValidate) return notFound(res);
  // Harness sends 429 without Retry-After (https://developer.harness.io/docs/platform/rate-limits/).
  if (
    commonFailure(call, res, (r) =>
      sendJson(r, 429, { status: 'ERROR', code: 'TOO_MANY_REQUESTS', message: 'Too many requests' }),
    )
  )
    return;
  if (!authenticated(call))
    return sendJson(res, 401, { status: 'ERROR', code: 'INVALID_TOKEN', message: 'Token is not valid.' });
  const entry = call.entry as EmulatedToken;
  if (entry.accountId && call.query.get('accountIdentifier') !== entry.accountId) {
    return sendJson(res, 403, { status: 'ERROR', code: 'ACCESS_DENIED', message: 'Not authorized for this account' });
  }
  const id = identityOf(entry);
  if (isValidate) {
    const validTo = entry.expiresAt ? entry.expiresAt.getTime() : 0;
    return sendJson(res, 200, {
      status: 'SUCCESS',
      data: {
        valid: true,
        identifier: 'tok',
        name: 'token',
        validFrom: call.now - 1000,
        validTo,
        apiKeyType: entry.serviceAccount ? 'SERVICE_ACCOUNT' : 'USER',
        parentIdentifier: entry.serviceAccount ? (id.username ?? 'svc') : id.id,
        email: id.email,
        username: id.username,
      },
    });
  }
  if (entry.serviceAccount)
    return sendJson(res, 400, {
      status: 'ERROR',
      code: 'INVALID_REQUEST',
      message: 'User not found for service account token',
    });
  if (entry.status === 'insufficient_scope')
    return sendJson(res, 403, { status: 'ERROR', code: 'ACCESS_DENIED', message: 'Missing permission' });
  sendJson(res, 200, {
    status: 'SUCCESS',
    data: { uuid: id.id, name: id.name, email: id.email, disabled: false, locked: false },
  });
};

// --- GitLab ----------------------------------------------------------------------------------
const gitlab: Handler = (call, res) => {
  const isSelf = call.path === '/api/v4/personal_access_tokens/self';
  const isUser = call.path === '/api/v4/user';
  if (!isSelf && !isUser) return notFound(res);
  if (
    commonFailure(call, res, (r) =>
      sendJson(
        r,
        429,
        { message: 'Retry later' },
        { ...retryAfter(call.entry), 'RateLimit-Reset': String(Math.floor(call.now / 1000) + 60) },
      ),
    )
  )
    return;
  const entry = call.entry;
  if (entry?.quirk === 'gitlab_not_pat')
    return sendJson(res, 400, {
      message: '400 Bad request - This endpoint requires token type to be a personal access token',
    });
  if (entry?.status === 'revoked')
    return sendJson(res, 401, {
      error: 'invalid_token',
      error_description: 'Token was revoked. You have to re-authorize from the user.',
    });
  if (entry?.status === 'expired')
    return sendJson(res, 401, {
      error: 'invalid_token',
      error_description: 'Token is expired. You can either do re-authorization or token refresh.',
    });
  if (!authenticated(call)) return sendJson(res, 401, { message: '401 Unauthorized' });
  const scopes = entry?.scopes ?? ['read_api'];
  const id = identityOf(entry);
  if (isUser) {
    if (!scopes.some((s) => ['read_user', 'read_api', 'api'].includes(s)))
      return sendJson(res, 403, {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'read_user read_api api',
      });
    return sendJson(res, 200, { id: Number(id.id) || 1, username: id.username, name: id.name, email: id.email });
  }
  sendJson(
    res,
    200,
    {
      id: 42,
      name: 'reauth',
      revoked: false,
      active: true,
      scopes,
      user_id: Number(id.id) || 1,
      created_at: '2026-01-01T00:00:00.000Z',
      expires_at: entry?.expiresAt ? entry.expiresAt.toISOString().slice(0, 10) : null,
    },
    { 'RateLimit-Remaining': '1999' },
  );
};

// --- SonarQube -------------------------------------------------------------------------------
const sonarqube: Handler = (call, res) => {
  const isValidate = call.path === '/api/authentication/validate';
  const isCurrent = call.path === '/api/users/current';
  if (!isValidate && !isCurrent) return notFound(res);
  if (
    commonFailure(call, res, (r) =>
      sendJson(r, 429, { errors: [{ msg: 'Too many requests' }] }, retryAfter(call.entry)),
    )
  )
    return;
  const entry = call.entry;
  const expiry: Record<string, string> = entry?.expiresAt
    ? { 'SonarQube-Authentication-Token-Expiration': entry.expiresAt.toISOString().slice(0, 10) }
    : {};
  if (entry?.quirk === 'sonar_anonymous') {
    return isValidate
      ? sendJson(res, 200, { valid: true })
      : sendJson(res, 200, { isLoggedIn: false, permissions: { global: [] } });
  }
  // validate always answers 200; other endpoints answer 401 to a rejected token (https://docs.sonarsource.com/sonarqube-server/10.0/extension-guide/web-api/).
  if (!authenticated(call))
    return isValidate
      ? sendJson(res, 200, { valid: false })
      : sendJson(res, 401, { errors: [{ msg: 'Authentication required' }] });
  if (isValidate) return sendJson(res, 200, { valid: true }, expiry);
  const id = identityOf(entry);
  sendJson(res, 200, { isLoggedIn: true, login: id.username ?? id.id, name: id.name, email: id.email }, expiry);
};

export const PROVIDER_HANDLERS: Record<ProviderKey, Handler> = {
  jira,
  github,
  github_actions: github,
  bitbucket,
  azure_devops: azureDevops,
  harness,
  gitlab,
  sonarqube,
};

/** URL path prefix of each provider's mount on the emulator. */
export const MOUNTS: Record<ProviderKey, string> = {
  jira: '/jira',
  github: '/github',
  github_actions: '/github',
  bitbucket: '/bitbucket',
  azure_devops: '/azure',
  harness: '/harness',
  gitlab: '/gitlab',
  sonarqube: '/sonarqube',
};
