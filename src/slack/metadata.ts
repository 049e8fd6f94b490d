import { createSigner } from '../crypto/signing.js';

/**
 * private_metadata of the re-authentication modal: the integration id, its auth type and the
 * user, signed so a tampered value is recognised. The server re-reads everything from the
 * database anyway; the signature only tells tampering apart from a stale form.
 */
export interface ModalMetadata {
  integrationId: string;
  auth: string;
  userId: string;
  /** A same-account confirmation's reference to the credential Reauth holds (never the credential). */
  ref?: string;
}

export interface MetadataSigner {
  sign(metadata: ModalMetadata): string;
  verify(text: string): ModalMetadata | undefined;
}

/**
 * Signs with the current key; verifies with it or any previous key, so a form opened before a key
 * rotation (REAUTH_PREVIOUS_KEYS) can still be submitted after the restart.
 */
export function createMetadataSigner(secretKey: Buffer, previousKeys: readonly Buffer[] = []): MetadataSigner {
  const signer = createSigner('reauth-modal-metadata-v1', secretKey, previousKeys);
  return {
    sign(metadata) {
      const body = JSON.stringify({
        i: metadata.integrationId,
        a: metadata.auth,
        u: metadata.userId,
        ...(metadata.ref ? { r: metadata.ref } : {}),
      });
      return JSON.stringify({ b: body, s: signer.sign(body) });
    },
    verify(text) {
      try {
        const { b, s } = JSON.parse(text) as { b?: unknown; s?: unknown };
        if (typeof b !== 'string' || typeof s !== 'string') return undefined;
        if (!signer.verify(b, s)) return undefined;
        const { i, a, u, r } = JSON.parse(b) as { i?: unknown; a?: unknown; u?: unknown; r?: unknown };
        if (typeof i !== 'string' || typeof a !== 'string' || typeof u !== 'string') return undefined;
        return { integrationId: i, auth: a, userId: u, ...(typeof r === 'string' ? { ref: r } : {}) };
      } catch {
        return undefined;
      }
    },
  };
}
