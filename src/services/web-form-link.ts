import { randomUUID } from 'node:crypto';
import { createSigner } from '../crypto/signing.js';

/**
 * A link to the secret-entry page carries what the page needs (the integration, who asked, when),
 * signed with a key derived from REAUTH_SECRET_KEY: opening the modal writes nothing, and the link is
 * stored (hashed) when it is first opened, where single use, the browser binding and the audit begin.
 * A link whose signature does not verify is one Reauth never issued.
 */
export interface SignedWebFormLink {
  integrationId: string;
  slackUserId: string;
  /** The Slack name of the person who asked, as Slack sent it (at most 80 characters). */
  requestedByName: string | null;
  issuedAt: Date;
}

export interface WebFormLinks {
  /** The link's secret part (the path segment after /reauth/form/): unique per call. */
  sign(link: SignedWebFormLink): string;
  /** What a link carries, or undefined for one Reauth did not sign (mistyped, forged, or from another key). */
  read(state: string): SignedWebFormLink | undefined;
}

/** Signs with the current key; reads links signed with it or a previous one (REAUTH_PREVIOUS_KEYS). */
export function createWebFormLinks(secretKey: Buffer, previousKeys: readonly Buffer[] = []): WebFormLinks {
  const signer = createSigner('reauth-web-form-link-v1', secretKey, previousKeys);
  return {
    sign(link) {
      const body = Buffer.from(
        JSON.stringify({
          i: link.integrationId,
          u: link.slackUserId,
          ...(link.requestedByName ? { n: link.requestedByName.slice(0, 80) } : {}),
          t: link.issuedAt.getTime(),
          // Two links issued in the same millisecond differ, and a link cannot be guessed from its fields.
          r: randomUUID(),
        }),
      ).toString('base64url');
      return `${body}.${signer.sign(body)}`;
    },
    read(state) {
      const dot = state.indexOf('.');
      if (dot <= 0 || state.length > 2048) return undefined;
      const body = state.slice(0, dot);
      if (!signer.verify(body, state.slice(dot + 1))) return undefined;
      try {
        const { i, u, n, t } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
        if (typeof i !== 'string' || typeof u !== 'string' || typeof t !== 'number') return undefined;
        return {
          integrationId: i,
          slackUserId: u,
          requestedByName: typeof n === 'string' ? n : null,
          issuedAt: new Date(t),
        };
      } catch {
        return undefined;
      }
    },
  };
}
