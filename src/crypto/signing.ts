import { createHmac, timingSafeEqual } from 'node:crypto';

/** Constant-time equality of two byte strings (false at once when their lengths differ). */
export function sameBytes(a: Buffer | string, b: Buffer | string): boolean {
  const left = typeof a === 'string' ? Buffer.from(a) : a;
  const right = typeof b === 'string' ? Buffer.from(b) : b;
  return left.length === right.length && timingSafeEqual(left, right);
}

export interface Signer {
  /** HMAC-SHA-256 of `body` under the current key, base64url. */
  sign(body: string): string;
  /** Whether `signature` is `body`'s under the current key or a previous one. */
  verify(body: string, signature: string): boolean;
}

/**
 * Signs with a key derived from REAUTH_SECRET_KEY for one purpose (so a value signed for one use is
 * never accepted by another), and verifies under it or a key derived from a previous one
 * (REAUTH_PREVIOUS_KEYS): what was signed before a key rotation still verifies after the restart.
 */
export function createSigner(purpose: string, secretKey: Buffer, previousKeys: readonly Buffer[] = []): Signer {
  const keys = [secretKey, ...previousKeys].map((key) => createHmac('sha256', key).update(purpose).digest());
  const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    sign: (body) => mac(keys[0] as Buffer, body),
    verify: (body, signature) => keys.some((key) => sameBytes(mac(key, body), signature)),
  };
}
