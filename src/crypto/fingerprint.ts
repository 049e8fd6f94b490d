import { createHash } from 'node:crypto';

/**
 * A fingerprint safe to show: the first 8 hex characters of the secret's SHA-256,
 * plus its last 4 characters when the secret is long enough that they reveal little.
 */
export function fingerprintSecret(secret: string): string {
  const hash = createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 8);
  return secret.length >= 20 ? `${hash}…${secret.slice(-4)}` : hash;
}
