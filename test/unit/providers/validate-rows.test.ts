import { describe, expect, it } from 'vitest';
import type { HttpClient } from '../../../src/providers/http.js';
import type { TokenSecret } from '../../../src/providers/call.js';
import { validateToken } from '../../../src/providers/validate.js';
import type { AuthKey, ProviderKey } from '../../../src/providers/types.js';
import type { ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import type { EmulatedToken, RecordedRequest } from '../../../src/sandbox/providers/types.js';
import { basic, contextFor, testHttpClient, useProviderEmulator } from '../../helpers/providers.js';

interface Row {
  provider: ProviderKey;
  auth: AuthKey;
  identifier?: string;
  token: string;
  entry?: Partial<EmulatedToken>;
  /** How the emulator makes this row's credential lack a permission, where the provider can say so. */
  lacking?: Partial<EmulatedToken>;
  /** Asserts the exact auth header format the real provider expects. */
  header: (req: RecordedRequest, secret: TokenSecret) => void;
  expectedName: string;
}

const ID = { id: '5b10ac8d82e05b22cc7d4ef5', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

/** Every token row of docs/catalogue.md, plus the OAuth rows validated with an access token. */
const ROWS: Row[] = [
  {
    provider: 'jira',
    auth: 'api_key',
    lacking: { status: 'insufficient_scope' },
    identifier: 'jane@acme.com',
    token: 'ATATT3xFfGF0RowJiraCloudToken0123456789=AB12CD34',
    entry: { basicUser: 'jane@acme.com' },
    header: (r, s) => expect(r.headers.authorization).toBe(basic(s.identifier ?? '', s.token)),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'jira',
    auth: 'pat',
    token: 'NjQ1MjM0NTY3ODkwOkRhdGFDZW50ZXJQQVQ',
    header: (r, s) => expect(r.headers.authorization).toBe(`Bearer ${s.token}`),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'github',
    auth: 'pat',
    lacking: { scopes: ['read:user'] },
    identifier: 'jane@acme.com',
    token: 'ghp_RowGithubClassic0123456789abcdefABCD',
    entry: { scopes: ['repo', 'read:org', 'read:user'] },
    header: (r, s) => {
      expect(r.headers.authorization).toBe(`Bearer ${s.token}`);
      expect(r.headers['x-github-api-version']).toBe('2022-11-28');
      expect(r.headers.accept).toBe('application/vnd.github+json');
    },
    expectedName: 'Jane Doe',
  },
  {
    provider: 'github_actions',
    auth: 'pat',
    lacking: { scopes: ['public_repo'] },
    identifier: 'jane@acme.com',
    token: 'ghp_RowGithubActions0123456789abcdefABCD',
    entry: { provider: 'github_actions', scopes: ['repo', 'read:org'] },
    header: (r, s) => expect(r.headers.authorization).toBe(`Bearer ${s.token}`),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'bitbucket',
    auth: 'api_key',
    lacking: { status: 'insufficient_scope' },
    identifier: 'jane@acme.com',
    token: 'ATATT3xFfGF0RowBitbucketToken0123456789=AB12CD34',
    entry: { basicUser: 'jane@acme.com' },
    header: (r, s) => expect(r.headers.authorization).toBe(basic(s.identifier ?? '', s.token)),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'bitbucket',
    auth: 'oauth',
    token: 'bitbucketAccessTokenRow0123456789',
    header: (r, s) => expect(r.headers.authorization).toBe(`Bearer ${s.token}`),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'azure_devops',
    auth: 'pat',
    identifier: 'jane@acme.com',
    token: 'adopatrowtoken0123456789abcdefghijklmnopqrstuvwxyz01',
    entry: { organization: 'acme' },
    header: (r, s) => {
      expect(r.headers.authorization).toBe(basic('', s.token));
      expect(r.headers['x-tfs-fedauthredirect']).toBe('Suppress');
      expect(r.path).toBe('/azure/acme/_apis/connectionData');
    },
    expectedName: 'Jane Doe',
  },
  {
    provider: 'azure_devops',
    auth: 'oauth',
    token: 'entraAccessTokenRow0123456789',
    header: (r, s) => expect(r.headers.authorization).toBe(`Bearer ${s.token}`),
    expectedName: 'Jane Doe',
  },
  {
    provider: 'harness',
    auth: 'api_key',
    lacking: { status: 'insufficient_scope' },
    identifier: 'jane@acme.com',
    token: 'pat.acct1.tokenid0123.RowHarnessSecret0123',
    entry: { accountId: 'acct1' },
    header: (r, s) => {
      expect(r.headers['x-api-key']).toBe(s.token);
      expect(r.headers.authorization).toBeUndefined();
      expect(r.query.accountIdentifier).toBe('acct1');
    },
    expectedName: 'Jane Doe',
  },
  {
    provider: 'gitlab',
    auth: 'pat',
    lacking: { scopes: ['read_repository'] },
    token: 'glpat-RowGitlabToken0123456789',
    entry: { scopes: ['read_api'] },
    header: (r, s) => {
      expect(r.headers['private-token']).toBe(s.token);
      expect(r.path).toMatch(/^\/gitlab\/api\/v4\/(personal_access_tokens\/self|user)$/);
    },
    expectedName: 'Jane Doe',
  },
  {
    provider: 'sonarqube',
    auth: 'api_key',
    identifier: 'jane',
    token: 'squ_RowSonarToken0123456789abcdef0123456789',
    header: (r, s) => expect(r.headers.authorization).toBe(`Bearer ${s.token}`),
    expectedName: 'Jane Doe',
  },
];

describe.each(ROWS)('$provider/$auth', (row) => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  const secret = (token = row.token): TokenSecret => ({ identifier: row.identifier, token });
  const set = (token: string, patch: Partial<EmulatedToken> = {}) =>
    emulator.setToken(token, { provider: row.provider, identity: ID, ...row.entry, ...patch });
  const validate = (token = row.token) =>
    validateToken(contextFor(emulator, http, row.provider, row.auth), secret(token));

  useProviderEmulator((e, h) => {
    emulator = e;
    http = h;
  });

  it('valid: names the identity and sends the exact auth header', async () => {
    set(row.token);
    const outcome = await validate();
    expect(outcome).toMatchObject({ kind: 'valid' });
    if (outcome.kind !== 'valid') return;
    expect(outcome.identity.name).toBe(row.expectedName);
    expect(outcome.reason).toContain('accepted the credential as Jane Doe');
    const requests = emulator.requestsWith(row.token);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) row.header(request, secret());
  });

  it('invalid_credentials: an unknown token is refused and requested exactly once', async () => {
    const token = `${row.token}-unknown`;
    const outcome = await validate(token);
    expect(outcome.kind).toBe('invalid_credentials');
    expect(outcome.reason.length).toBeGreaterThan(30);
    expect(emulator.requestsWith(token)).toHaveLength(1);
  });

  it('invalid_credentials: a revoked token is refused and requested exactly once', async () => {
    const token = `${row.token}-revoked`;
    set(token, { status: 'revoked' });
    expect((await validate(token)).kind).toBe('invalid_credentials');
    expect(emulator.requestsWith(token)).toHaveLength(1);
  });

  it('rate_limited: says when to retry', async () => {
    const token = `${row.token}-limited`;
    set(token, { status: 'rate_limited', retryAfterSeconds: 120 });
    const outcome = await validate(token);
    expect(outcome.kind).toBe('rate_limited');
    if (outcome.kind !== 'rate_limited') return;
    if (row.provider === 'harness') {
      // Harness sends no Retry-After: backed off and retried, then reported without a time.
      expect(outcome.retryAt).toBeNull();
      expect(outcome.reason).toContain('try again in a minute');
      expect(emulator.requestsWith(token)).toHaveLength(3);
      return;
    }
    expect(outcome.retryAt?.getTime() ?? 0).toBeGreaterThan(Date.now() + 60_000);
    expect(outcome.reason).toMatch(/rate-limiting this credential until .* UTC/);
    // A Retry-After beyond the cap is not waited for.
    expect(emulator.requestsWith(token)).toHaveLength(1);
  });

  it('provider_error: a 5xx is retried with backoff, then reported', async () => {
    const token = `${row.token}-5xx`;
    set(token, { status: 'server_error' });
    const outcome = await validate(token);
    expect(outcome).toMatchObject({ kind: 'provider_error', status: 503 });
    // The message names method, host and path — and never the secret.
    expect(outcome.reason).toMatch(/\(GET 127\.0\.0\.1:\d+\/[\w/.-]+ → HTTP 503: server error\)/);
    expect(outcome.reason).not.toContain(token);
    expect(emulator.requestsWith(token)).toHaveLength(3);
  });

  it('unreachable: a closed port is reported as unreachable', async () => {
    const ctx = contextFor(emulator, http, row.provider, row.auth, { url: 'http://127.0.0.1:9/nothing' });
    const outcome = await validateToken(ctx, secret());
    expect(outcome.kind).toBe('unreachable');
    expect(outcome.reason).toContain('refused the connection');
  });

  it('unreachable: a provider slower than the timeout is reported as unreachable', async () => {
    const token = `${row.token}-slow`;
    set(token, { status: 'slow', delayMs: 400 });
    const slowClient = testHttpClient({
      requestTimeoutMs: 100,
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    });
    try {
      const outcome = await validateToken(contextFor(emulator, slowClient, row.provider, row.auth), secret(token));
      expect(outcome.kind).toBe('unreachable');
      expect(outcome.reason).toContain('did not answer in time');
    } finally {
      await slowClient.close();
    }
  });

  it('a malformed answer is never taken as valid', async () => {
    const token = `${row.token}-malformed`;
    set(token, { status: 'malformed' });
    const outcome = await validate(token);
    // Azure DevOps' 2xx HTML is its sign-in page: a credential failure by design.
    expect(outcome.kind).toBe(row.provider === 'azure_devops' ? 'invalid_credentials' : 'provider_error');
  });
});

describe.each(ROWS.filter((r) => r.lacking))('$provider/$auth with a permission missing', (row) => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  useProviderEmulator((e, h) => {
    emulator = e;
    http = h;
  });

  it('insufficient_scope: is refused, naming what is missing', async () => {
    const token = `${row.token}-lacking`;
    emulator.setToken(token, { provider: row.provider, identity: ID, ...row.entry, ...row.lacking });
    const outcome = await validateToken(
      contextFor(
        emulator,
        http,
        row.provider,
        row.auth,
        row.provider === 'github_actions' ? { repository: 'acme/api' } : {},
      ),
      { identifier: row.identifier, token },
    );
    expect(outcome.kind).toBe('insufficient_scope');
    expect(outcome.reason).toMatch(/lacks|permission/);
  });
});
