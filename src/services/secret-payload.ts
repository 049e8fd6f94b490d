import type { Keyring, Sealed } from '../crypto/keyring.js';
import { credentialContext } from './sealing-contexts.js';

/** What a sealed credential holds. Only ever in memory in plain form. */
export type SecretPayload =
  | { kind: 'tokens'; identifier: string | null; tokens: string[] }
  | { kind: 'oauth'; accessToken: string; refreshToken: string | null; accessExpiresAt: number; refreshExpiresAt: number | null };

export function sealPayload(keyring: Keyring, credentialKey: string, payload: SecretPayload): Sealed {
  return keyring.seal(JSON.stringify(payload), credentialContext(credentialKey));
}

export function unsealPayload(keyring: Keyring, credentialKey: string, sealed: string): SecretPayload {
  const parsed = JSON.parse(keyring.unseal(sealed, credentialContext(credentialKey))) as SecretPayload;
  if (parsed.kind !== 'tokens' && parsed.kind !== 'oauth') throw new Error('A stored credential has an unknown shape.');
  return parsed;
}
