import type { Keyring, Sealed } from '../crypto/keyring.js';
import type { MachineRootSecret } from '../providers/machine/types.js';
import { credentialContext } from './sealing-contexts.js';

/** What a sealed credential holds. Only ever in memory in plain form. */
export type SecretPayload =
  | { kind: 'tokens'; identifier: string | null; tokens: string[] }
  | {
      kind: 'oauth';
      accessToken: string;
      refreshToken: string | null;
      accessExpiresAt: number;
      refreshExpiresAt: number | null;
    }
  | {
      /** A machine identity (SPEC §12): its root secret, and the access token last minted from it. */
      kind: 'machine';
      root: MachineRootSecret;
      accessToken: string;
      /** When it was minted: its lifetime decides when the next one is minted. */
      accessIssuedAt: number;
      accessExpiresAt: number;
      /** An Atlassian site's cloud id, found when the root secret was validated (not a secret: kept with it). */
      cloudId?: string;
    };

/** Where a sealed credential belongs: its key and its binding (null for credentials stored before bindings). */
export interface SealedFor {
  credentialKey: string;
  binding: string | null;
}

export function sealPayload(keyring: Keyring, owner: SealedFor, payload: SecretPayload): Sealed {
  return keyring.seal(JSON.stringify(payload), credentialContext(owner.credentialKey, owner.binding));
}

export function unsealPayload(keyring: Keyring, owner: SealedFor, sealed: string): SecretPayload {
  const parsed = JSON.parse(
    keyring.unseal(sealed, credentialContext(owner.credentialKey, owner.binding)),
  ) as SecretPayload;
  if (parsed.kind !== 'tokens' && parsed.kind !== 'oauth' && parsed.kind !== 'machine')
    throw new Error('A stored credential has an unknown shape.');
  return parsed;
}
