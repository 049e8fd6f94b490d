import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const FORMAT = 'v1';

/** A sealed secret: `v1.<keyId>.<nonce>.<ciphertext+tag>` (base64url parts). */
export interface Sealed {
  keyId: string;
  value: string;
}

export class SealingError extends Error {
  override name = 'SealingError';
}

export interface Keyring {
  readonly currentKeyId: string;
  seal(plaintext: string, context: string): Sealed;
  /** Throws SealingError on a tampered value, an unknown key or the wrong context. */
  unseal(sealed: string, context: string): string;
  /** True when this value was sealed with an older key. */
  needsResealing(sealed: string): boolean;
}

/** A key id says which key sealed a value without revealing anything about the key. */
export function keyIdOf(key: Buffer): string {
  return createHash('sha256').update('reauth-key-id:').update(key).digest('hex').slice(0, 12);
}

/**
 * AES-256-GCM with a random 96-bit nonce per value. The context (e.g. the credential
 * key) is bound as additional data, so a sealed value moved to another row fails to open.
 */
export function createKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const keys = new Map<string, Buffer>();
  for (const key of [current, ...previous]) {
    if (key.length !== 32) throw new SealingError('A sealing key must be exactly 32 bytes.');
    keys.set(keyIdOf(key), key);
  }
  const currentKeyId = keyIdOf(current);

  return {
    currentKeyId,
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv(ALGORITHM, current, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return {
        keyId: currentKeyId,
        value: [FORMAT, currentKeyId, nonce.toString('base64url'), body.toString('base64url')].join('.'),
      };
    },
    unseal(sealed, context) {
      const parts = sealed.split('.');
      const [format, keyId, nonceText, bodyText] = parts;
      if (parts.length !== 4 || format !== FORMAT || !keyId || !nonceText || !bodyText) {
        throw new SealingError('A stored secret is not in the sealed format; it cannot be opened.');
      }
      const key = keys.get(keyId);
      if (!key) {
        throw new SealingError(
          `A stored secret was sealed with key ${keyId}, which is neither REAUTH_SECRET_KEY nor in REAUTH_PREVIOUS_KEYS.`,
        );
      }
      const nonce = Buffer.from(nonceText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) {
        throw new SealingError('A stored secret is truncated; it cannot be opened.');
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, key, nonce);
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new SealingError('A stored secret failed its integrity check (modified, or sealed for another record).');
      }
    },
    needsResealing(sealed) {
      return sealed.split('.')[1] !== currentKeyId;
    },
  };
}
