import { isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { everyRowCatalogue } from '../helpers/catalogues.js';
import { openModal, textOf } from '../helpers/flows.js';
import { ADMIN, OWNER, STRANGER, manualClock, startTestApp, type TestApp } from '../helpers/start-app.js';

/** Distinctive secrets: none may surface in a view, its metadata, a log line, a Slack call or the database. */
const TOKENS = {
  service: 'glpat-HANDOVERserviceAccount0123',
  personal: 'glpat-HANDOVERpersonalToken0123',
  personalSlow: 'glpat-HANDOVERpersonalSlow0123',
  personalToo: 'glpat-HANDOVERpersonalAgain0123',
  ghServiceOne: 'ghp_HANDOVERserviceOne0123456789abcdefZ',
  ghServiceTwo: 'ghp_HANDOVERserviceTwo0123456789abcdefZ',
  ghNewcomer: 'ghp_HANDOVERnewcomer0123456789abcdefghZ',
  adoService: 'handoveradoservice0123456789abcdefghijklmnopqrstu',
  adoPerson: 'handoveradoperson01234567890abcdefghijklmnopqrstu',
};
const SERVICE = { id: '100', name: 'CI Service', username: 'ci-bot', email: 'ci@acme.com' };
const PERSON = { id: '200', name: 'Pat Person', username: 'pat', email: 'pat@acme.com' };
const OTHER_BOT = { id: '300', name: 'Release Bot', username: 'release-bot' };

type Json = Record<string, unknown>;

describe('same-account confirmation in the modal', () => {
  let t: TestApp;
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));

  beforeAll(async () => {
    t = await startTestApp({ catalogue: everyRowCatalogue, fastPathMs: 300, clock });
    for (const [token, identity] of [
      [TOKENS.service, SERVICE],
      [TOKENS.personal, PERSON],
      [TOKENS.personalToo, PERSON],
    ] as const) {
      t.providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity });
    }
    t.providers.setToken(TOKENS.personalSlow, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: PERSON,
      status: 'slow',
      delayMs: 700,
    });
    t.providers.setToken(TOKENS.ghServiceOne, { provider: 'github', scopes: ['repo', 'read:org'], identity: SERVICE });
    t.providers.setToken(TOKENS.ghServiceTwo, {
      provider: 'github',
      scopes: ['repo', 'read:org'],
      identity: OTHER_BOT,
    });
    t.providers.setToken(TOKENS.ghNewcomer, { provider: 'github', scopes: ['repo', 'read:org'], identity: PERSON });
    t.providers.setToken(TOKENS.adoService, { provider: 'azure_devops', organization: 'acme', identity: SERVICE });
    t.providers.setToken(TOKENS.adoPerson, { provider: 'azure_devops', organization: 'acme', identity: PERSON });
  });
  afterAll(async () => t?.close());

  /** Opens the modal, submits `values`, and applies Slack's handling of the ack to the stored view. */
  async function submit(id: string, values: Record<string, string>, userId = OWNER) {
    const call = await openModal(t, id, { userId });
    const viewId = call.ref ?? '';
    const response = await t.driver.submit(viewId, values, { userId });
    t.slack.applySubmissionAck(viewId, response.json);
    return { viewId, response, view: () => t.slack.view(viewId)?.view as Json };
  }
  const fingerprintOf = async (id: string) =>
    (await t.deps.store.credentials.current(`integration:${id}`))?.fingerprints.join(',');

  it('the first credential of an integration asks nothing', async () => {
    const { response } = await submit('gitlab', { token: TOKENS.service });
    expect(response.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.identity).toMatchObject({ id: SERVICE.id });
  });

  it('a token of another account is not swapped: the view names both accounts and carries no secret', async () => {
    const before = await fingerprintOf('gitlab');
    const { response, view } = await submit('gitlab', { token: TOKENS.personal });
    expect(response.json).toMatchObject({ response_action: 'update', view: { callback_id: 'reauth_confirm_account' } });
    const shown = view();
    const text = textOf(shown.blocks);
    // Both accounts by name, login, email and the id that decides (mrkdwn escapes the angle brackets).
    expect(text).toContain('Pat Person (pat) &lt;pat@acme.com&gt;, id 200');
    expect(text).toContain('CI Service (ci-bot) &lt;ci@acme.com&gt;, id 100');
    const input = (shown.blocks as Json[]).find((b) => b.block_id === 'confirm_account') as {
      optional: boolean;
      element: { type: string; options: { value: string }[] };
    };
    expect(input).toMatchObject({ optional: true, element: { type: 'checkboxes', options: [{ value: 'replace' }] } });
    expect(JSON.stringify(shown)).not.toContain(TOKENS.personal);
    expect(String(shown.private_metadata)).not.toContain(TOKENS.personal.slice(6));
    expect(await fingerprintOf('gitlab')).toBe(before);
    expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({
      action: 'reauth.modal',
      outcome: 'confirm_account',
      detail: {
        previous_accounts: [expect.stringContaining('id 100')],
        new_accounts: [expect.stringContaining('id 200')],
      },
    });
  });

  it('submitted unchecked, nothing changes and the held credential is gone', async () => {
    const before = await fingerprintOf('gitlab');
    const { viewId, view } = await submit('gitlab', { token: TOKENS.personal });
    const confirmation = view();
    const response = await t.driver.submit(viewId, { confirm_account: '' }, { userId: OWNER });
    expect(response.json).toMatchObject({
      response_action: 'update',
      view: { title: { text: 'Not re-authenticated' } },
    });
    expect(textOf(response.json)).toContain('Nothing was changed: the credential of Pat Person');
    expect(await fingerprintOf('gitlab')).toBe(before);
    // The same confirmation, checked this time: already answered.
    const replay = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER }, (v) =>
      Object.assign(v, {
        callback_id: confirmation.callback_id,
        private_metadata: confirmation.private_metadata,
        blocks: confirmation.blocks,
      }),
    );
    expect(textOf(replay.json)).toContain('was already answered');
    expect(await fingerprintOf('gitlab')).toBe(before);
  });

  it('closed, nothing changes and the held credential is discarded at once', async () => {
    const before = await fingerprintOf('gitlab');
    const { viewId, view } = await submit('gitlab', { token: TOKENS.personal });
    expect(view().notify_on_close).toBe(true);
    const closed = await t.driver.close(viewId, { userId: OWNER });
    expect(closed?.status).toBe(200);
    await vi.waitFor(async () =>
      expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({ outcome: 'declined' }),
    );
    expect(await fingerprintOf('gitlab')).toBe(before);
  });

  it('confirmed by another user, or from another view, it is refused and stays unused', async () => {
    const before = await fingerprintOf('gitlab');
    const { viewId, view } = await submit('gitlab', { token: TOKENS.personal });
    const confirmation = view();
    const stranger = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: STRANGER });
    expect(stranger.json).toMatchObject({
      response_action: 'errors',
      errors: { confirm_account: expect.stringContaining('belongs to someone else') },
    });
    const other = await openModal(t, 'gitlab', { userId: OWNER });
    const moved = await t.driver.submit(other.ref ?? '', { confirm_account: 'replace' }, { userId: OWNER }, (v) =>
      Object.assign(v, {
        callback_id: confirmation.callback_id,
        private_metadata: confirmation.private_metadata,
        blocks: confirmation.blocks,
      }),
    );
    expect(textOf(moved.json)).toContain('belongs to someone else or to another form');
    expect(await fingerprintOf('gitlab')).toBe(before);
    // The right user in the right view still may.
    const right = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(right.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.identity).toMatchObject({ id: PERSON.id });
  });

  it('checked, the credential validated a moment before is swapped in without asking the provider again, and the audit names both accounts', async () => {
    // Back to the service account first (itself a hand-over: confirmed).
    const back = await submit('gitlab', { token: TOKENS.service });
    const toService = await t.driver.submit(back.viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(toService.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });

    const { viewId } = await submit('gitlab', { token: TOKENS.personalToo });
    const asked = t.providers.requestsWith(TOKENS.personalToo).length;
    const messages = t.slack.messages.length;
    const response = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(response.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
    expect(t.providers.requestsWith(TOKENS.personalToo)).toHaveLength(asked);
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.identity).toMatchObject({ id: PERSON.id });
    expect((await t.deps.store.audit.list('gitlab'))[0]).toMatchObject({
      action: 'reauth.modal',
      outcome: 'success',
      detail: {
        previous_accounts: [expect.stringContaining('id 100')],
        new_accounts: [expect.stringContaining('id 200')],
      },
    });
    await vi.waitFor(() =>
      expect(t.slack.messages.slice(messages).some((m) => m.text.includes(`<@${OWNER}> re-authenticated GitLab`))).toBe(
        true,
      ),
    );
  });

  it('the same account again asks nothing', async () => {
    const { response } = await submit('gitlab', { token: TOKENS.personal });
    expect(response.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
  });

  it('a slow validation shows "Validating…", then the confirmation in the same view', async () => {
    const back = await submit('gitlab', { token: TOKENS.service });
    await t.driver.submit(back.viewId, { confirm_account: 'replace' }, { userId: OWNER });
    const { viewId, response } = await submit('gitlab', { token: TOKENS.personalSlow });
    expect(textOf(response.json)).toContain('Validating');
    await vi.waitFor(
      () => expect((t.slack.view(viewId)?.view as Json | undefined)?.callback_id).toBe('reauth_confirm_account'),
      {
        timeout: 5000,
      },
    );
    const confirmed = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(confirmed.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Re-authenticated' } } });
  });

  it('the held credential expires after 10 minutes', async () => {
    const before = await fingerprintOf('gitlab');
    const { viewId } = await submit('gitlab', { token: TOKENS.service });
    clock.advance(10 * 60 * 1000 + 1);
    const late = await t.driver.submit(viewId, { confirm_account: 'replace' }, { userId: OWNER });
    expect(textOf(late.json)).toContain('waited more than 10 minutes');
    expect(await fingerprintOf('gitlab')).toBe(before);
  });

  it('a held credential nobody answers is erased when its 10 minutes end, without waiting for another hand-over', async () => {
    await submit('gitlab', { token: TOKENS.service });
    const { db, tables } = t.database();
    const sealed = async () =>
      (await db.select().from(tables.pendingCredentials).where(isNotNull(tables.pendingCredentials.sealed))).length;
    expect(await sealed()).toBeGreaterThan(0);
    clock.advance(10 * 60 * 1000 + 1);
    // No other hand-over happens: the server's own sweep erases it.
    await vi.waitFor(async () => expect(await sealed()).toBe(0), { timeout: 10_000, interval: 50 });
  });

  it('admins confirm like anyone else', async () => {
    const { response } = await submit('gitlab', { token: TOKENS.service }, ADMIN);
    expect(response.json).toMatchObject({ view: { callback_id: 'reauth_confirm_account' } });
  });

  it('a pool asks when one of its accounts is new, not when it holds the same accounts in another order', async () => {
    const first = await submit('github-pat', {
      email: 'ci@acme.com',
      token: `${TOKENS.ghServiceOne}\n${TOKENS.ghServiceTwo}`,
    });
    expect(first.response.json).toMatchObject({ view: { title: { text: 'Re-authenticated' } } });
    const same = await submit('github-pat', {
      email: 'ci@acme.com',
      token: `${TOKENS.ghServiceTwo}\n${TOKENS.ghServiceOne}`,
    });
    expect(same.response.json).toMatchObject({ view: { title: { text: 'Re-authenticated' } } });
    const grown = await submit('github-pat', {
      email: 'ci@acme.com',
      token: `${TOKENS.ghServiceOne}\n${TOKENS.ghNewcomer}`,
    });
    expect(grown.response.json).toMatchObject({ view: { callback_id: 'reauth_confirm_account' } });
    expect(textOf(grown.view().blocks)).toContain('Pat Person');
  });

  it("an Azure DevOps organization's integrations share one account: another one asks from either of them", async () => {
    const first = await submit('ado-boards', { email: 'ci@acme.com', token: TOKENS.adoService });
    expect(first.response.json).toMatchObject({ view: { title: { text: 'Re-authenticated' } } });
    const other = await submit('ado-repos', { email: 'pat@acme.com', token: TOKENS.adoPerson });
    expect(other.response.json).toMatchObject({ view: { callback_id: 'reauth_confirm_account' } });
    expect(textOf(other.view().blocks)).toContain('CI Service');
    const same = await submit('ado-repos', { email: 'ci@acme.com', token: TOKENS.adoService });
    expect(same.response.json).toMatchObject({ view: { title: { text: 'Re-authenticated' } } });
  });

  it('every view answered was one Slack accepts', () => {
    expect(t.slack.refusedAcks).toEqual([]);
  });

  it('none of the tokens reached a log line, a Slack call or the database', async () => {
    for (const token of [TOKENS.personal, TOKENS.service, TOKENS.ghNewcomer])
      expect(t.providers.requestsWith(token).length).toBeGreaterThan(0);
    const logs = t.logs.text();
    const slack = JSON.stringify(t.slack.calls) + JSON.stringify(t.slack.responses) + JSON.stringify(t.slack.messages);
    const db = await t.bytesAtRest();
    expect(db.includes(Buffer.from('pending'))).toBe(true);
    for (const token of Object.values(TOKENS)) {
      expect(logs.includes(token), `log holds ${token.slice(0, 12)}`).toBe(false);
      expect(slack.includes(token), `Slack saw ${token.slice(0, 12)}`).toBe(false);
      expect(db.includes(Buffer.from(token)), `database holds ${token.slice(0, 12)}`).toBe(false);
    }
  });
});

describe('two people re-authenticating one integration at the same moment', () => {
  let t: TestApp;
  const X1 = 'glpat-RACEserviceAccountFirst01';
  const X2 = 'glpat-RACEserviceAccountSlow02';
  const Y = 'glpat-RACEpersonalTokenHandover';
  beforeAll(async () => {
    t = await startTestApp({
      catalogue: (p) =>
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [${OWNER}] }\n`,
    });
    t.providers.setToken(X1, { provider: 'gitlab', scopes: ['read_api'], identity: SERVICE });
    t.providers.setToken(X2, { provider: 'gitlab', scopes: ['read_api'], identity: SERVICE, delayMs: 1_000 });
    t.providers.setToken(Y, { provider: 'gitlab', scopes: ['read_api'], identity: PERSON });
  });
  afterAll(async () => t?.close());

  const submit = (actor: string, token: string, view: string) =>
    t.deps.services.reauth.reauthenticate({
      integrationId: 'gitlab',
      actor,
      expectedAuth: 'pat',
      raw: { token },
      submittedFields: ['token'],
      how: 'modal',
      boundTo: `view:${view}`,
    });

  it("one confirms a hand-over while the other's token of the previous account is being checked: the second is asked to confirm, never swapped in silently", async () => {
    expect((await submit(OWNER, X1, 'V1')).ok).toBe(true);
    // The admin submits another token of the service account; GitLab takes a second to answer.
    const slow = submit(ADMIN, X2, 'V2');
    await vi.waitFor(() => expect(t.providers.requestsWith(X2).length).toBeGreaterThan(0));
    // Meanwhile the owner hands the integration over to a person's token, and confirms.
    const asked = await submit(OWNER, Y, 'V3');
    expect(asked).toMatchObject({ ok: false, kind: 'confirm_account' });
    const reference = !asked.ok ? (asked.confirmation?.reference ?? '') : '';
    const confirmed = await t.deps.services.reauth.confirm({
      reference,
      integrationId: 'gitlab',
      actor: OWNER,
      boundTo: 'view:V3',
      how: 'modal',
      replace: true,
    });
    expect(confirmed.ok).toBe(true);
    // The admin's check finishes after that: it compared against the service account, which is gone.
    const second = await slow;
    expect(second).toMatchObject({ ok: false, kind: 'confirm_account' });
    expect((await t.deps.store.credentials.current('integration:gitlab'))?.identity).toMatchObject({ id: PERSON.id });
  });
});
