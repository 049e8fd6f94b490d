import { describe, expect, it } from 'vitest';
import { HOOKS } from '../../../src/providers/hooks/index.js';
import { PROVIDERS, providerAuthRows } from '../../../src/providers/registry.js';

describe('the provider table', () => {
  it('has exactly the provider/auth rows of docs/catalogue.md', () => {
    expect(
      providerAuthRows()
        .map((r) => `${r.provider}/${r.auth}`)
        .sort(),
    ).toEqual(
      [
        'jira/api_key',
        'jira/pat',
        'jira/connect_app',
        'jira/service_account',
        'github/pat',
        'github/github_app',
        'github_actions/pat',
        'github/app_installation',
        'github_actions/app_installation',
        'azure_devops/service_principal',
        'bitbucket/client_credentials',
        'bitbucket/access_token',
        'bitbucket/oauth',
        'bitbucket/api_key',
        'azure_devops/oauth',
        'azure_devops/pat',
        'harness/api_key',
        'gitlab/pat',
        'sonarqube/api_key',
      ].sort(),
    );
  });

  it('gives every token and OAuth row a validation call, and unsupported rows none', () => {
    for (const { provider, auth } of providerAuthRows()) {
      const spec = (
        PROVIDERS[provider].auths as Record<
          string,
          { form: { kind: string }; validation?: { path: string }; hook?: keyof typeof HOOKS }
        >
      )[auth];
      if (!spec) throw new Error('missing');
      if (spec.form.kind === 'unsupported') expect(spec.validation, `${provider}/${auth}`).toBeUndefined();
      else expect(spec.validation?.path, `${provider}/${auth}`).toMatch(/^\//);
      if (spec.hook) expect(HOOKS[spec.hook], `${provider}/${auth} hook`).toBeDefined();
    }
  });

  it('asks for exactly what docs/catalogue.md lists', () => {
    const asks = Object.fromEntries(
      providerAuthRows().map(({ provider, auth }) => {
        const form = (
          PROVIDERS[provider].auths as Record<string, { form: { kind: string; identifier?: string; pool?: boolean } }>
        )[auth]?.form;
        const what =
          form?.kind === 'token'
            ? `${form.identifier === 'none' ? '' : `${form.identifier}+`}${form.pool ? 'pool' : 'token'}`
            : form?.kind === 'machine'
              ? (form as { root?: string }).root
              : form?.kind;
        return [`${provider}/${auth}`, what];
      }),
    );
    expect(asks).toEqual({
      'jira/api_key': 'email+token',
      'jira/pat': 'token',
      'jira/connect_app': 'unsupported',
      'jira/service_account': 'client_secret',
      'github/pat': 'email+pool',
      'github/github_app': 'unsupported',
      'github_actions/pat': 'email+pool',
      'github/app_installation': 'private_key',
      'github_actions/app_installation': 'private_key',
      'azure_devops/service_principal': 'client_secret',
      'bitbucket/client_credentials': 'client_secret',
      'bitbucket/access_token': 'token',
      'bitbucket/oauth': 'oauth',
      'bitbucket/api_key': 'email+token',
      'azure_devops/oauth': 'oauth',
      'azure_devops/pat': 'email+token',
      'harness/api_key': 'email+token',
      'gitlab/pat': 'token',
      'sonarqube/api_key': 'username+token',
    });
  });

  it('defaults URLs as docs/catalogue.md says', () => {
    expect(PROVIDERS.github.defaultUrl).toBe('https://api.github.com');
    expect(PROVIDERS.github_actions.defaultUrl).toBe('https://api.github.com');
    expect(PROVIDERS.bitbucket.defaultUrl).toBe('https://api.bitbucket.org');
    expect(PROVIDERS.azure_devops.defaultUrl).toBe('https://dev.azure.com/{organization}');
    expect(PROVIDERS.harness.defaultUrl).toBe('https://app.harness.io');
    expect(PROVIDERS.gitlab.defaultUrl).toBe('https://gitlab.com');
    expect('defaultUrl' in PROVIDERS.jira).toBe(false);
    expect('defaultUrl' in PROVIDERS.sonarqube).toBe(false);
  });
});
