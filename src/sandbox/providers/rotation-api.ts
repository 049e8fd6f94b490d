import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ProviderKey } from '../../providers/types.js';
import { sendJson } from './http-utils.js';
import type { ProviderCall } from './provider-api.js';
import type { EmulatedToken } from './types.js';

/**
 * The providers' renewal endpoints, as documented: GitLab's self-rotation (the caller is revoked at
 * once; presenting a rotated token again is treated as a leak and revokes its successor too —
 * https://docs.gitlab.com/api/personal_access_tokens/#rotate-a-personal-access-token) and SonarQube's
 * user tokens (names unique per login; generate, revoke by name, search lists names —
 * https://next.sonarqube.com/sonarqube/web_api/api/user_tokens). They change the emulated token table.
 */

const DAY_MS = 86_400_000;
const loginOf = (entry: EmulatedToken): string => entry.identity?.username ?? entry.identity?.id ?? 'emulated';
const live = (entry: EmulatedToken | undefined): entry is EmulatedToken =>
  entry !== undefined &&
  (entry.status === undefined ||
    entry.status === 'valid' ||
    entry.status === 'slow' ||
    entry.status === 'insufficient_scope');

function paramsOf(headers: Record<string, string>, body: string, query: URLSearchParams): URLSearchParams {
  const params = new URLSearchParams(query);
  if ((headers['content-type'] ?? '').includes('json')) {
    try {
      for (const [k, v] of Object.entries(JSON.parse(body) as Record<string, unknown>)) params.set(k, String(v));
    } catch {
      // not JSON: no parameters
    }
  } else for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return params;
}

const dateOnly = (date: Date): string => date.toISOString().slice(0, 10);

/** Sends a JSON answer; true, as the handler returns once it answered. */
function reply(res: ServerResponse, status: number, body: unknown): true {
  sendJson(res, status, body);
  return true;
}

/** A provider call as the handlers see it, before its token is looked up: renewal changes the token table itself. */
export type RotationCall = Omit<ProviderCall, 'basicUser' | 'entry'> & { provider: ProviderKey };

/** Answers a renewal call and returns true, or returns false when the call is not one. */
export function handleRotation(call: RotationCall, tokens: Map<string, EmulatedToken>, res: ServerResponse): boolean {
  const entry = call.token === undefined ? undefined : tokens.get(call.token);
  const own = entry && entry.provider === call.provider ? entry : undefined;
  if (
    call.provider === 'gitlab' &&
    call.method === 'POST' &&
    call.path === '/api/v4/personal_access_tokens/self/rotate'
  ) {
    if (own?.status === 'server_error') return reply(res, 503, { message: 'Service Unavailable' });
    if (own?.rotatedTo) {
      // Reuse of a rotated token: GitLab assumes it leaked and revokes the whole chain.
      for (let next: string | undefined = own.rotatedTo; next; next = tokens.get(next)?.rotatedTo) {
        const successor = tokens.get(next);
        if (successor) successor.status = 'revoked';
      }
      return reply(res, 401, { message: '401 Unauthorized' });
    }
    if (!live(own)) return reply(res, 401, { message: '401 Unauthorized' });
    const scopes = own.scopes ?? ['read_api'];
    if (!scopes.includes('api') && !scopes.includes('self_rotate')) {
      return reply(res, 403, {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: 'api self_rotate',
      });
    }
    const asked = paramsOf(call.headers, call.body, call.query).get('expires_at');
    const expires = asked ? new Date(`${asked}T00:00:00Z`) : new Date(call.now + 7 * DAY_MS);
    if (Number.isNaN(expires.getTime()) || expires.getTime() > call.now + 366 * DAY_MS)
      return reply(res, 400, { message: 'expires_at is invalid or more than a year away' });
    const token = `glpat-${randomBytes(15).toString('base64url')}`;
    const { rotatedTo: _, rotationFault, ...rest } = own;
    tokens.set(token, { ...rest, status: 'valid', expiresAt: expires, ...rotationFault?.successor });
    own.status = 'revoked';
    own.rotatedTo = token;
    const answer = {
      id: 43,
      name: 'reauth',
      revoked: false,
      active: true,
      scopes,
      user_id: Number(own.identity?.id) || 1,
      created_at: new Date(call.now).toISOString(),
      expires_at: dateOnly(expires),
    };
    sendJson(res, 200, rotationFault?.answer === 'no_token' ? answer : { ...answer, token });
    return true;
  }
  if (call.provider !== 'sonarqube' || !call.path.startsWith('/api/user_tokens/')) return false;
  if (own?.status === 'server_error') return reply(res, 503, { errors: [{ msg: 'Service Unavailable' }] });
  if (!live(own)) return reply(res, 401, { errors: [{ msg: 'Authentication required' }] });
  const login = loginOf(own);
  const mine = () =>
    [...tokens.entries()].filter(([, e]) => e.provider === 'sonarqube' && live(e) && loginOf(e) === login);
  const params = paramsOf(call.headers, call.body, call.query);
  if (call.path === '/api/user_tokens/search' && call.method === 'GET') {
    sendJson(res, 200, {
      login,
      userTokens: mine().map(([, e]) => ({
        name: e.tokenName ?? 'entered-by-hand',
        createdAt: new Date(call.now).toISOString(),
        ...(e.expiresAt ? { expirationDate: dateOnly(e.expiresAt) } : {}),
      })),
    });
    return true;
  }
  if (call.method !== 'POST') return reply(res, 405, { errors: [{ msg: 'Method not allowed' }] });
  if (own.status === 'insufficient_scope') return reply(res, 403, { errors: [{ msg: 'Insufficient privileges' }] });
  const name = params.get('name') ?? '';
  if (!name) return reply(res, 400, { errors: [{ msg: "The 'name' parameter is missing" }] });
  if (call.path === '/api/user_tokens/generate') {
    if (mine().some(([, e]) => e.tokenName === name))
      return reply(res, 400, {
        errors: [{ msg: `A user token for login '${login}' and name '${name}' already exists` }],
      });
    const asked = params.get('expirationDate');
    const expires = asked ? new Date(`${asked}T00:00:00Z`) : undefined;
    const token = `squ_${randomBytes(20).toString('hex')}`;
    const { rotatedTo: _, rotationFault, ...rest } = own;
    tokens.set(token, {
      ...rest,
      status: 'valid',
      tokenName: name,
      ...(expires ? { expiresAt: expires } : {}),
      ...rotationFault?.successor,
    });
    const answer = {
      login,
      name,
      createdAt: new Date(call.now).toISOString(),
      ...(expires ? { expirationDate: dateOnly(expires) } : {}),
    };
    sendJson(res, 200, rotationFault?.answer === 'no_token' ? answer : { ...answer, token });
    return true;
  }
  if (call.path === '/api/user_tokens/revoke') {
    for (const [, e] of mine()) if (e.tokenName === name) e.status = 'revoked';
    res.writeHead(204).end();
    return true;
  }
  sendJson(res, 404, { errors: [{ msg: 'Unknown url' }] });
  return true;
}
