import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../../../src/providers/http.js';
import { validateToken } from '../../../src/providers/validate.js';
import type { ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { contextFor, useProviderEmulator } from '../../helpers/providers.js';

const ID = { id: '1001', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

describe('provider quirks', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  useProviderEmulator((e, h) => {
    emulator = e;
    http = h;
  });

  describe('Jira', () => {
    it.each(['jira_seraph_failed', 'jira_seraph_denied'] as const)(
      'a 200 carrying X-Seraph-LoginReason (%s) is a failure',
      async (quirk) => {
        emulator.setToken(`ATATT-${quirk}-0123456789abcdef`, { provider: 'jira', quirk, identity: ID });
        const outcome = await validateToken(contextFor(emulator, http, 'jira', 'api_key'), {
          identifier: 'jane@acme.com',
          token: `ATATT-${quirk}-0123456789abcdef`,
        });
        expect(outcome.kind).toBe('invalid_credentials');
        expect(outcome.reason).toMatch(quirk === 'jira_seraph_failed' ? /AUTHENTICATED_FAILED/ : /CAPTCHA/);
      },
    );

    it('an API token with the wrong email is refused and the reason points at the email', async () => {
      emulator.setToken('ATATT-email-check-0123456789', { provider: 'jira', basicUser: 'jane@acme.com', identity: ID });
      const outcome = await validateToken(contextFor(emulator, http, 'jira', 'api_key'), {
        identifier: 'john@acme.com',
        token: 'ATATT-email-check-0123456789',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(outcome.reason).toContain('check the email too');
    });
  });

  describe('Azure DevOps', () => {
    it('sends X-TFS-FedAuthRedirect: Suppress so a bad PAT gets a 401', async () => {
      const outcome = await validateToken(contextFor(emulator, http, 'azure_devops', 'pat'), {
        token: 'ado-unknown-pat-0123456789',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      const request = emulator.requestsWith('ado-unknown-pat-0123456789')[0];
      expect(request?.headers['x-tfs-fedauthredirect']).toBe('Suppress');
    });

    it('a 2xx HTML sign-in page (203) is a failure, never success', async () => {
      emulator.setToken('ado-signin-page-0123456789', {
        provider: 'azure_devops',
        quirk: 'ado_sign_in_page',
        identity: ID,
      });
      const outcome = await validateToken(contextFor(emulator, http, 'azure_devops', 'pat'), {
        token: 'ado-signin-page-0123456789',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(outcome.reason).toContain('sign-in page (HTTP 203)');
    });

    it('a PAT made for another organization is refused', async () => {
      emulator.setToken('ado-other-org-0123456789', { provider: 'azure_devops', organization: 'globex', identity: ID });
      const outcome = await validateToken(contextFor(emulator, http, 'azure_devops', 'pat'), {
        token: 'ado-other-org-0123456789',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(outcome.reason).toContain('acme');
    });
  });

  describe('SonarQube', () => {
    it('validate → valid:true while users/current → isLoggedIn:false is a failure', async () => {
      emulator.setToken('squ_anonymous0123456789abcdef', { provider: 'sonarqube', quirk: 'sonar_anonymous' });
      const outcome = await validateToken(contextFor(emulator, http, 'sonarqube', 'api_key'), {
        identifier: 'jane',
        token: 'squ_anonymous0123456789abcdef',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(outcome.reason).toContain('anonymous');
      expect(emulator.requestsWith('squ_anonymous0123456789abcdef').map((r) => r.path)).toEqual([
        '/sonarqube/api/authentication/validate',
        '/sonarqube/api/users/current',
      ]);
    });

    it('valid:false is a failure without a second call', async () => {
      const outcome = await validateToken(contextFor(emulator, http, 'sonarqube', 'api_key'), {
        identifier: 'jane',
        token: 'squ_unknown0123456789abcdef',
      });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(emulator.requestsWith('squ_unknown0123456789abcdef')).toHaveLength(1);
    });

    it('reads the expiry header and checks the username', async () => {
      emulator.setToken('squ_expiring0123456789abcdef', {
        provider: 'sonarqube',
        identity: ID,
        expiresAt: new Date('2027-03-01T00:00:00Z'),
      });
      const ok = await validateToken(contextFor(emulator, http, 'sonarqube', 'api_key'), {
        identifier: 'jane',
        token: 'squ_expiring0123456789abcdef',
      });
      expect(ok).toMatchObject({
        kind: 'valid',
        expiresAt: new Date('2027-03-01T00:00:00Z'),
        identity: { id: 'jane', name: 'Jane Doe' },
      });
      const wrongUser = await validateToken(contextFor(emulator, http, 'sonarqube', 'api_key'), {
        identifier: 'bob',
        token: 'squ_expiring0123456789abcdef',
      });
      expect(wrongUser).toMatchObject({ kind: 'invalid_input', field: 'username' });
      expect(wrongUser.reason).toContain('belongs to SonarQube user "jane", not "bob"');
    });
  });

  describe('GitHub', () => {
    const ctx = () => contextFor(emulator, http, 'github', 'pat');

    it('403 with x-ratelimit-remaining: 0 is a rate limit with the reset time', async () => {
      emulator.setToken('ghp_ratelimited0123456789abcdefABCDEF', {
        provider: 'github',
        status: 'rate_limited',
        identity: ID,
      });
      const outcome = await validateToken(ctx(), { token: 'ghp_ratelimited0123456789abcdefABCDEF' });
      expect(outcome.kind).toBe('rate_limited');
      if (outcome.kind === 'rate_limited') expect(outcome.retryAt).not.toBeNull();
    });

    it('403 with a secondary-rate-limit message and retry-after is a rate limit', async () => {
      emulator.setToken('ghp_secondary0123456789abcdefABCDEFGH', {
        provider: 'github',
        quirk: 'github_secondary_rate_limit',
        identity: ID,
      });
      expect((await validateToken(ctx(), { token: 'ghp_secondary0123456789abcdefABCDEFGH' })).kind).toBe(
        'rate_limited',
      );
    });

    it('403 with X-GitHub-SSO asks for SSO authorization', async () => {
      emulator.setToken('ghp_ssoneeded0123456789abcdefABCDEFGH', {
        provider: 'github',
        quirk: 'github_sso',
        identity: ID,
      });
      const outcome = await validateToken(ctx(), { token: 'ghp_ssoneeded0123456789abcdefABCDEFGH' });
      expect(outcome).toMatchObject({ kind: 'insufficient_scope', missing: ['SAML SSO authorization'] });
      expect(outcome.reason).toContain('https://github.com/orgs/acme/sso');
    });

    it('403 with X-Accepted-GitHub-Permissions names the missing permission', async () => {
      emulator.setToken('github_pat_11MISSINGPERM0123456789abcdef', {
        provider: 'github',
        quirk: 'github_missing_permission',
        identity: ID,
      });
      const outcome = await validateToken(ctx(), { token: 'github_pat_11MISSINGPERM0123456789abcdef' });
      expect(outcome).toMatchObject({ kind: 'insufficient_scope', missing: ['actions=read'] });
    });

    it('a classic PAT without read:org is refused, naming the missing scope', async () => {
      emulator.setToken('ghp_noreadorg0123456789abcdefABCDEFGH', {
        provider: 'github',
        scopes: ['repo'],
        identity: ID,
      });
      const outcome = await validateToken(ctx(), { token: 'ghp_noreadorg0123456789abcdefABCDEFGH' });
      expect(outcome).toMatchObject({ kind: 'insufficient_scope', missing: ['read:org or write:org or admin:org'] });
      expect(outcome.reason).toContain('lacks read:org');
      expect(outcome.reason).toContain('it has repo');
    });

    it('a fine-grained PAT (no scope header) is not scope-checked; expiry comes from the header', async () => {
      emulator.setToken('github_pat_11FINEGRAINED0123456789abcdef', {
        provider: 'github',
        identity: ID,
        expiresAt: new Date('2027-01-15T12:30:00Z'),
      });
      const outcome = await validateToken(ctx(), { token: 'github_pat_11FINEGRAINED0123456789abcdef' });
      expect(outcome).toMatchObject({
        kind: 'valid',
        scopes: null,
        expiresAt: new Date('2027-01-15T12:30:00Z'),
        rateLimitRemaining: 4999,
      });
    });

    it('a fine-grained PAT answered with an empty scope header is still not scope-checked', async () => {
      emulator.setToken('github_pat_11EMPTYSCOPES0123456789abcdef', { provider: 'github', scopes: [], identity: ID });
      expect(await validateToken(ctx(), { token: 'github_pat_11EMPTYSCOPES0123456789abcdef' })).toMatchObject({
        kind: 'valid',
        scopes: null,
      });
      emulator.setToken('ghp_classicNoScopes0123456789abcdefABCD', { provider: 'github', scopes: [], identity: ID });
      expect(await validateToken(ctx(), { token: 'ghp_classicNoScopes0123456789abcdefABCD' })).toMatchObject({
        kind: 'insufficient_scope',
      });
    });

    it('GitHub Actions: with a repository, the token must list its workflow runs', async () => {
      const actions = contextFor(emulator, http, 'github_actions', 'pat', { repository: 'acme/api' });
      emulator.setToken('ghp_actionsok0123456789abcdefABCDEFGH', {
        provider: 'github_actions',
        scopes: ['repo', 'read:org'],
        actionsRepos: ['acme/api'],
        identity: ID,
      });
      emulator.setToken('ghp_actionsno0123456789abcdefABCDEFGH', {
        provider: 'github_actions',
        scopes: ['repo', 'read:org'],
        actionsRepos: [],
        identity: ID,
      });
      expect((await validateToken(actions, { token: 'ghp_actionsok0123456789abcdefABCDEFGH' })).kind).toBe('valid');
      expect(emulator.requestsWith('ghp_actionsok0123456789abcdefABCDEFGH').map((r) => r.path)).toEqual([
        '/github/user',
        '/github/repos/acme/api/actions/runs',
      ]);
      const denied = await validateToken(actions, { token: 'ghp_actionsno0123456789abcdefABCDEFGH' });
      expect(denied).toMatchObject({ kind: 'insufficient_scope', missing: ['actions:read'] });
      expect(denied.reason).toContain('cannot list the workflow runs of acme/api');
      // Without a repository, validation is GitHub's alone.
      emulator.clearRequests();
      const plain = contextFor(emulator, http, 'github_actions', 'pat');
      expect((await validateToken(plain, { token: 'ghp_actionsno0123456789abcdefABCDEFGH' })).kind).toBe('valid');
      expect(emulator.requests.map((r) => r.path)).toEqual(['/github/user']);
    });
  });

  describe('GitLab', () => {
    const ctx = () => contextFor(emulator, http, 'gitlab', 'pat');

    it('reads scopes and expires_at from personal_access_tokens/self (expiry at 00:00 UTC)', async () => {
      emulator.setToken('glpat-expiring0123456789', {
        provider: 'gitlab',
        scopes: ['read_api'],
        expiresAt: new Date('2027-02-10T15:00:00Z'),
        identity: ID,
      });
      const outcome = await validateToken(ctx(), { token: 'glpat-expiring0123456789' });
      expect(outcome).toMatchObject({
        kind: 'valid',
        scopes: ['read_api'],
        expiresAt: new Date('2027-02-10T00:00:00Z'),
        identity: { username: 'jane' },
      });
      expect(emulator.requestsWith('glpat-expiring0123456789')[0]?.path).toBe(
        '/gitlab/api/v4/personal_access_tokens/self',
      );
    });

    it('a token without read_api or api is refused as insufficient scope', async () => {
      emulator.setToken('glpat-readrepo0123456789', { provider: 'gitlab', scopes: ['read_repository'], identity: ID });
      const outcome = await validateToken(ctx(), { token: 'glpat-readrepo0123456789' });
      expect(outcome).toMatchObject({ kind: 'insufficient_scope', missing: ['read_api or api'] });
    });

    it.each([
      ['revoked', /revoked/],
      ['expired', /expired/],
    ] as const)('a %s token is named as such', async (status, pattern) => {
      emulator.setToken(`glpat-${status}0123456789x`, { provider: 'gitlab', status, identity: ID });
      const outcome = await validateToken(ctx(), { token: `glpat-${status}0123456789x` });
      expect(outcome.kind).toBe('invalid_credentials');
      expect(outcome.reason).toMatch(pattern);
    });

    it('a non-PAT token is refused as the wrong auth type', async () => {
      emulator.setToken('glpat-oauthlike0123456789', { provider: 'gitlab', quirk: 'gitlab_not_pat' });
      expect((await validateToken(ctx(), { token: 'glpat-oauthlike0123456789' })).kind).toBe('wrong_auth_type');
    });
  });

  describe('Harness', () => {
    const ctx = () => contextFor(emulator, http, 'harness', 'api_key');

    it('sends x-api-key with accountIdentifier and reads validTo as the expiry', async () => {
      emulator.setToken('pat.acct1.tok1.HarnessExpiring01', {
        provider: 'harness',
        accountId: 'acct1',
        identity: ID,
        expiresAt: new Date('2027-04-01T00:00:00Z'),
      });
      const outcome = await validateToken(ctx(), { token: 'pat.acct1.tok1.HarnessExpiring01' });
      expect(outcome).toMatchObject({ kind: 'valid', expiresAt: new Date('2027-04-01T00:00:00Z') });
      const requests = emulator.requestsWith('pat.acct1.tok1.HarnessExpiring01');
      expect(requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
        'GET /harness/ng/api/user/currentUser?accountIdentifier=acct1',
        'POST /harness/ng/api/token/validate?accountIdentifier=acct1',
      ]);
    });

    it('validTo 0 means no expiry; a service-account token is checked with token/validate alone', async () => {
      emulator.setToken('sat.acct1.tok2.HarnessService01', {
        provider: 'harness',
        accountId: 'acct1',
        serviceAccount: true,
        identity: { ...ID, username: 'ci-bot' },
      });
      const outcome = await validateToken(ctx(), { token: 'sat.acct1.tok2.HarnessService01' });
      expect(outcome).toMatchObject({ kind: 'valid', expiresAt: null, identity: { name: 'service account ci-bot' } });
      expect(emulator.requestsWith('sat.acct1.tok2.HarnessService01').map((r) => r.path)).toEqual([
        '/harness/ng/api/token/validate',
      ]);
    });

    it('a token of another Harness account is refused before any call', async () => {
      const outcome = await validateToken(ctx(), { token: 'pat.otheracct.tok.secret0123' });
      expect(outcome).toMatchObject({ kind: 'invalid_input', field: 'token' });
      expect(outcome.reason).toContain('account otheracct');
      expect(emulator.requestsWith('pat.otheracct.tok.secret0123')).toHaveLength(0);
    });

    it('a 403 (RBAC) is insufficient permission', async () => {
      emulator.setToken('pat.acct1.tok3.HarnessNoRole01', {
        provider: 'harness',
        accountId: 'acct1',
        status: 'insufficient_scope',
        identity: ID,
      });
      expect((await validateToken(ctx(), { token: 'pat.acct1.tok3.HarnessNoRole01' })).kind).toBe('insufficient_scope');
    });
  });

  describe('the HTTP client never makes things worse', () => {
    let rogue: ReturnType<typeof createServer>;
    let rogueUrl: string;
    const seen: { path: string; authorization: string | undefined }[] = [];
    beforeAll(async () => {
      rogue = createServer((req, res) => {
        seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
        if (req.url?.startsWith('/redirect')) {
          res.writeHead(302, { Location: 'http://127.0.0.2:9/steal' });
          return res.end();
        }
        if (req.url?.startsWith('/huge')) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          return res.end(`{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`);
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
      rogueUrl = `http://127.0.0.1:${(rogue.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => rogue.close(() => resolve())));

    it('does not follow a redirect: the credential goes nowhere else', async () => {
      const ctx = contextFor(emulator, http, 'jira', 'pat', { url: `${rogueUrl}/redirect` });
      const outcome = await validateToken(ctx, { token: 'redirect-me-0123456789' });
      expect(outcome.kind).toBe('provider_error');
      expect(outcome.reason).toContain('redirected the check to 127.0.0.2:9; the credential was not sent there');
      expect(seen.filter((s) => s.path.startsWith('/steal'))).toHaveLength(0);
    });

    it('caps the response size', async () => {
      const ctx = contextFor(emulator, http, 'jira', 'pat', { url: `${rogueUrl}/huge` });
      const outcome = await validateToken(ctx, { token: 'huge-answer-0123456789' });
      expect(outcome.kind).toBe('unreachable');
      expect(outcome.reason).toContain('larger than 1048576 bytes');
    });

    it('a 2xx without a user is not success', async () => {
      const ctx = contextFor(emulator, http, 'jira', 'pat', { url: `${rogueUrl}/empty` });
      const outcome = await validateToken(ctx, { token: 'empty-answer-0123456789' });
      expect(outcome).toMatchObject({ kind: 'provider_error' });
      expect(outcome.reason).toContain('names no user');
    });

    it('error text names method, host and path but never the secret', async () => {
      const secret = 'ghp_NeverInErrors0123456789abcdefABCD';
      const ctx = contextFor(emulator, http, 'github', 'pat', { url: 'http://127.0.0.1:9' });
      const outcome = await validateToken(ctx, { token: secret });
      expect(outcome.reason).toContain('127.0.0.1:9');
      expect(JSON.stringify(outcome)).not.toContain(secret);
    });
  });
});
