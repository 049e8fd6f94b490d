import { sign, type KeyObject } from 'node:crypto';

/**
 * A JSON Web Token signed with RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) — the one
 * algorithm GitHub Apps use. Node's crypto signs it; no library is needed for one algorithm.
 * https://docs.github.com/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
export function signRs256(claims: Record<string, unknown>, key: KeyObject): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${sign('sha256', Buffer.from(unsigned), key).toString('base64url')}`;
}
