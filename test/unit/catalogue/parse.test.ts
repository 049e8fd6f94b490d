import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../src/catalogue/parse.js';
import { credentialKeyOf, formatCatalogueError } from '../../../src/catalogue/types.js';
import { providerAuthRows } from '../../../src/providers/registry.js';

function errorsOf(yaml: string): string[] {
  const result = parseCatalogue(yaml);
  return result.ok ? [] : result.errors.map(formatCatalogueError);
}

const entry = (fields: string) => `integrations:\n  - ${fields.trim().split('\n').join('\n    ')}\n`;

describe('parseCatalogue', () => {
  it('accepts the example catalogue: one entry per provider/auth row of docs/catalogue.md', () => {
    const result = parseCatalogue(readFileSync('integrations.example.yml', 'utf8'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const rows = new Set(result.entries.map((e) => `${e.provider}/${e.auth}`));
    for (const row of providerAuthRows()) expect(rows).toContain(`${row.provider}/${row.auth}`);
  });

  it('applies provider default URLs and the name default', () => {
    const result = parseCatalogue(`
integrations:
  - { id: gh, provider: github, auth: pat }
  - { id: ado, provider: azure_devops, auth: pat, organization: acme, service: boards }
  - { id: h, provider: harness, auth: api_key, account_id: abc }
  - { id: gl, provider: gitlab, auth: pat }
  - { id: bb, provider: bitbucket, auth: oauth }
  - { id: j, provider: jira, auth: api_key, url: "https://acme.atlassian.net/" }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entries.map((e) => e.url)).toEqual([
      'https://api.github.com',
      'https://dev.azure.com/acme',
      'https://app.harness.io',
      'https://gitlab.com',
      'https://api.bitbucket.org',
      'https://acme.atlassian.net',
    ]);
    expect(result.entries[0]?.name).toBe('gh');
  });

  it('gives Azure DevOps integrations of one organization one credential key', () => {
    const result = parseCatalogue(`
integrations:
  - { id: b, provider: azure_devops, auth: pat, organization: Acme, service: boards }
  - { id: r, provider: azure_devops, auth: pat, organization: acme, service: repos }
  - { id: g, provider: github, auth: pat }
`);
    if (!result.ok) throw new Error('expected ok');
    const [b, r, g] = result.entries.map(credentialKeyOf);
    expect(b).toBe(r);
    expect(g).toBe('integration:g');
  });

  it.each([
    [
      'unknown provider',
      entry('id: a\nprovider: jenkins\nauth: pat'),
      'integrations[0] (id "a"): provider: unknown provider "jenkins"',
    ],
    [
      'unknown provider/auth pair',
      entry('id: a\nprovider: gitlab\nauth: oauth'),
      'integrations[0] (id "a"): auth: gitlab does not support auth "oauth"; it supports pat.',
    ],
    [
      'unknown auth',
      entry('id: a\nprovider: gitlab\nauth: magic'),
      'integrations[0] (id "a"): auth: unknown auth type "magic".',
    ],
    ['missing id', entry('provider: gitlab\nauth: pat'), 'integrations[0]: id: required.'],
    [
      'bad id',
      entry('id: Jira_Acme\nprovider: gitlab\nauth: pat'),
      'integrations[0] (id "Jira_Acme"): id: "Jira_Acme" must be 1–64 characters',
    ],
    ['id too long', entry(`id: ${'a'.repeat(65)}\nprovider: gitlab\nauth: pat`), 'id: "aaaa'],
    [
      'missing jira url',
      entry('id: j\nprovider: jira\nauth: api_key'),
      'integrations[0] (id "j"): url: required for provider jira.',
    ],
    [
      'missing sonarqube url',
      entry('id: s\nprovider: sonarqube\nauth: api_key'),
      'integrations[0] (id "s"): url: required for provider sonarqube.',
    ],
    [
      'missing organization',
      entry('id: a\nprovider: azure_devops\nauth: pat\nservice: repos'),
      'organization: required for provider azure_devops.',
    ],
    [
      'missing service',
      entry('id: a\nprovider: azure_devops\nauth: pat\norganization: acme'),
      'service: required for provider azure_devops.',
    ],
    [
      'bad service',
      entry('id: a\nprovider: azure_devops\nauth: pat\norganization: acme\nservice: wiki'),
      'service: "wiki" must be one of boards, repos, pipelines.',
    ],
    [
      'missing account_id',
      entry('id: h\nprovider: harness\nauth: api_key'),
      'integrations[0] (id "h"): account_id: required for provider harness.',
    ],
    ['bad URL', entry('id: j\nprovider: jira\nauth: api_key\nurl: acme dot net'), 'url: "acme dot net" is not a URL'],
    [
      'http to a non-loopback host',
      entry('id: j\nprovider: jira\nauth: api_key\nurl: http://jira.acme.com'),
      'url: "http://jira.acme.com" uses http://; credentials would travel unencrypted.',
    ],
    [
      'URL with credentials',
      entry('id: j\nprovider: jira\nauth: api_key\nurl: https://me:pw@jira.acme.com'),
      'url: must not contain a user name or password',
    ],
    [
      'unknown key',
      entry('id: a\nprovider: gitlab\nauth: pat\nteam: x'),
      'integrations[0] (id "a"): team: unknown key; allowed:',
    ],
    [
      'a credential in the file',
      entry('id: a\nprovider: gitlab\nauth: pat\ntoken: glpat-x'),
      'token: credentials never go in this file; enter them in Slack',
    ],
    [
      'field of another provider',
      entry('id: a\nprovider: gitlab\nauth: pat\norganization: acme'),
      'organization: not used by provider gitlab.',
    ],
    [
      'bad channel',
      entry('id: a\nprovider: gitlab\nauth: pat\nchannel: "#alerts"'),
      'channel: "#alerts" is not a channel id',
    ],
    [
      'bad owner',
      entry('id: a\nprovider: gitlab\nauth: pat\nowners: [alice]'),
      'owners: "alice" is not a Slack user id',
    ],
    ['owners not a list', entry('id: a\nprovider: gitlab\nauth: pat\nowners: U123'), 'owners: must be a list'],
    [
      'bad repository',
      entry('id: a\nprovider: github_actions\nauth: pat\nrepository: just-a-name'),
      'repository: "just-a-name" must look like owner/name.',
    ],
    ['entry not a mapping', 'integrations:\n  - just text\n', 'integrations[0]: each entry must be a mapping'],
    ['unknown top-level key', 'integration:\n  - id: a\n', 'integration: unknown top-level key'],
    ['integrations not a list', 'integrations: {id: a}\n', 'integrations: must be a list of entries.'],
    ['invalid YAML', 'integrations:\n  - id: [unclosed\n', 'not valid YAML at line 3: '],
    ['a duplicate key', 'integrations:\n  - id: a\n    id: b\n', 'not valid YAML at line 3: duplicated mapping key'],
    ['several documents', 'integrations: []\n---\nintegrations: []\n', 'several YAML documents'],
  ])('refuses %s', (_name, yaml, expected) => {
    const errors = errorsOf(yaml);
    expect(errors.join('\n')).toContain(expected);
  });

  it('refuses a duplicate id, naming both entries', () => {
    const errors = errorsOf(`
integrations:
  - { id: a, provider: gitlab, auth: pat }
  - { id: b, provider: gitlab, auth: pat }
  - { id: a, provider: github, auth: pat }
`);
    expect(errors).toEqual(['integrations[2] (id "a"): id: duplicate id; already used by integrations[0].']);
  });

  it('reports every problem of every entry at once', () => {
    const errors = errorsOf(`
integrations:
  - { id: a, provider: jira, auth: api_key }
  - { id: b, provider: harness, auth: api_key, url: "http://harness.acme.com" }
`);
    expect(errors).toEqual([
      'integrations[0] (id "a"): url: required for provider jira.',
      'integrations[1] (id "b"): account_id: required for provider harness.',
      'integrations[1] (id "b"): url: "http://harness.acme.com" uses http://; credentials would travel unencrypted. Use https:// (http:// is allowed only for localhost, 127.0.0.1 and ::1).',
    ]);
  });

  it('accepts http:// for loopback hosts', () => {
    expect(errorsOf(entry('id: j\nprovider: jira\nauth: api_key\nurl: http://127.0.0.1:8080/jira'))).toEqual([]);
    expect(errorsOf(entry('id: j\nprovider: jira\nauth: api_key\nurl: http://localhost:8080'))).toEqual([]);
    expect(errorsOf(entry('id: j\nprovider: jira\nauth: api_key\nurl: "http://[::1]:8080"'))).toEqual([]);
  });

  it('treats an empty file as an empty catalogue', () => {
    expect(parseCatalogue('')).toEqual({ ok: true, entries: [], consumers: [], warnings: [] });
    expect(parseCatalogue('integrations: []')).toEqual({ ok: true, entries: [], consumers: [], warnings: [] });
    expect(parseCatalogue('# nothing yet\n')).toEqual({ ok: true, entries: [], consumers: [], warnings: [] });
  });

  it('reads YAML 1.2 core values: a date, yes and on stay text', () => {
    const result = parseCatalogue(entry('id: 2026-01-01\nname: yes\nprovider: gitlab\nauth: pat'));
    expect(result.ok && result.entries.map((e) => [e.id, e.name])).toEqual([['2026-01-01', 'yes']]);
  });
});

describe('machine identities in the catalogue (SPEC §12)', () => {
  it('reads a GitHub App installation and an Entra service principal, with the default authority', () => {
    const result = parseCatalogue(`
integrations:
  - { id: app, provider: github, auth: app_installation, app_id: 424242, installation_id: 1001 }
  - { id: app-by-client-id, provider: github_actions, auth: app_installation, app_id: Iv23liAbc.def, installation_id: "77", repository: acme/api }
  - { id: sp, provider: azure_devops, auth: service_principal, organization: acme, service: repos, tenant_id: 11111111-2222-3333-4444-555555555555 }
  - { id: sp-gov, provider: azure_devops, auth: service_principal, organization: acme, service: boards, tenant_id: contoso.onmicrosoft.us, authority: "https://login.microsoftonline.us/" }
  - { id: bb-consumer, provider: bitbucket, auth: client_credentials, workspace: acme-eng }
  - { id: jira-sa, provider: jira, auth: service_account, url: "https://acme.atlassian.net" }
  - { id: jira-sa-pinned, provider: jira, auth: service_account, url: "https://acme.atlassian.net", cloud_id: 1324a887-45db-1bf4-1e99-ef0ff456d421, auth_url: "https://auth.example.com/", api_url: "https://api.example.com" }
`);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.entries.map((e) => e.machine)).toEqual([
      { kind: 'github_app', appId: '424242', installationId: '1001' },
      { kind: 'github_app', appId: 'Iv23liAbc.def', installationId: '77' },
      {
        kind: 'entra',
        tenantId: '11111111-2222-3333-4444-555555555555',
        authority: 'https://login.microsoftonline.com',
      },
      { kind: 'entra', tenantId: 'contoso.onmicrosoft.us', authority: 'https://login.microsoftonline.us' },
      { kind: 'bitbucket', workspace: 'acme-eng' },
      { kind: 'atlassian', authUrl: 'https://auth.atlassian.com', apiUrl: 'https://api.atlassian.com', cloudId: null },
      {
        kind: 'atlassian',
        authUrl: 'https://auth.example.com',
        apiUrl: 'https://api.example.com',
        cloudId: '1324a887-45db-1bf4-1e99-ef0ff456d421',
      },
    ]);
    // One credential per organization, as for PATs.
    expect(credentialKeyOf(result.entries[2]!)).toBe('azure_devops:acme:service_principal');
  });

  it.each([
    [
      'a missing installation_id',
      'id: a\nprovider: github\nauth: app_installation\napp_id: 1',
      'installation_id: required for github app_installation.',
    ],
    [
      'an App id that is neither',
      'id: a\nprovider: github\nauth: app_installation\napp_id: my-app\ninstallation_id: 1',
      '"my-app" is not a GitHub App id',
    ],
    [
      'an installation id that is not a number',
      'id: a\nprovider: github\nauth: app_installation\napp_id: 1\ninstallation_id: acme',
      '"acme" is not an installation id',
    ],
    [
      'a tenant that is no tenant',
      'id: a\nprovider: azure_devops\nauth: service_principal\norganization: acme\nservice: repos\ntenant_id: not a tenant',
      '"not a tenant" is not a Microsoft Entra tenant',
    ],
    [
      'a plain-http authority',
      'id: a\nprovider: azure_devops\nauth: service_principal\norganization: acme\nservice: repos\ntenant_id: contoso.com\nauthority: http://login.example.com',
      'authority: "http://login.example.com" uses http://',
    ],
    [
      'an App field on a PAT integration',
      'id: a\nprovider: github\nauth: pat\napp_id: 1',
      'app_id: not used by github pat.',
    ],
    [
      'a tenant on a GitHub App',
      'id: a\nprovider: github\nauth: app_installation\napp_id: 1\ninstallation_id: 2\ntenant_id: contoso.com',
      'tenant_id: not used by github app_installation.',
    ],
    [
      'a cloud id that is a URL',
      'id: a\nprovider: jira\nauth: service_account\nurl: https://acme.atlassian.net\ncloud_id: https://acme.atlassian.net',
      'is not an Atlassian cloud id',
    ],
    [
      'a plain-http Atlassian endpoint',
      'id: a\nprovider: jira\nauth: service_account\nurl: https://acme.atlassian.net\napi_url: http://api.example.com',
      'api_url: "http://api.example.com" uses http://',
    ],
    ['a service account without its site', 'id: a\nprovider: jira\nauth: service_account', 'url'],
    [
      'a private key in the file',
      'id: a\nprovider: github\nauth: app_installation\napp_id: 1\ninstallation_id: 2\nprivate_key: x',
      'private_key: unknown key',
    ],
    [
      'a client secret in the file',
      'id: a\nprovider: azure_devops\nauth: service_principal\norganization: acme\nservice: repos\ntenant_id: contoso.com\nclient_secret: x',
      'client_secret: credentials never go in this file',
    ],
  ])('refuses %s', (_name, fields, expected) => {
    expect(errorsOf(entry(fields)).join('\n')).toContain(expected);
  });
});
