import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhook } from '../../src/services/webhook-signature.js';
import { signSlackBody } from '../helpers/slack-driver.js';
import { SIGNING_SECRET, startTestApp, type TestApp } from '../helpers/start-app.js';
import { adversarialCatalogue, expectNoLeaks, report, SIZE, stateDigest } from './support.js';

const WEBHOOK_SECRET = 'fuzz-webhook-secret';
const TOKEN = 'glpat-FuzzPlantedToken0123456789';
const now = () => Math.floor(Date.now() / 1000);

/**
 * Arbitrary bodies and headers, correctly signed where a signature is needed, at every entry point:
 * never a 5xx, never a crash, never a change of state.
 */
describe('fuzzing the entry points', () => {
  let t: TestApp;
  let cases = 0;
  let serverErrors = 0;
  /** Cases run replaying counterexamples earlier runs found. */
  let replays = 0;
  /** The properties below share the case budget. */
  const PROPERTIES = 7;
  const runs = Math.floor(SIZE.fuzzCases / PROPERTIES);

  beforeAll(async () => {
    t = await startTestApp({
      catalogue: adversarialCatalogue,
      env: { HEALTH_WEBHOOK_SECRET: WEBHOOK_SECRET, LOG_LEVEL: 'trace' },
    });
    t.providers.setToken(TOKEN, { provider: 'gitlab', scopes: ['read_api'], identity: { id: '1', name: 'Fuzz' } });
  }, 60_000);
  afterAll(async () => {
    report('fuzz', { cases, serverErrors });
    await t?.close();
  });

  async function send(path: string, init: RequestInit): Promise<number> {
    // An answer that never comes is a defect too: it fails the case (and fast-check names it).
    const response = await fetch(`${t.url}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
    await response.arrayBuffer();
    if (response.status >= 500) serverErrors += 1;
    return response.status;
  }
  const signed = (body: string, contentType: string) => ({
    method: 'POST',
    headers: { 'Content-Type': contentType, ...signSlackBody(SIGNING_SECRET, body, now() - (cases % 200)) },
    body,
  });
  /** A user who manages nothing, so no generated request may legitimately change state. */
  const user = fc.stringMatching(/^U[A-Z0-9]{2,10}$/).filter((u) => !['U0OWNER', 'U0ADMIN'].includes(u));

  /**
   * Random cases, then each counterexample a run once found (its seed and path replay it exactly), so a
   * defect found by chance stays found.
   */
  async function property<T>(
    arbitrary: fc.Arbitrary<T>,
    run: (value: T) => Promise<number>,
    found: readonly { seed: number; path: string }[] = [],
  ): Promise<void> {
    const before = stateDigest(t.deps.db);
    const check = fc.asyncProperty(arbitrary, async (value) => {
      cases += 1;
      expect(await run(value)).toBeLessThan(500);
    });
    for (const replay of found) {
      const before = cases;
      await fc.assert(check, { ...replay, endOnFailure: true });
      replays += cases - before;
    }
    await fc.assert(check, { numRuns: runs, endOnFailure: true });
    expect(stateDigest(t.deps.db)).toBe(before);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }

  it('slash commands with any text, from anyone', async () => {
    await property(
      fc.record({
        text: fc.oneof(fc.string({ maxLength: 4000 }), fc.string({ unit: 'grapheme', maxLength: 200 })),
        user,
      }),
      ({ text, user: id }) => {
        const body = new URLSearchParams({
          command: '/reauth',
          text,
          user_id: id,
          channel_id: 'C0GENERAL',
          trigger_id: t.slack.mintTrigger(),
          response_url: t.slack.mintResponseUrl(),
          team_id: 'T0SANDBOX',
        }).toString();
        return send('/slack/events', signed(body, 'application/x-www-form-urlencoded'));
      },
    );
  });

  it('interaction payloads: any JSON, and buttons and submissions with any values', async () => {
    const button = fc.record({
      type: fc.constantFrom('block_actions', 'view_submission', 'view_closed', 'shortcut', 'nonsense'),
      user: fc.record({ id: user }),
      trigger_id: fc.string(),
      actions: fc.array(
        fc.record({
          action_id: fc.constantFrom(
            'reauth_open',
            'check_now',
            'snooze_24h',
            'reauth_try_again',
            'overview_page_next',
            'oauth_link',
            'x',
          ),
          value: fc.oneof(fc.string(), fc.constantFrom('gitlab', 'bb-oauth', 'jira-connect')),
          type: fc.constant('button'),
        }),
        { maxLength: 3 },
      ),
      view: fc.option(
        fc.record({
          id: fc.string(),
          callback_id: fc.constantFrom('reauth_modal', 'other'),
          private_metadata: fc.string(),
          state: fc.record({
            values: fc.dictionary(
              fc.constantFrom('token', 'email', 'username', 'x'),
              fc.dictionary(fc.string(), fc.record({ type: fc.constant('plain_text_input'), value: fc.string() })),
            ),
          }),
        }),
      ),
    });
    await property(
      fc.oneof(
        fc.json(),
        button.map((b) => JSON.stringify(b)),
      ),
      (payload) =>
        send('/slack/events', signed(new URLSearchParams({ payload }).toString(), 'application/x-www-form-urlencoded')),
      [{ seed: 299862515, path: '93' }],
    );
  });

  it('Events API bodies of any shape', async () => {
    await property(
      fc.oneof(
        fc.json(),
        fc
          .record({
            type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited'),
            event: fc.record({
              type: fc.constantFrom('app_home_opened', 'message', 'x'),
              user,
              tab: fc.constantFrom('home', 'messages'),
            }),
          })
          .map((e) => JSON.stringify(e)),
      ),
      (body) => send('/slack/events', signed(body, 'application/json')),
      [{ seed: 731713640, path: '2' }],
    );
  });

  it('health webhook bodies, correctly signed, and arbitrary headers', async () => {
    const body = fc.oneof(
      fc.json(),
      fc.string(),
      fc
        .record({
          integration: fc.oneof(fc.string(), fc.constantFrom('gitlab', 'nope')),
          status: fc.oneof(fc.string(), fc.constantFrom('failing', 'healthy')),
          reason: fc.anything(),
        })
        .map((b) => JSON.stringify(b)),
    );
    await property(
      fc.record({
        body,
        headerNoise: fc.dictionary(
          fc.stringMatching(/^x-[a-z-]{1,12}$/),
          fc.string({ maxLength: 50 }).filter((v) => !/[\r\n\0]/.test(v)),
          { maxKeys: 3 },
        ),
      }),
      async ({ body: text, headerNoise }) => {
        // A signed body that is a real signal legitimately changes state: those are left out.
        const parsed = (() => {
          try {
            return JSON.parse(text) as { integration?: unknown; status?: unknown };
          } catch {
            return undefined;
          }
        })();
        if (
          parsed &&
          typeof parsed === 'object' &&
          parsed?.integration === 'gitlab' &&
          (parsed.status === 'failing' || parsed.status === 'healthy')
        )
          return 400;
        const ts = now();
        return send('/webhooks/health', {
          method: 'POST',
          headers: {
            ...headerNoise,
            'X-Reauth-Timestamp': String(ts),
            'X-Reauth-Signature': signWebhook(WEBHOOK_SECRET, ts, text),
          },
          body: text,
        });
      },
    );
  });

  it('OAuth start and callback with any query and cookies', async () => {
    const query = fc.dictionary(
      fc.constantFrom('state', 'code', 'error', 'error_description', 'x'),
      fc.string({ maxLength: 300 }),
    );
    await property(
      fc.record({
        path: fc.constantFrom('/oauth/start', '/oauth/callback'),
        query,
        cookie: fc.string({ maxLength: 200 }).filter((v) => /^[\x20-\x7e]*$/.test(v)),
      }),
      ({ path, query: params, cookie }) =>
        send(`${path}?${new URLSearchParams(params).toString()}`, { headers: { cookie } }),
    );
  });

  it('the one-time page with any link, body, content type and cookies', async () => {
    const printable = (max: number) => fc.string({ maxLength: max }).filter((v) => /^[\x20-\x7e]*$/.test(v));
    const link = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/),
      fc.constantFrom('..', '%2e%2e', '%E0%A4%A', '%00', ''),
    );
    const fields = fc.dictionary(
      fc.constantFrom('csrf', 'email', 'username', 'token', 'step', 'confirm_account', 'x'),
      fc.string({ maxLength: 300 }),
    );
    await property(
      fc.record({
        link,
        method: fc.constantFrom('GET', 'POST'),
        fields,
        raw: fc.option(fc.string({ maxLength: 500 })),
        type: fc.constantFrom('application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', ''),
        cookie: printable(200),
      }),
      ({ link: id, method, fields: form, raw, type, cookie }) => {
        const headers: Record<string, string> = { cookie, ...(type ? { 'Content-Type': type } : {}) };
        return send(
          `/reauth/form/${id}`,
          method === 'GET'
            ? { method, headers: { cookie } }
            : { method, headers, body: raw ?? new URLSearchParams(form).toString() },
        );
      },
    );
  });

  it('credential reads with any path and any Authorization header', async () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.stringMatching(/^[a-z0-9%.-]{0,80}$/),
      fc.constantFrom('gitlab', '..', '%2e%2e', '%E0%A4%A', '%00', ''),
    );
    const authorization = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ maxLength: 100 }).map((v) => `Bearer ${v}`),
      fc.constantFrom('Bearer', 'Basic x', ''),
    );
    await property(fc.record({ segment, authorization }), async ({ segment: id, authorization: header }) => {
      const path = `/v1/credentials/${id.replace(/[\s#?]/g, '')}`;
      const headers: Record<string, string> = {};
      // fetch refuses header values with control characters; what it can send is what is tried.
      if (/^[\x20-\x7e]*$/.test(header) && header) headers.authorization = header;
      return send(path, { method: 'GET', headers });
    });
  });

  it('no 5xx at all, and no planted secret leaked at trace level', () => {
    expect(serverErrors).toBe(0);
    expect(cases).toBe(runs * PROPERTIES + replays);
    expectNoLeaks(t, [TOKEN, WEBHOOK_SECRET, SIGNING_SECRET]);
  });
});
