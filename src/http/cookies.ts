import type { IncomingMessage } from 'node:http';

/**
 * The browser that opened a sign-in link carries a cookie naming that sign-in (the hash of its state),
 * one cookie per sign-in, so two link-outs in one browser do not overwrite each other.
 */
const PREFIX = 'reauth_oauth_';

export const oauthCookieName = (stateHash: string): string => `${PREFIX}${stateHash.slice(0, 16)}`;

/** Every cookie of the request; a malformed value (bad percent-encoding) is skipped, never an error. */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (!key) continue;
    try {
      cookies.set(key, decodeURIComponent(rest.join('=')));
    } catch {
      // Not ours, or tampered with: ignore it.
    }
  }
  return cookies;
}

/** The state hashes of the sign-ins this browser opened. */
export function oauthStateHashes(req: IncomingMessage): string[] {
  return [...readCookies(req)].filter(([name]) => name.startsWith(PREFIX)).map(([, value]) => value);
}

/**
 * An `HttpOnly` cookie for the routes below `{PUBLIC_URL}{below}`: scoped to PUBLIC_URL's own path (so a
 * Reauth served below a path prefix still gets it back), `Secure` when PUBLIC_URL is https; Max-Age 0
 * clears it.
 */
export function scopedCookie(params: {
  name: string;
  value: string;
  publicUrl: string;
  below: string;
  maxAgeSeconds: number;
  sameSite: 'Lax' | 'Strict';
}): string {
  const url = new URL(params.publicUrl);
  const secure = url.protocol === 'https:' ? '; Secure' : '';
  const path = `${url.pathname.replace(/\/+$/, '')}${params.below}`;
  const value = params.maxAgeSeconds > 0 ? encodeURIComponent(params.value) : '';
  return `${params.name}=${value}; Path=${path}; Max-Age=${params.maxAgeSeconds}; HttpOnly; SameSite=${params.sameSite}${secure}`;
}

/** The OAuth sign-in's cookie: `Lax`, so the provider's redirect back (a cross-site navigation) carries it. */
export const oauthCookie = (stateHash: string, publicUrl: string, maxAgeSeconds: number): string =>
  scopedCookie({
    name: oauthCookieName(stateHash),
    value: stateHash,
    publicUrl,
    below: '/oauth',
    maxAgeSeconds,
    sameSite: 'Lax',
  });
