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

/** Scoped to PUBLIC_URL's own path, so a Reauth served below a path prefix still gets its cookie back. */
export function oauthCookie(stateHash: string, publicUrl: string, maxAgeSeconds: number): string {
  const url = new URL(publicUrl);
  const secure = url.protocol === 'https:' ? '; Secure' : '';
  const path = `${url.pathname.replace(/\/+$/, '')}/oauth`;
  return `${oauthCookieName(stateHash)}=${maxAgeSeconds > 0 ? encodeURIComponent(stateHash) : ''}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`;
}
