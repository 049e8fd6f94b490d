import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from '../../../src/providers/http.js';
import { checkWorkspaceToken, mintBitbucketToken } from '../../../src/providers/machine/bitbucket.js';
import { mintEntraToken } from '../../../src/providers/machine/entra.js';
import {
  appJwt,
  checkApp,
  checkInstallationToken,
  JWT_BACKDATE_SECONDS,
  JWT_LIFETIME_SECONDS,
  mintInstallationToken,
} from '../../../src/providers/machine/github-app.js';
import { parseMachineInput } from '../../../src/providers/machine/input.js';
import { readPrivateKey } from '../../../src/providers/machine/private-key.js';
import { authSpec } from '../../../src/providers/registry.js';
import type { AuthKey } from '../../../src/providers/types.js';
import { startProviderEmulator, type ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { contextFor, testHttpClient } from '../../helpers/providers.js';

const APP = { id: 424242, clientId: 'Iv23liEmulatedApp', name: 'Acme Insights', slug: 'acme-insights' };
const github = (appId = String(APP.id), installationId = '1001') => ({
  kind: 'github_app' as const,
  appId,
  installationId,
});

const decode = (jwt: string) => {
  const [head, body, signature] = jwt.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>,
    claims: JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, number | string>,
    signed: Buffer.from(`${head}.${body}`),
    signature: Buffer.from(signature, 'base64url'),
  };
};

describe('a GitHub App private key, read before any network call', () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('takes the .pem GitHub downloads (PKCS#1), PKCS#8, and a key whose line breaks were escaped or flattened', () => {
    const expected = readPrivateKey(pkcs1);
    expect(expected.ok).toBe(true);
    if (!expected.ok) return;
    expect(expected.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}=$/);
    for (const variant of [
      pkcs8,
      pkcs1.replace(/\n/g, '\\n'),
      pkcs1.replace(/\n/g, ' '),
      pkcs1.replace(/\n/g, '\r\n'),
    ]) {
      const read = readPrivateKey(variant);
      expect(read.ok && read.fingerprint).toBe(expected.fingerprint);
    }
  });

  it('refuses a token, a public key, an EC key, an encrypted key and text that is no key, saying what it is', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const encrypted = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' });
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const reasons = [
      `ghs_${'a'.repeat(36)}`,
      publicPem,
      ec.toString(),
      encrypted.toString(),
      'not a key at all',
      // A body line damaged (whatever the random key's letters).
      pkcs1
        .split('\n')
        .map((line, i) => (i === 2 ? '!'.repeat(line.length) : line))
        .join('\n'),
      '',
    ].map((text) => {
      const read = readPrivateKey(text);
      return read.ok ? 'accepted' : read.reason;
    });
    expect(reasons[0]).toMatch(/GitHub token, not a private key/);
    expect(reasons[1]).toMatch(/public key/);
    expect(reasons[2]).toMatch(/ec key; GitHub Apps sign with RSA/);
    expect(reasons[3]).toMatch(/encrypted/);
    expect(reasons[4]).toMatch(/not a PEM private key/);
    expect(reasons[5]).toMatch(/not a PEM private key|damaged/);
    expect(reasons[6]).toMatch(/Paste the private key/);
  });
});

describe('a GitHub App against the emulated GitHub', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  let pem = '';
  const key = () => {
    const read = readPrivateKey(pem);
    if (!read.ok) throw new Error(read.reason);
    return read.key;
  };
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
    pem = emulator.githubApps.add({
      ...APP,
      installations: {
        '1001': { account: 'acme', repositories: ['acme/api', 'acme/web'] },
        '1002': { account: 'suspended-co', repositories: [], suspended: true },
      },
    });
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });
  const ctx = (extra = {}) => contextFor(emulator, http, 'github', 'app_installation', extra);

  it("signs the JWT with RS256: iat 60 s back, exp 9 minutes ahead, iss the App's numeric id or its client id", () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const seconds = now.getTime() / 1000;
    for (const [appId, iss] of [
      ['424242', 424242],
      [APP.clientId, APP.clientId],
    ] as const) {
      const jwt = decode(appJwt(key(), appId, now));
      expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT' });
      expect(jwt.claims).toEqual({ iat: seconds - JWT_BACKDATE_SECONDS, exp: seconds + JWT_LIFETIME_SECONDS, iss });
      expect(verify('sha256', jwt.signed, createPublicKey(key()), jwt.signature)).toBe(true);
    }
    expect(JWT_LIFETIME_SECONDS + JWT_BACKDATE_SECONDS).toBeLessThanOrEqual(600);
  });

  it('names the App from GET /app, mints an installation token of the 2026 format, and proves it lists the repositories', async () => {
    const app = await checkApp(ctx(), key(), github());
    expect(app).toMatchObject({
      kind: 'valid',
      identity: { id: '424242', name: 'Acme Insights', username: 'acme-insights' },
    });
    const minted = await mintInstallationToken(ctx(), key(), github());
    if (!minted.ok) throw new Error(minted.outcome.reason);
    expect(minted.minted.token).toMatch(/^ghs_424242_/);
    expect(minted.minted.token.length).toBeGreaterThan(500);
    expect(minted.minted.expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    expect(await checkInstallationToken(ctx(), minted.minted.token)).toBeUndefined();
    const [mint] = emulator.requests.filter((r) => r.path.endsWith('/access_tokens'));
    expect(mint?.method).toBe('POST');
    expect(mint?.headers.accept).toBe('application/vnd.github+json');
    expect(mint?.headers['x-github-api-version']).toBe('2022-11-28');
    expect(mint?.headers.authorization).toMatch(/^Bearer eyJ/);
  });

  it('the client id works as the issuer too', async () => {
    expect((await checkApp(ctx(), key(), github(APP.clientId))).kind).toBe('valid');
    expect((await mintInstallationToken(ctx(), key(), github(APP.clientId))).ok).toBe(true);
  });

  it('refuses a key of another App, an installation that does not exist and a suspended one, each saying what to do', async () => {
    const other = emulator.githubApps.add({
      id: 7,
      clientId: 'Iv23liOther',
      name: 'Other',
      slug: 'other',
      installations: {},
    });
    const otherKey = readPrivateKey(other);
    if (!otherKey.ok) throw new Error('bad key');
    // GitHub finds the App by the JWT's issuer, then checks the signature against that App's keys.
    const signedAsOther = await checkApp(ctx(), otherKey.key, github());
    expect(signedAsOther).toMatchObject({
      kind: 'invalid_credentials',
      reason: expect.stringMatching(/rejected the App's signed request \(HTTP 401.*not a key of App 424242/),
    });
    expect((await checkApp(ctx(), otherKey.key, github('7'))).kind).toBe('valid');
    const missing = await mintInstallationToken(ctx(), key(), github(String(APP.id), '9999'));
    expect(!missing.ok && missing.outcome).toMatchObject({
      kind: 'invalid_credentials',
      reason: expect.stringMatching(/no installation 9999 .*uninstalled, or installation_id .* is wrong/),
    });
    const suspended = await mintInstallationToken(ctx(), key(), github(String(APP.id), '1002'));
    expect(!suspended.ok && suspended.outcome).toMatchObject({
      kind: 'insufficient_scope',
      reason: expect.stringMatching(/suspended/),
    });
  });

  it('a deleted key is refused as a credential (not retried), and a new key of the App works', async () => {
    const app = emulator.githubApps.add({
      id: 515,
      clientId: 'Iv23liDeleted',
      name: 'Deleted key app',
      slug: 'deleted',
      installations: { '5': { account: 'acme', repositories: ['acme/api'] } },
    });
    const before = readPrivateKey(app);
    if (!before.ok) throw new Error('bad key');
    emulator.githubApps.deleteKeys(515);
    const refused = await mintInstallationToken(ctx(), before.key, github('515', '5'));
    expect(!refused.ok && refused.outcome.kind).toBe('invalid_credentials');
    expect(!refused.ok && refused.outcome.reason).toMatch(/deleted from the App.*Generate a new private key/);
    const fresh = readPrivateKey(emulator.githubApps.newKey(515));
    if (!fresh.ok) throw new Error('bad key');
    expect((await mintInstallationToken(ctx(), fresh.key, github('515', '5'))).ok).toBe(true);
  });

  it('GitHub Actions with a repository: the minted token must list its workflow runs', async () => {
    const minted = await mintInstallationToken(ctx(), key(), github());
    if (!minted.ok) throw new Error('no token');
    const actions = (repository: string) =>
      contextFor(emulator, http, 'github_actions', 'app_installation', { repository });
    expect(await checkInstallationToken(actions('acme/api'), minted.minted.token)).toBeUndefined();
    expect(await checkInstallationToken(actions('acme/elsewhere'), minted.minted.token)).toMatchObject({
      kind: 'insufficient_scope',
      reason: expect.stringMatching(/Actions: read permission and install it on acme\/elsewhere/),
    });
  });

  it('GitHub down is a transient failure, not a refusal', async () => {
    emulator.setProviderDown('github', true);
    try {
      const minted = await mintInstallationToken(ctx(), key(), github());
      expect(!minted.ok && minted.outcome.kind).toBe('provider_error');
    } finally {
      emulator.setProviderDown('github', false);
    }
  });
});

describe("a GitHub App whose clock disagrees with GitHub's", () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  beforeAll(async () => {
    // GitHub's clock five minutes behind Reauth's: Reauth's iat is in GitHub's future.
    emulator = await startProviderEmulator({ now: () => Date.now() - 5 * 60_000 });
    http = testHttpClient();
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });

  it("signs again on GitHub's clock (its Date header) and mints", async () => {
    const read = readPrivateKey(
      emulator.githubApps.add({ ...APP, installations: { '1001': { account: 'acme', repositories: [] } } }),
    );
    if (!read.ok) throw new Error('bad key');
    const minted = await mintInstallationToken(
      contextFor(emulator, http, 'github', 'app_installation'),
      read.key,
      github(),
    );
    expect(minted.ok).toBe(true);
    const mints = emulator.requests.filter((r) => r.path.endsWith('/access_tokens'));
    expect(mints).toHaveLength(2);
    const accepted = emulator.githubApps.acceptedClaims.at(-1);
    expect(Number(accepted?.iat)).toBeLessThan((Date.now() - 5 * 60_000) / 1000);
  });
});

describe('an Entra service principal against the emulated Microsoft Entra ID', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  let secret = '';
  const TENANT = '11111111-2222-3333-4444-555555555555';
  const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
    secret = emulator.entraPrincipals.add({ tenantId: TENANT, clientId: CLIENT, organizations: ['acme'] });
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });
  const ctx = () => contextFor(emulator, http, 'azure_devops', 'service_principal');
  const entra = (tenantId = TENANT) => ({ kind: 'entra' as const, tenantId, authority: emulator.azureAuthority });

  it("sends Microsoft's documented client-credentials form and gets an hour-long token", async () => {
    const minted = await mintEntraToken(ctx(), entra(), { clientId: CLIENT, clientSecret: secret });
    if (!minted.ok) throw new Error(minted.outcome.reason);
    expect(minted.minted.expiresAt.getTime() - Date.now()).toBeGreaterThan(59 * 60_000);
    const [request] = emulator.requests.filter((r) => r.path === `/entra/${TENANT}/oauth2/v2.0/token`);
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(request?.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT,
      client_secret: secret,
      scope: '499b84ac-1321-427f-aa17-267ca6975798/.default',
    });
  });

  it('a wrong or deleted secret, an unknown client and an unknown tenant are refusals that say what to do', async () => {
    const wrong = await mintEntraToken(ctx(), entra(), { clientId: CLIENT, clientSecret: 'not-the-secret' });
    expect(!wrong.ok && wrong.outcome).toMatchObject({
      kind: 'invalid_credentials',
      reason: expect.stringMatching(
        /refused the client credentials \(invalid_client: AADSTS7000215.*add a new client secret/,
      ),
    });
    expect(JSON.stringify(wrong)).not.toContain('not-the-secret');
    const client = await mintEntraToken(ctx(), entra(), {
      clientId: 'ffffffff-0000-0000-0000-000000000000',
      clientSecret: secret,
    });
    expect(!client.ok && client.outcome.reason).toMatch(/unauthorized_client: AADSTS700016/);
    const tenant = await mintEntraToken(ctx(), entra('99999999-2222-3333-4444-555555555555'), {
      clientId: CLIENT,
      clientSecret: secret,
    });
    expect(!tenant.ok && tenant.outcome.reason).toMatch(/invalid_request: AADSTS90002/);
  });

  it('an Entra outage is transient', async () => {
    const down = await mintEntraToken(
      ctx(),
      { kind: 'entra', tenantId: TENANT, authority: 'http://127.0.0.1:9' },
      { clientId: CLIENT, clientSecret: secret },
    );
    expect(!down.ok && down.outcome.kind).toBe('unreachable');
  });
});

describe('a Bitbucket OAuth consumer against the emulated Bitbucket', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  let secret = '';
  const KEY = 'ConsumerKey0123456';
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
    secret = emulator.bitbucketConsumers.add({ key: KEY, workspaces: ['acme'] });
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });
  const ctx = () => contextFor(emulator, http, 'bitbucket', 'client_credentials');
  const endpoints = () => ({ bitbucketOAuthUrl: emulator.bitbucketOAuthUrl });

  it('sends the key and secret as HTTP Basic with grant_type=client_credentials, and proves the token on the workspace', async () => {
    const minted = await mintBitbucketToken(ctx(), endpoints(), { clientId: KEY, clientSecret: secret });
    if (!minted.ok) throw new Error(minted.outcome.reason);
    expect(minted.minted.expiresAt.getTime() - Date.now()).toBeGreaterThan(119 * 60_000);
    const [request] = emulator.requests.filter((r) => r.path === '/bitbucket-oauth/site/oauth2/access_token');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from(`${KEY}:${secret}`).toString('base64')}`);
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.body).toBe('grant_type=client_credentials');
    const workspace = { kind: 'bitbucket' as const, workspace: 'acme' };
    expect(await checkWorkspaceToken(ctx(), workspace, minted.minted.token, KEY)).toMatchObject({
      kind: 'valid',
      identity: { id: KEY },
    });
    const [check] = emulator.requests.filter((r) => r.path.endsWith('/2.0/repositories/acme'));
    expect(check?.query).toEqual({ pagelen: '1' });
    expect(check?.headers.authorization).toBe(`Bearer ${minted.minted.token}`);
    expect(
      await checkWorkspaceToken(ctx(), { kind: 'bitbucket', workspace: 'elsewhere' }, minted.minted.token, KEY),
    ).toMatchObject({ kind: 'insufficient_scope', reason: expect.stringMatching(/workspace elsewhere/) });
  });

  it('a wrong or regenerated secret is a refusal that says what to do, and names no secret', async () => {
    const wrong = await mintBitbucketToken(ctx(), endpoints(), { clientId: KEY, clientSecret: 'not-the-secret' });
    expect(!wrong.ok && wrong.outcome).toMatchObject({
      kind: 'invalid_credentials',
      reason: expect.stringMatching(
        /refused the client credentials \(invalid_client: Invalid OAuth client credentials\).*current Key and Secret/,
      ),
    });
    expect(JSON.stringify(wrong)).not.toContain('not-the-secret');
  });
});

describe("a client's id and secret, read before any network call", () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const parse = (provider: 'bitbucket' | 'azure_devops', auth: AuthKey, raw: Record<string, string>) => {
    const spec = authSpec(provider, auth);
    if (spec?.form.kind !== 'machine') throw new Error('not a machine identity');
    return parseMachineInput(spec.form, raw, now, spec.foreignShapes);
  };

  it('an app password, an API token or an access token pasted as a consumer secret is refused, saying what replaced it', () => {
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ConsumerKey0123456', client_secret: 'ATBB3xFfGN0abcdef' }),
    ).toMatchObject({
      ok: false,
      outcome: {
        kind: 'invalid_input',
        field: 'client_secret',
        reason: expect.stringMatching(/app password.*removed app passwords on 28 July 2026.*API token.*access token/),
      },
    });
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ATBB3xFfGN0abcdef', client_secret: 'x' }),
    ).toMatchObject({ ok: false, outcome: { field: 'client_id', reason: expect.stringMatching(/28 July 2026/) } });
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ConsumerKey0123456', client_secret: 'ATATT3xFfGF0abc' }),
    ).toMatchObject({ ok: false, outcome: { reason: expect.stringMatching(/API token.*auth api_key/) } });
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ConsumerKey0123456', client_secret: 'ATCTT3xFfGN0abc' }),
    ).toMatchObject({ ok: false, outcome: { reason: expect.stringMatching(/access token.*auth access_token/) } });
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ConsumerKey0123456', client_secret: 'aGoodSecret123' }),
    ).toMatchObject({ ok: true });
    expect(
      parse('bitbucket', 'client_credentials', { client_id: 'ConsumerKey0123456', client_secret: 'Bearer aSecret123' }),
    ).toMatchObject({
      ok: false,
      outcome: { field: 'client_secret', reason: 'Paste only the secret, on one line, with nothing around it.' },
    });
  });

  it("an Entra secret's ID (a GUID) and an end date beyond 24 months are refused by name", () => {
    const client = '11111111-2222-3333-4444-555555555555';
    expect(parse('azure_devops', 'service_principal', { client_id: client, client_secret: client })).toMatchObject({
      ok: false,
      outcome: { field: 'client_secret', reason: expect.stringMatching(/secret's ID/) },
    });
    expect(
      parse('azure_devops', 'service_principal', { client_id: client, client_secret: 'a~b', expires_on: '2029-06-01' }),
    ).toMatchObject({
      ok: false,
      outcome: { field: 'expires_on', reason: expect.stringMatching(/at most 24 months/) },
    });
  });
});
