import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * private_metadata of the re-authentication modal: the integration id, its auth type and the
 * user, signed so a tampered value is recognised. The server re-reads everything from the
 * database anyway; the signature only tells tampering apart from a stale form.
 */
export interface ModalMetadata {
  integrationId: string;
  auth: string;
  userId: string;
}

export interface MetadataSigner {
  sign(metadata: ModalMetadata): string;
  verify(text: string): ModalMetadata | undefined;
}

export function createMetadataSigner(secretKey: Buffer): MetadataSigner {
  const key = createHmac('sha256', secretKey).update('reauth-modal-metadata-v1').digest();
  const mac = (body: string) => createHmac('sha256', key).update(body).digest('base64url');
  return {
    sign(metadata) {
      const body = JSON.stringify({ i: metadata.integrationId, a: metadata.auth, u: metadata.userId });
      return JSON.stringify({ b: body, s: mac(body) });
    },
    verify(text) {
      try {
        const { b, s } = JSON.parse(text) as { b?: unknown; s?: unknown };
        if (typeof b !== 'string' || typeof s !== 'string') return undefined;
        const expected = Buffer.from(mac(b));
        const given = Buffer.from(s);
        if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
        const { i, a, u } = JSON.parse(b) as { i?: unknown; a?: unknown; u?: unknown };
        if (typeof i !== 'string' || typeof a !== 'string' || typeof u !== 'string') return undefined;
        return { integrationId: i, auth: a, userId: u };
      } catch {
        return undefined;
      }
    },
  };
}
