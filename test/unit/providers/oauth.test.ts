import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../../src/config.js';
import { createKeyring } from '../../../src/crypto/keyring.js';
import type { Db } from '../../../src/db/sqlite/client.js';
import { integrations } from '../../../src/db/sqlite/schema.js';
import type { HttpClient } from '../../../src/providers/http.js';
import {
  buildAuthorizeUrl,
  exchangeCode,
  newPkceVerifier,
  oauthEndpoints,
  refreshAccessToken,
  type OAuthEndpoints,
} from '../../../src/providers/oauth.js';
import { validateToken } from '../../../src/providers/validate.js';
import { startProviderEmulator, type ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { createSqliteStore } from '../../../src/db/sqlite/store.js';
import { createOAuthStates, hashState, type OAuthStates } from '../../../src/services/oauth-states.js';
import { memoryDb, storeOver } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';
import { contextFor, testHttpClient } from '../../helpers/providers.js';

const REDIRECT = 'http://127.0.0.1:3999/oauth/callback';

/** Plays the person on the emulator's authorize page and returns where the browser would be sent. */
async function authorize(
  url: string,
  decision: 'approve' | 'deny',
  override: Record<string, string> = {},
): Promise<URL> {
  const page = new URL(url);
  const form = new URLSearchParams({ ...Object.fromEntries(page.searchParams), ...override, decision });
  const response = await fetch(`${page.origin}${page.pathname}/decision`, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location') ?? '');
}

describe('OAuth', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  let config: Config;
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
    emulator.oauth.clients.bitbucket = { clientId: 'bb-client', clientSecret: 'bb-secret' };
    emulator.oauth.clients.entra = { clientId: 'entra-client', clientSecret: 'entra-secret' };
    emulator.oauth.identity.bitbucket = { id: '{bb-1}', name: 'Bitbucket Jane', username: 'bbjane' };
    emulator.oauth.identity.entra = { id: 'aad-1', name: 'Azure Jane', email: 'jane@acme.com' };
    const parsed = parseConfig({
      BITBUCKET_OAUTH_CLIENT_ID: 'bb-client',
      BITBUCKET_OAUTH_CLIENT_SECRET: 'bb-secret',
      BITBUCKET_OAUTH_URL: emulator.bitbucketOAuthUrl,
      AZURE_OAUTH_CLIENT_ID: 'entra-client',
      AZURE_OAUTH_CLIENT_SECRET: 'entra-secret',
      AZURE_OAUTH_AUTHORITY: emulator.azureAuthority,
    });
    if (!parsed.ok) throw new Error(parsed.problems.join());
    config = parsed.config;
  });
  afterAll(async () => {
    await http.close();
    await emulator.close();
  });

  const endpoints = (provider: 'bitbucket' | 'azure_devops'): OAuthEndpoints => {
    const found = oauthEndpoints(config, provider);
    if (!found) throw new Error('not configured');
    return found;
  };

  it('Bitbucket: authorize URL with state; code exchange with Basic client credentials; the token validates', async () => {
    const bb = endpoints('bitbucket');
    const url = buildAuthorizeUrl(bb, { state: 'state-bb', redirectUri: REDIRECT });
    expect(url).toContain(`${emulator.bitbucketOAuthUrl}/site/oauth2/authorize?client_id=bb-client&response_type=code`);
    expect(new URL(url).searchParams.get('state')).toBe('state-bb');
    const back = await authorize(url, 'approve');
    expect(back.searchParams.get('state')).toBe('state-bb');
    const now = new Date();
    const exchange = await exchangeCode(
      http,
      bb,
      { code: back.searchParams.get('code') ?? '', redirectUri: REDIRECT },
      now,
    );
    expect(exchange.ok).toBe(true);
    if (!exchange.ok) return;
    expect(exchange.tokens.refreshToken).toBeTruthy();
    expect(exchange.tokens.accessExpiresAt.getTime() - now.getTime()).toBe(7200 * 1000);
    const tokenCall = emulator.requests.find((r) => r.path === '/bitbucket-oauth/site/oauth2/access_token');
    expect(tokenCall?.headers.authorization).toBe(`Basic ${Buffer.from('bb-client:bb-secret').toString('base64')}`);
    const outcome = await validateToken(contextFor(emulator, http, 'bitbucket', 'oauth'), {
      token: exchange.tokens.accessToken,
    });
    expect(outcome).toMatchObject({ kind: 'valid', identity: { name: 'Bitbucket Jane' } });

    const refreshed = await refreshAccessToken(http, bb, exchange.tokens.refreshToken ?? '', now);
    expect(refreshed.ok).toBe(true);
    // The old refresh token is single-use at the emulator, as rotating refresh tokens are.
    const again = await refreshAccessToken(http, bb, exchange.tokens.refreshToken ?? '', now);
    expect(again).toMatchObject({ ok: false, outcome: { kind: 'invalid_credentials' } });
  });

  it('Azure DevOps via Entra: PKCE S256, the .default offline_access scope, a 90-day refresh token', async () => {
    const entra = endpoints('azure_devops');
    const verifier = newPkceVerifier();
    const url = new URL(
      buildAuthorizeUrl(entra, { state: 'state-ado', redirectUri: REDIRECT, codeVerifier: verifier }),
    );
    expect(url.pathname).toBe('/entra/organizations/oauth2/v2.0/authorize');
    expect(url.searchParams.get('scope')).toBe('499b84ac-1321-427f-aa17-267ca6975798/.default offline_access');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).not.toBe(verifier);
    const back = await authorize(url.toString(), 'approve');
    const now = new Date();
    const exchange = await exchangeCode(
      http,
      entra,
      { code: back.searchParams.get('code') ?? '', redirectUri: REDIRECT, codeVerifier: verifier },
      now,
    );
    expect(exchange.ok).toBe(true);
    if (!exchange.ok) return;
    expect(exchange.tokens.refreshExpiresAt?.getTime()).toBe(now.getTime() + 90 * 24 * 3600 * 1000);
    const outcome = await validateToken(contextFor(emulator, http, 'azure_devops', 'oauth'), {
      token: exchange.tokens.accessToken,
    });
    expect(outcome).toMatchObject({ kind: 'valid', identity: { name: 'Azure Jane' } });
  });

  it('Azure DevOps via Entra: a PKCE mismatch is refused', async () => {
    const entra = endpoints('azure_devops');
    const url = buildAuthorizeUrl(entra, { state: 's', redirectUri: REDIRECT, codeVerifier: newPkceVerifier() });
    const back = await authorize(url, 'approve');
    const exchange = await exchangeCode(
      http,
      entra,
      { code: back.searchParams.get('code') ?? '', redirectUri: REDIRECT, codeVerifier: newPkceVerifier() },
      new Date(),
    );
    expect(exchange).toMatchObject({ ok: false, outcome: { kind: 'invalid_credentials' } });
    if (!exchange.ok) expect(exchange.outcome.reason).toContain('invalid_grant: AADSTS501481');
  });

  it('a denied authorization comes back as error parameters', async () => {
    const back = await authorize(
      buildAuthorizeUrl(endpoints('bitbucket'), { state: 's2', redirectUri: REDIRECT }),
      'deny',
    );
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('a reused code, and a wrong client secret, are refused with clear reasons', async () => {
    const bb = endpoints('bitbucket');
    const back = await authorize(buildAuthorizeUrl(bb, { state: 's3', redirectUri: REDIRECT }), 'approve');
    const code = back.searchParams.get('code') ?? '';
    expect((await exchangeCode(http, bb, { code, redirectUri: REDIRECT }, new Date())).ok).toBe(true);
    expect(await exchangeCode(http, bb, { code, redirectUri: REDIRECT }, new Date())).toMatchObject({
      ok: false,
      outcome: { kind: 'invalid_credentials' },
    });
    const wrong = await exchangeCode(
      http,
      { ...bb, clientSecret: 'nope' },
      { code: 'x', redirectUri: REDIRECT },
      new Date(),
    );
    expect(wrong).toMatchObject({ ok: false, outcome: { kind: 'provider_error' } });
    if (!wrong.ok)
      expect(wrong.outcome.reason).toContain('BITBUCKET_OAUTH_CLIENT_ID and BITBUCKET_OAUTH_CLIENT_SECRET');
  });

  it('is not offered when the client is not configured', () => {
    const bare = parseConfig({});
    if (!bare.ok) throw new Error('x');
    expect(oauthEndpoints(bare.config, 'bitbucket')).toBeUndefined();
    expect(oauthEndpoints(bare.config, 'azure_devops')).toBeUndefined();
  });
});

describe('OAuth states', () => {
  let db: Db;
  let states: OAuthStates;
  const keyring = createKeyring(newKey());
  const t0 = new Date('2026-11-28T10:00:00Z');
  beforeEach(() => {
    db = memoryDb();
    states = createOAuthStates({ store: createSqliteStore(db), keyring });
    const now = new Date();
    db.insert(integrations)
      .values({
        id: 'bb',
        name: 'bb',
        provider: 'bitbucket',
        authType: 'oauth',
        url: 'https://api.bitbucket.org',
        owners: [],
        credentialKey: 'integration:bb',
        createdAt: now,
        updatedAt: now,
      })
      .run();
  });

  it('are random, stored only by hash, bound to integration and user, and carry a sealed PKCE verifier', async () => {
    const issued = await states.issue({ integrationId: 'bb', slackUserId: 'U1', codeVerifier: 'verifier-xyz' }, t0);
    expect(issued.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(issued.expiresAt).toEqual(new Date(t0.getTime() + 10 * 60_000));
    const row = await storeOver(db).oauthStates.find(hashState(issued.state));
    expect(row?.slackUserId).toBe('U1');
    expect(JSON.stringify(row)).not.toContain(issued.state);
    expect(JSON.stringify(row)).not.toContain('verifier-xyz');
    expect(await states.consume(issued.state, t0)).toEqual({
      ok: true,
      integrationId: 'bb',
      slackUserId: 'U1',
      codeVerifier: 'verifier-xyz',
    });
  });

  it('are single use', async () => {
    const { state } = await states.issue({ integrationId: 'bb', slackUserId: 'U1' }, t0);
    expect((await states.consume(state, t0)).ok).toBe(true);
    expect(await states.consume(state, t0)).toMatchObject({ ok: false, problem: 'reused', slackUserId: 'U1' });
  });

  it('expire after 10 minutes, and an expired state is used up too', async () => {
    const { state } = await states.issue({ integrationId: 'bb', slackUserId: 'U1' }, t0);
    const later = new Date(t0.getTime() + 10 * 60_000 + 1);
    expect(await states.consume(state, later)).toMatchObject({ ok: false, problem: 'expired' });
    expect(await states.consume(state, t0)).toMatchObject({ ok: false, problem: 'reused' });
  });

  it('a forged state is unknown', async () => {
    expect(await states.consume('forged-state-value', t0)).toEqual({ ok: false, problem: 'unknown' });
  });
});
