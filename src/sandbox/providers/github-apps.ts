import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { bearerOf, sendJson } from './http-utils.js';
import type { EmulatedToken } from './types.js';

/**
 * GitHub Apps as GitHub serves them, on loopback: `GET /app` and
 * `POST /app/installations/{id}/access_tokens` authenticated by the App's RS256 JWT — checked against
 * the public half of each of the App's keys, with GitHub's rules for `iat`, `exp` and `iss`
 * (https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app)
 * — and `GET /installation/repositories` with an installation token. Tokens are issued in the 2026
 * stateless format (`ghs_APPID_…`, ~520 characters) unless the request asks for the old one with
 * `X-GitHub-Stateless-S2S-Token: disabled`; they end after the App's token lifetime (an hour by default).
 */

export interface EmulatedInstallation {
  account: string;
  repositories: string[];
  suspended?: boolean;
}

export interface EmulatedApp {
  id: number;
  clientId: string;
  name: string;
  slug: string;
  installations: Record<string, EmulatedInstallation>;
  /** How long an installation token lives (the sandbox shortens it to watch renewals). */
  tokenLifetimeMs: number;
}

export interface GitHubApps {
  /** Registers an App (its installations included) and returns a new private key of it, in PEM. */
  add(app: Omit<EmulatedApp, 'tokenLifetimeMs'> & { tokenLifetimeMs?: number }): string;
  /** Generates one more private key of the App (GitHub allows up to 25); `bits` 4096 gives one too long for a Slack input. */
  newKey(appId: number, bits?: number): string;
  /** Deletes every key of the App: JWTs signed with them are refused from now on. */
  deleteKeys(appId: number): void;
  app(appId: number): EmulatedApp | undefined;
  /** Every JWT claim set GitHub accepted, in order: what tests check the JWT against. */
  readonly acceptedClaims: readonly Record<string, unknown>[];
}

interface AppCall {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  now: number;
}

const DOCS = 'https://docs.github.com/rest';
/** GitHub's 401, with its Date header on GitHub's clock (what a client corrects its JWT's times by). */
function unauthorized(res: ServerResponse, message: string, now: number): true {
  sendJson(res, 401, { message, documentation_url: DOCS }, { Date: new Date(now).toUTCString() });
  return true;
}

function answer(res: ServerResponse, status: number, body: unknown): true {
  sendJson(res, status, body);
  return true;
}

export function createGitHubApps(tokens: Map<string, EmulatedToken>) {
  const apps = new Map<number, EmulatedApp & { keys: KeyObject[] }>();
  const acceptedClaims: Record<string, unknown>[] = [];

  function generateKey(app: { keys: KeyObject[] }, bits = 2048): string {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
    app.keys.push(publicKey);
    return privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  }

  /** The App a JWT authenticates, or GitHub's refusal. */
  function appOfJwt(jwt: string | undefined, now: number): { app: EmulatedApp } | { refusal: string } {
    const parts = (jwt ?? '').split('.');
    if (parts.length !== 3) return { refusal: 'A JSON web token could not be decoded' };
    const [head, body, signature] = parts as [string, string, string];
    let header: { alg?: unknown };
    let claims: { iat?: unknown; exp?: unknown; iss?: unknown };
    try {
      header = JSON.parse(Buffer.from(head, 'base64url').toString()) as typeof header;
      claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as typeof claims;
    } catch {
      return { refusal: 'A JSON web token could not be decoded' };
    }
    if (header.alg !== 'RS256') return { refusal: 'A JSON web token could not be decoded' };
    const app = [...apps.values()].find(
      (a) => claims.iss === a.id || claims.iss === String(a.id) || claims.iss === a.clientId,
    );
    if (!app) return { refusal: 'Integration not found' };
    const signed = Buffer.from(`${head}.${body}`);
    if (!app.keys.some((key) => verify('sha256', signed, key, Buffer.from(signature, 'base64url'))))
      return { refusal: 'A JSON web token could not be decoded' };
    const seconds = Math.floor(now / 1000);
    if (typeof claims.iat !== 'number' || claims.iat > seconds + 5)
      return {
        refusal: "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued",
      };
    if (typeof claims.exp !== 'number' || claims.exp > seconds + 600)
      return { refusal: "'Expiration time' claim ('exp') is too far in the future" };
    if (claims.exp <= seconds)
      return {
        refusal:
          "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
      };
    acceptedClaims.push({ ...claims });
    return { app };
  }

  const installationToken = (app: EmulatedApp, stateless: boolean): string =>
    stateless
      ? `ghs_${app.id}_${randomBytes(380).toString('base64url')}`
      : `ghs_${randomBytes(27).toString('base64url').replace(/[-_]/g, 'x').slice(0, 36)}`;

  const registry: GitHubApps = {
    add(app) {
      const entry = { tokenLifetimeMs: 3_600_000, ...app, keys: [] as KeyObject[] };
      apps.set(app.id, entry);
      return generateKey(entry);
    },
    newKey(appId, bits) {
      const app = apps.get(appId);
      if (!app) throw new Error(`no emulated App ${appId}`);
      return generateKey(app, bits);
    },
    deleteKeys(appId) {
      const app = apps.get(appId);
      if (app) app.keys.splice(0);
    },
    app: (appId) => apps.get(appId),
    acceptedClaims,
  };

  /** Answers the App endpoints below the GitHub mount; false when the path is not one of them. */
  function handle(call: AppCall, res: ServerResponse): boolean {
    const bearer = bearerOf(call.headers.authorization);
    if (call.path === '/app' && call.method === 'GET') {
      const found = appOfJwt(bearer, call.now);
      if ('refusal' in found) return unauthorized(res, found.refusal, call.now);
      const { app } = found;
      sendJson(res, 200, {
        id: app.id,
        client_id: app.clientId,
        slug: app.slug,
        name: app.name,
        owner: { login: Object.values(app.installations)[0]?.account ?? 'acme' },
        installations_count: Object.keys(app.installations).length,
      });
      return true;
    }
    const mint = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(call.path);
    if (mint && call.method === 'POST') {
      const found = appOfJwt(bearer, call.now);
      if ('refusal' in found) return unauthorized(res, found.refusal, call.now);
      const { app } = found;
      const installation = app.installations[decodeURIComponent(mint[1] ?? '')];
      if (!installation) return answer(res, 404, { message: 'Not Found', documentation_url: DOCS });
      if (installation.suspended)
        return answer(res, 403, { message: 'This installation has been suspended', documentation_url: DOCS });
      const stateless = call.headers['x-github-stateless-s2s-token']?.toLowerCase() !== 'disabled';
      const token = installationToken(app, stateless);
      const expiresAt = new Date(call.now + app.tokenLifetimeMs);
      tokens.set(token, {
        provider: 'github',
        identity: { id: String(app.id), name: app.name, username: `${app.slug}[bot]` },
        expiresAt,
        actionsRepos: installation.repositories,
        installation: { appId: app.id, id: mint[1] ?? '' },
      });
      sendJson(res, 201, {
        token,
        expires_at: expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { metadata: 'read', actions: 'read', contents: 'read' },
        repository_selection: 'selected',
      });
      return true;
    }
    if (call.path === '/installation/repositories' && call.method === 'GET') {
      const entry = bearer === undefined ? undefined : tokens.get(bearer);
      const revoked = entry?.status === 'revoked' || entry?.status === 'expired';
      if (!entry?.installation || revoked || (entry.expiresAt && entry.expiresAt.getTime() <= call.now))
        return unauthorized(res, 'Bad credentials', call.now);
      const repositories = entry.actionsRepos ?? [];
      const perPage = Math.max(1, Math.min(100, Number(call.query.get('per_page') ?? 30)));
      sendJson(res, 200, {
        total_count: repositories.length,
        repository_selection: 'selected',
        repositories: repositories
          .slice(0, perPage)
          .map((fullName, i) => ({ id: i + 1, name: fullName.split('/')[1], full_name: fullName })),
      });
      return true;
    }
    return false;
  }

  return { registry, handle };
}
