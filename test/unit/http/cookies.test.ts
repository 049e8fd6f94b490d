import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { oauthCookie, oauthStateHashes, readCookies } from '../../../src/http/cookies.js';

const request = (cookie: string) => ({ headers: { cookie } }) as unknown as IncomingMessage;
const hash = 'a'.repeat(64);

describe('OAuth cookies', () => {
  it("are scoped below PUBLIC_URL's path, Secure on https", () => {
    expect(oauthCookie(hash, 'https://tools.acme.example/reauth/', 600)).toBe(
      `reauth_oauth_${'a'.repeat(16)}=${hash}; Path=/reauth/oauth; Max-Age=600; HttpOnly; SameSite=Lax; Secure`,
    );
    expect(oauthCookie(hash, 'http://127.0.0.1:3000', 0)).toBe(
      `reauth_oauth_${'a'.repeat(16)}=; Path=/oauth; Max-Age=0; HttpOnly; SameSite=Lax`,
    );
  });

  it('one per sign-in, all read back; malformed values are skipped', () => {
    const other = 'b'.repeat(64);
    const req = request(
      `reauth_oauth_${'a'.repeat(16)}=${hash}; reauth_oauth_${'b'.repeat(16)}=${other}; broken=%E0%A4%A; theme=dark`,
    );
    expect(oauthStateHashes(req)).toEqual([hash, other]);
    expect(readCookies(req).get('theme')).toBe('dark');
    expect(readCookies(req).has('broken')).toBe(false);
  });
});
