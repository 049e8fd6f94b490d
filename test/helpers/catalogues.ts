import type { ProviderEmulator } from '../../src/sandbox/providers/emulator.js';

/** One integration per provider/auth row of docs/catalogue.md, all on the emulators, owned by U0OWNER. */
export function everyRowCatalogue(p: ProviderEmulator): string {
  return `integrations:
  - { id: jira-cloud, name: Jira Cloud, provider: jira, auth: api_key, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }
  - { id: jira-dc, name: Jira DC, provider: jira, auth: pat, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }
  - { id: jira-connect, name: Jira Connect, provider: jira, auth: connect_app, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }
  - { id: github-pat, name: GitHub, provider: github, auth: pat, url: "${p.baseUrl('github')}", owners: [U0OWNER] }
  - { id: github-app, name: GitHub App, provider: github, auth: github_app, url: "${p.baseUrl('github')}", owners: [U0OWNER] }
  - { id: gha, name: GitHub Actions, provider: github_actions, auth: pat, url: "${p.baseUrl('github')}", repository: acme/api, owners: [U0OWNER] }
  - { id: bb-oauth, name: Bitbucket OAuth, provider: bitbucket, auth: oauth, url: "${p.baseUrl('bitbucket')}", owners: [U0OWNER] }
  - { id: bb-token, name: Bitbucket Token, provider: bitbucket, auth: api_key, url: "${p.baseUrl('bitbucket')}", owners: [U0OWNER] }
  - { id: ado-boards, name: ADO Boards, provider: azure_devops, auth: pat, organization: acme, service: boards, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [U0OWNER] }
  - { id: ado-repos, name: ADO Repos, provider: azure_devops, auth: pat, organization: acme, service: repos, url: "${p.baseUrl('azure_devops', 'acme')}", owners: [U0OWNER] }
  - { id: ado-oauth, name: ADO Pipelines, provider: azure_devops, auth: oauth, organization: acme-oauth, service: pipelines, url: "${p.baseUrl('azure_devops', 'acme-oauth')}", owners: [U0OWNER] }
  - { id: harness, name: Harness, provider: harness, auth: api_key, account_id: acct1, url: "${p.baseUrl('harness')}", owners: [U0OWNER] }
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }
  - { id: sonar, name: SonarQube, provider: sonarqube, auth: api_key, url: "${p.baseUrl('sonarqube')}", owners: [U0OWNER, S0PLATFORM] }
`;
}
