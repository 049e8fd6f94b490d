import { describe, expect, it } from 'vitest';
import { parseCredentialInput } from '../../../src/providers/input.js';
import { authSpec } from '../../../src/providers/registry.js';
import type { AuthKey, ProviderKey } from '../../../src/providers/types.js';

const spec = (provider: ProviderKey, auth: AuthKey) => {
  const found = authSpec(provider, auth);
  if (!found) throw new Error('no spec');
  return found;
};

describe('parseCredentialInput (before any network call)', () => {
  it('trims whitespace around the token and the email', () => {
    const result = parseCredentialInput(spec('jira', 'api_key'), {
      email: '  jane@acme.com ',
      token: '\n  ATATTabcdef0123456789  \n',
    });
    expect(result).toEqual({ ok: true, input: { identifier: 'jane@acme.com', tokens: ['ATATTabcdef0123456789'] } });
  });

  it.each([
    ['empty token', spec('gitlab', 'pat'), { token: '   ' }, 'token', 'Paste the token.'],
    ['missing email', spec('jira', 'api_key'), { token: 'abc' }, 'email', 'Enter the email address'],
    ['bad email', spec('jira', 'api_key'), { email: 'jane', token: 'abc' }, 'email', '"jane" is not an email address.'],
    ['missing username', spec('sonarqube', 'api_key'), { token: 'squ_x' }, 'username', 'Enter the user name'],
    [
      'username with spaces',
      spec('sonarqube', 'api_key'),
      { username: 'Jane Doe', token: 'squ_x' },
      'username',
      'no spaces',
    ],
    [
      'multi-line where one token is expected',
      spec('gitlab', 'pat'),
      { token: 'glpat-aaaa\nglpat-bbbb' },
      'token',
      'Paste one token only; what you pasted has 2 lines.',
    ],
    ['a Bearer prefix', spec('gitlab', 'pat'), { token: 'Bearer glpat-aaaa' }, 'token', 'starts with "Bearer"'],
    ['inner spaces', spec('gitlab', 'pat'), { token: 'glpat-aa aa' }, 'token', 'contains spaces'],
    [
      'an absurdly long token',
      spec('gitlab', 'pat'),
      { token: `glpat-${'a'.repeat(2000)}` },
      'token',
      'is 2006 characters long',
    ],
    ['control characters', spec('gitlab', 'pat'), { token: 'glpat-\u0007abc' }, 'token', 'control characters'],
    [
      'an empty pool',
      spec('github', 'pat'),
      { email: 'jane@acme.com', token: '\n\n' },
      'token',
      'Paste at least one token, one per line.',
    ],
    [
      'an oversized pool',
      spec('github', 'pat'),
      {
        email: 'jane@acme.com',
        token: Array.from({ length: 21 }, (_, i) => `ghp_${String(i).padStart(36, 'x')}`).join('\n'),
      },
      'token',
      'At most 20 tokens',
    ],
  ])('refuses %s with a clear message', (_name, authSpec, raw, field, message) => {
    const result = parseCredentialInput(authSpec, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome).toMatchObject({ kind: 'invalid_input', field });
    expect(result.outcome.reason).toContain(message);
  });

  it('splits a pool one token per line, skipping blank lines', () => {
    const result = parseCredentialInput(spec('github', 'pat'), {
      email: 'jane@acme.com',
      token: 'ghp_one0123456789abcdefghijklmnopqrstuvwx\n\n  ghp_two0123456789abcdefghijklmnopqrstuvwx  \r\n',
    });
    expect(result).toEqual({
      ok: true,
      input: {
        identifier: 'jane@acme.com',
        tokens: ['ghp_one0123456789abcdefghijklmnopqrstuvwx', 'ghp_two0123456789abcdefghijklmnopqrstuvwx'],
      },
    });
  });

  it('refuses a duplicate token in a pool, naming it by position and fingerprint', () => {
    const token = 'ghp_dup0123456789abcdefghijklmnopqrstuvwx';
    const result = parseCredentialInput(spec('github', 'pat'), {
      email: 'jane@acme.com',
      token: `${token}\nghp_other123456789abcdefghijklmnopqrstuvw\n${token}`,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome.reason).toMatch(/^Token 3 \([0-9a-f]{8}…uvwx\) is the same as token 1/);
    expect(result.outcome.reason).not.toContain(token);
  });

  it.each([
    ['github', 'pat', 'gho_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub OAuth app token'],
    ['github', 'pat', 'ghs_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub App installation token'],
    ['github', 'pat', 'ghu_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub App user-to-server token'],
    ['github', 'pat', 'ghr_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub App refresh token'],
    ['github_actions', 'pat', 'ghs_abcdefghijklmnopqrstuvwxyz0123456789', 'a GitHub App installation token'],
    ['sonarqube', 'api_key', 'sqa_0123456789abcdef0123456789abcdef01234567', 'a SonarQube global analysis token'],
    ['sonarqube', 'api_key', 'sqp_0123456789abcdef0123456789abcdef01234567', 'a SonarQube project analysis token'],
    ['jira', 'pat', 'ATATT3xFfGF0abcdefghijklmnop', 'an Atlassian Cloud API token'],
    ['jira', 'api_key', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', 'an OAuth access token or JWT'],
    ['gitlab', 'pat', 'glptt-0123456789abcdef', 'a GitLab pipeline trigger token'],
    ['gitlab', 'pat', 'gldt-0123456789abcdef', 'a GitLab deploy token'],
    ['harness', 'api_key', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', 'an OAuth access token or JWT'],
    ['azure_devops', 'pat', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl', 'an OAuth access token or JWT'],
  ] as const)('%s/%s refuses %s as the wrong auth type', (provider, auth, token, looksLike) => {
    const s = spec(provider, auth);
    const form = s.form.kind === 'token' ? s.form : undefined;
    const raw = { email: 'jane@acme.com', username: 'jane', token };
    const result = parseCredentialInput(s, form ? raw : raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.outcome.kind).toBe('wrong_auth_type');
    expect(result.outcome.reason).toContain(`looks like ${looksLike}`);
    expect(result.outcome.reason).toContain('the auth type cannot change during re-authentication');
    expect(result.outcome.reason).not.toContain(token);
  });

  it.each([
    [
      'bitbucket',
      'api_key',
      'ATBB3xFfGF0abcdefghijklmnop',
      /app password \(ATBB…\); Bitbucket removed app passwords on 28 July 2026\. Create an Atlassian API token/,
    ],
    [
      'jira',
      'api_key',
      'ATBB3xFfGF0abcdefghijklmnop',
      /app password \(ATBB…\); Bitbucket removed app passwords on 28 July 2026/,
    ],
    ['jira', 'pat', 'ATBB3xFfGF0abcdefghijklmnop', /app password \(ATBB…\); Bitbucket removed app passwords/],
    [
      'bitbucket',
      'api_key',
      'ATCTT3xFfGN0abcdefghijklmnop',
      /access token \(ATCT…\); An access token belongs to a workspace.*auth access_token/,
    ],
    ['jira', 'api_key', 'ATCTT3xFfGN0abcdefghijklmnop', /access token \(ATCT…\)/],
    [
      'bitbucket',
      'access_token',
      'ATATT3xFfGF0abcdefghijklmnop',
      /API token \(ATAT…\); An API token is used with the email of its account: that is auth api_key/,
    ],
    [
      'bitbucket',
      'access_token',
      'ATBB3xFfGF0abcdefghijklmnop',
      /app password \(ATBB…\); Bitbucket removed app passwords/,
    ],
  ] as const)(
    '%s/%s refuses %s before any call, saying what replaced it or where it belongs',
    (provider, auth, token, says) => {
      const result = parseCredentialInput(spec(provider, auth), { email: 'jane@acme.com', token });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.outcome.kind).toBe('wrong_auth_type');
      expect(result.outcome.reason).toMatch(says);
      expect(result.outcome.reason).not.toContain(token);
    },
  );

  it('a GitHub App token smuggled into the middle of a pool refuses the whole pool', () => {
    const result = parseCredentialInput(spec('github', 'pat'), {
      email: 'jane@acme.com',
      token: 'ghp_ok00123456789abcdefghijklmnopqrstuvwx\nghs_app0123456789abcdefghijklmnopqrstuvw',
    });
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.outcome.reason).toMatch(/^Token 2 \([0-9a-f]{8}…tuvw\) looks like a GitHub App installation token/);
  });
});
