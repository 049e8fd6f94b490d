import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModal, textOf } from '../helpers/flows.js';
import { testHttpClient } from '../helpers/providers.js';
import { ALERTS, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';
import { expectNoLeaks, report } from './support.js';

const GOOD = 'glpat-FaultsStoredToken012345';
const NEW = 'glpat-FaultsNewToken01234567';
const ID = { id: '11', name: 'Jane Doe', username: 'jane' };

type Mode =
  | 'ok'
  | 'hang'
  | 'stall_body'
  | 'reset'
  | 'error_503'
  | 'rate_limited'
  | 'garbage'
  | 'oversized'
  | 'redirect';

/**
 * A GitLab that misbehaves on demand: in `ok` mode it forwards to the provider emulator, otherwise
 * it answers with the fault. The integration's URL never changes, so its stored credential stays bound.
 */
async function startFaultyGitlab(
  upstream: string,
): Promise<{ url: string; mode: Mode; sockets: Set<Socket>; close(): Promise<void> }> {
  const state = { mode: 'ok' as Mode };
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    switch (state.mode) {
      case 'ok':
        void (async () => {
          const answer = await fetch(`${upstream}${req.url ?? '/'}`, {
            headers: req.headers as Record<string, string>,
          });
          res.writeHead(answer.status, Object.fromEntries(answer.headers));
          res.end(Buffer.from(await answer.arrayBuffer()));
        })();
        return;
      case 'hang':
        return; // never answers
      case 'stall_body':
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.write('{"id":1,');
        return; // never finishes
      case 'reset':
        req.socket.destroy();
        return;
      case 'error_503':
        res.writeHead(503).end('upstream down');
        return;
      case 'rate_limited':
        res.writeHead(429, { 'Retry-After': '120' }).end('{}');
        return;
      case 'garbage':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('<html>definitely not json');
        return;
      case 'oversized':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(`{"pad":"${'x'.repeat(3 * 1024 * 1024)}"}`);
        return;
      case 'redirect':
        res.writeHead(302, { Location: 'https://evil.example/steal' }).end();
        return;
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get mode() {
      return state.mode;
    },
    set mode(mode: Mode) {
      state.mode = mode;
    },
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('faults: providers and Slack misbehaving', () => {
  let t: TestApp;
  let gitlab: Awaited<ReturnType<typeof startFaultyGitlab>>;
  let scenarios = 0;

  beforeAll(async () => {
    let faulty!: typeof gitlab;
    t = await startTestApp({
      // {{faulty}} is the misbehaving GitLab started in beforeStart; gitlab-tls speaks TLS to its plain HTTP.
      catalogue: () =>
        `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "{{faulty}}", owners: [U0OWNER] }\n  - { id: gitlab-tls, name: GitLab TLS, provider: gitlab, auth: pat, url: "https://{{faulty-host}}", owners: [U0OWNER] }\n  - { id: gitlab-gone, name: GitLab Gone, provider: gitlab, auth: pat, url: "http://127.0.0.1:9", owners: [U0OWNER] }\n`,
      http: testHttpClient({ headersTimeoutMs: 300, bodyTimeoutMs: 300, requestTimeoutMs: 600, connectTimeoutMs: 300 }),
      env: { LOG_LEVEL: 'trace' },
      beforeStart: async (p) => {
        faulty = await startFaultyGitlab(p.baseUrl('gitlab'));
        return { '{{faulty}}': faulty.url, '{{faulty-host}}': new URL(faulty.url).host };
      },
    });
    gitlab = faulty;
    for (const token of [GOOD, NEW])
      t.providers.setToken(token, { provider: 'gitlab', scopes: ['read_api'], identity: ID });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    expect((await t.driver.submit(call.ref ?? '', { token: GOOD }, { userId: OWNER })).json).toMatchObject({
      response_action: 'update',
    });
  });
  afterAll(async () => {
    report('faults', { scenarios });
    await t?.close();
    await gitlab?.close();
  });

  const provider: [Mode, RegExp][] = [
    ['hang', /did not answer in time/],
    ['stall_body', /did not answer in time|the connection to .* was cut/],
    ['reset', /the connection to .* was cut|failed/],
    ['error_503', /HTTP 503/],
    ['rate_limited', /rate-limiting this credential until/],
    ['garbage', /not JSON/],
    ['oversized', /larger than/],
    ['redirect', /redirected the check to evil\.example; the credential was not sent there/],
  ];

  it.each(provider)(
    'provider %s: the submission says why, the stored credential stays, Check now reports it, nothing crashes',
    async (mode, message) => {
      const stored = await t.deps.store.credentials.current('integration:gitlab');
      gitlab.mode = mode;
      try {
        const call = await openModal(t, 'gitlab', { userId: OWNER });
        const response = await t.driver.submit(call.ref ?? '', { token: NEW }, { userId: OWNER });
        const shown =
          textOf(response.json) +
          (await (async () => {
            // Slow faults answer through "Validating…" and then a views.update.
            if ((response.json as { response_action?: string }).response_action !== 'update') return '';
            await expect
              .poll(
                () =>
                  t.slack
                    .callsOf('views.update')
                    .some((c) => c.args.view_id === call.ref && /Not saved/.test(textOf(c.args.view))),
                { timeout: 5_000 },
              )
              .toBe(true);
            return textOf(
              t.slack
                .callsOf('views.update')
                .filter((c) => c.args.view_id === call.ref)
                .at(-1)?.args.view,
            );
          })());
        expect(shown).toMatch(message);
        expect(await t.deps.store.credentials.current('integration:gitlab')).toEqual(stored);

        const checked = await t.deps.services.checkNow('gitlab', OWNER, { ignoreRecentRejection: true });
        expect(checked.kind === 'checked' && checked.result.outcome.reason).toMatch(message);
        expect(await t.deps.store.credentials.current('integration:gitlab')).toEqual(stored);
        expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
        scenarios += 2;
      } finally {
        gitlab.mode = 'ok';
        for (const socket of gitlab.sockets) socket.destroy();
      }
    },
  );

  it('a TLS error and a refused connection are named, and nothing is stored', async () => {
    for (const [id, message] of [
      ['gitlab-tls', /TLS|the request to .* failed|was cut/],
      ['gitlab-gone', /refused the connection/],
    ] as const) {
      const call = await openModal(t, id, { userId: OWNER });
      const response = await t.driver.submit(call.ref ?? '', { token: NEW }, { userId: OWNER });
      expect(textOf(response.json)).toMatch(message);
      expect(await t.deps.store.credentials.current(`integration:${id}`)).toBeUndefined();
      scenarios += 1;
    }
  });

  it('the healthy provider again: everything works as before', async () => {
    const checked = await t.deps.services.checkNow('gitlab', OWNER, { ignoreRecentRejection: true });
    expect(checked.kind === 'checked' && checked.result.outcome.kind).toBe('valid');
    expect((await t.deps.store.health.of('gitlab'))?.status).toBe('healthy');
  });

  const slackFaults: [string, string, Parameters<TestApp['slack']['inject']>[1], RegExp][] = [
    [
      'views.open rate-limited',
      'views.open',
      { status: 429, retryAfter: 30, error: 'ratelimited' },
      /rate-limiting Reauth/,
    ],
    [
      'views.open 5xx',
      'views.open',
      { status: 503, error: 'internal_error', times: 3 },
      /could not reach Slack|did not open the form/,
    ],
    ['views.open expired_trigger_id', 'views.open', { error: 'expired_trigger_id' }, /closed the window/],
  ];

  it.each(slackFaults)(
    'Slack %s: the person is told what happened and what to do',
    async (_name, method, injection, message) => {
      t.slack.inject(method, injection);
      const responses = t.slack.responses.length;
      await t.driver.command('gitlab', { userId: OWNER });
      await expect.poll(() => t.slack.responses.length, { timeout: 5_000 }).toBeGreaterThan(responses);
      expect(textOf(t.slack.responses.at(-1)?.body)).toMatch(message);
      t.slack.clearInjections();
      scenarios += 1;
    },
  );

  // Slack not_found on the result view (the person closed the modal) is covered in test/e2e/slack-surface.test.ts.

  it('Slack channel_not_found for an alert: recorded, retried later, no crash', async () => {
    gitlab.mode = 'error_503';
    t.slack.inject('chat.postMessage', { error: 'channel_not_found', times: 10 });
    try {
      for (let i = 0; i < 3; i += 1) await t.deps.services.checkNow('gitlab', OWNER, { ignoreRecentRejection: true });
      const alert = t.deps.db.$client
        .prepare("select * from alerts where alert_key = 'integration:gitlab' and resolved_at is null")
        .get() as { post_error: string | null; channel: string } | undefined;
      expect(alert).toMatchObject({ post_error: 'channel_not_found', channel: ALERTS });
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    } finally {
      gitlab.mode = 'ok';
      t.slack.clearInjections();
    }
    scenarios += 1;
  });

  it('no planted secret leaked through any fault', () => {
    expectNoLeaks(t, [GOOD, NEW]);
  });
});
