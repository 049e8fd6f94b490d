import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import type { EmulatedToken } from '../../src/sandbox/providers/types.js';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, textOf, viewOf } from '../helpers/flows.js';
import { ALERTS, OWNER, STRANGER, startTestApp, type TestApp } from '../helpers/start-app.js';

interface Row {
  id: string;
  inputs: string[];
  pool?: boolean;
  identifier?: Record<string, string>;
  valid: string[];
  entry: Omit<EmulatedToken, 'provider'> & { provider: EmulatedToken['provider'] };
  foreign: string;
  label: string;
}

const ID = { id: '42', name: 'Jane Doe', email: 'jane@acme.com', username: 'jane' };

const ROWS: Row[] = [
  {
    id: 'jira-cloud',
    inputs: ['email', 'token'],
    identifier: { email: 'jane@acme.com' },
    valid: ['ATATT3xRowsJiraCloud0123456789=AB12'],
    entry: { provider: 'jira', basicUser: 'jane@acme.com' },
    foreign: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl',
    label: 'email + Atlassian API token',
  },
  {
    id: 'jira-dc',
    inputs: ['token'],
    valid: ['RowsJiraDataCenterPAT0123456789'],
    entry: { provider: 'jira' },
    foreign: 'ATATT3xFfGF0SmuggledCloudToken01',
    label: 'personal access token (Data Center)',
  },
  {
    id: 'github-pat',
    inputs: ['email', 'token'],
    pool: true,
    identifier: { email: 'jane@acme.com' },
    valid: ['ghp_RowsGithubPoolOne0123456789abcdefAB', 'ghp_RowsGithubPoolTwo0123456789abcdefAB'],
    entry: { provider: 'github', scopes: ['repo', 'read:org'] },
    foreign: 'ghs_SmuggledAppToken0123456789abcdefABCD',
    label: 'personal access tokens',
  },
  {
    id: 'gha',
    inputs: ['email', 'token'],
    pool: true,
    identifier: { email: 'jane@acme.com' },
    valid: ['ghp_RowsActions0123456789abcdefABCDEFGH'],
    entry: { provider: 'github_actions', scopes: ['repo', 'read:org'], actionsRepos: ['acme/api'] },
    foreign: 'gho_SmuggledOAuthToken0123456789abcdefAB',
    label: 'personal access tokens',
  },
  {
    id: 'bb-token',
    inputs: ['email', 'token'],
    identifier: { email: 'jane@acme.com' },
    valid: ['ATATT3xRowsBitbucket0123456789=AB12'],
    entry: { provider: 'bitbucket', basicUser: 'jane@acme.com' },
    foreign: 'ATBB3xSmuggledAppPassword0123',
    label: 'email + Atlassian API token',
  },
  {
    id: 'ado-boards',
    inputs: ['email', 'token'],
    identifier: { email: 'jane@acme.com' },
    valid: ['rowsadopat0123456789abcdefghijklmnopqrstuvwxyz0123'],
    entry: { provider: 'azure_devops', organization: 'acme' },
    foreign: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZG8ifQ.c2lnbmF0dXJl',
    label: 'personal access token',
  },
  {
    id: 'harness',
    inputs: ['email', 'token'],
    identifier: { email: 'jane@acme.com' },
    valid: ['pat.acct1.rowstok.RowsHarnessSecret01'],
    entry: { provider: 'harness', accountId: 'acct1' },
    foreign: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJoYXJuZXNzIn0.c2ln',
    label: 'email + Harness API key token',
  },
  {
    id: 'gitlab',
    inputs: ['token'],
    valid: ['glpat-RowsGitlabToken0123456789'],
    entry: { provider: 'gitlab', scopes: ['read_api'] },
    foreign: 'glptt-SmuggledTriggerToken0123',
    label: 'personal access token',
  },
  {
    id: 'sonar',
    inputs: ['username', 'token'],
    identifier: { username: 'jane' },
    valid: ['squ_RowsSonarUserToken0123456789abcdef01'],
    entry: { provider: 'sonarqube' },
    foreign: 'sqa_SmuggledAnalysisToken0123456789abcdef',
    label: 'username + user token',
  },
];

describe('re-authentication through the modal, for every token row of docs/catalogue.md', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue });
    for (const row of ROWS) for (const token of row.valid) t.providers.setToken(token, { ...row.entry, identity: ID });
  });
  afterAll(async () => t?.close());

  describe.each(ROWS)('$id', (row) => {
    const submitValues = (tokens: string[]) => ({ ...row.identifier, token: tokens.join('\n') });

    it('opens a modal asking exactly for what the row needs, with the integration read-only', async () => {
      const call = await openModal(t, row.id, { userId: OWNER });
      const view = viewOf(call);
      const inputs = view.blocks.filter((b) => b.type === 'input');
      expect(inputs.map((b) => b.block_id)).toEqual(row.inputs);
      for (const input of inputs) expect(input.element).not.toHaveProperty('initial_value');
      const token = inputs.find((b) => b.block_id === 'token');
      expect(token?.element?.multiline).toBe(row.pool === true);
      expect(inputs.find((b) => b.block_id === 'email')?.element?.type ?? 'email_text_input').toBe('email_text_input');
      const text = textOf(view.blocks);
      expect(text).toContain(row.label);
      expect(text).toContain('The auth type cannot be changed here');
      expect(text).toContain((await t.deps.store.integrations.findActive(row.id))?.url ?? 'missing');
    });

    it('stores a valid credential, reports it in the modal and the channel, and audits it', async () => {
      const call = await openModal(t, row.id, { userId: OWNER });
      const response = await t.driver.submit(call.ref ?? '', submitValues(row.valid), { userId: OWNER });
      expect(response.json).toMatchObject({ response_action: 'update' });
      const result = textOf((response.json as { view: unknown }).view);
      expect(result).toContain('is re-authenticated');
      expect(result).toContain('Jane Doe');
      for (const token of row.valid) expect(result).toContain(fingerprintSecret(token));

      const integration = await t.deps.store.integrations.findActive(row.id);
      const stored = await t.deps.store.credentials.current(integration?.credentialKey ?? '');
      expect(stored?.fingerprints).toEqual(row.valid.map(fingerprintSecret));
      expect(stored?.createdBy).toBe(OWNER);
      expect((await t.deps.store.health.of(row.id))?.status).toBe('healthy');
      expect((await t.deps.store.audit.list(row.id)).find((a) => a.action === 'reauth.modal')).toMatchObject({
        outcome: 'success',
        actor: OWNER,
        fingerprint: row.valid.map(fingerprintSecret).join(','),
      });
      await expect
        .poll(
          () =>
            t.slack.messages.filter(
              (m) =>
                m.channel === ALERTS && m.text.includes(`re-authenticated`) && m.text.includes(integration?.name ?? ''),
            ).length,
        )
        .toBeGreaterThan(0);
    });

    it('refuses a credential the provider rejects, says why, and keeps the old one', async () => {
      const integration = await t.deps.store.integrations.findActive(row.id);
      const before = await t.deps.store.credentials.current(integration?.credentialKey ?? '');
      expect(before).toBeDefined();
      const call = await openModal(t, row.id, { userId: OWNER });
      const bad = row.valid.map((v, i) => (i === 0 ? `${v}X` : v));
      const response = await t.driver.submit(call.ref ?? '', submitValues(bad), { userId: OWNER });
      expect(response.json).toMatchObject({ response_action: 'errors' });
      const errors = (response.json as { errors: Record<string, string> }).errors;
      expect(errors.token).toMatch(/rejected|wrong|not valid|not accepted|anonymous/i);
      expect((await t.deps.store.credentials.current(integration?.credentialKey ?? ''))?.id).toBe(before?.id);
      expect(t.providers.requestsWith(`${row.valid[0]}X`)).toHaveLength(1);
    });

    it('refuses a secret of another auth type before any network call', async () => {
      const call = await openModal(t, row.id, { userId: OWNER });
      const response = await t.driver.submit(call.ref ?? '', submitValues([row.foreign]), { userId: OWNER });
      expect(response.json).toMatchObject({ response_action: 'errors' });
      // The usual sentence, or — for a kind the vendor retired (a Bitbucket app password) — what replaced it.
      expect((response.json as { errors: Record<string, string> }).errors.token).toMatch(
        /the auth type cannot change during re-authentication|removed app passwords on 28 July 2026/,
      );
      expect(t.providers.requestsWith(row.foreign)).toHaveLength(0);
      expect((await t.deps.store.audit.list(row.id))[0]).toMatchObject({
        action: 'reauth.modal',
        outcome: 'wrong_auth_type',
      });
    });

    it('refuses someone who is neither owner nor admin, and audits the attempt', async () => {
      const call = await openModal(t, row.id, { userId: STRANGER });
      // With a user group among the owners a light view opens first and is then updated.
      await expect
        .poll(() => (t.slack.view(call.ref ?? '')?.view.title as { text: string } | undefined)?.text)
        .toBe('Not allowed');
      const view = viewOf({ ...call, args: { view: t.slack.view(call.ref ?? '')?.view } });
      expect(textOf(view.blocks)).toContain(`<@${OWNER}>`);
      expect(view.blocks.some((b) => b.type === 'input')).toBe(false);
      expect((await t.deps.store.audit.list(row.id))[0]).toMatchObject({
        actor: STRANGER,
        action: 'reauth.open',
        outcome: 'permission_denied',
      });
    });
  });

  it('Azure DevOps: one credential serves every integration of the organization, and the outcome names each', async () => {
    const boards = await t.deps.store.integrations.findActive('ado-boards');
    const repos = await t.deps.store.integrations.findActive('ado-repos');
    expect(boards?.credentialKey).toBe(repos?.credentialKey);
    expect((await t.deps.store.credentials.current(repos?.credentialKey ?? ''))?.fingerprints).toEqual([
      fingerprintSecret(ROWS[5]?.valid[0] ?? ''),
    ]);
    expect((await t.deps.store.health.of('ado-repos'))?.status).toBe('healthy');
    const confirmation = t.slack.messages.find((m) => m.channel === ALERTS && m.text.includes('ADO Boards'));
    expect(confirmation?.text).toContain('ADO Repos');
  });
});
