import { currentCredential, updateSealedSecret, type CredentialRow } from '../db/repositories/credentials.js';
import type { IntegrationRow } from '../db/repositories/integrations.js';
import { oauthEndpoints, oauthSetupHint, refreshAccessToken } from '../providers/oauth.js';
import type { Outcome, TokenReport } from '../providers/outcome.js';
import { authSpec } from '../providers/registry.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import type { ValidationTarget } from '../providers/call.js';
import { createValidationContext, validateCredential, validateToken } from '../providers/validate.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { ServiceDeps } from './deps.js';
import { sealPayload, unsealPayload, type SecretPayload } from './secret-payload.js';

/** The integration fields a probe needs (a DB row or a catalogue entry). */
export type ProbeSubject = Pick<IntegrationRow, 'id' | 'url' | 'organization' | 'accountId' | 'repository' | 'credentialKey'> & {
  provider: ProviderKey | string;
  authType: AuthKey | string;
};

export interface ProbeResult {
  /** False for app types, which Reauth holds no credential for. */
  probed: boolean;
  outcome: Outcome;
  tokens: TokenReport[];
  credential: CredentialRow | undefined;
}

/** Refresh an OAuth access token this long before it expires. */
const REFRESH_MARGIN_MS = 5 * 60 * 1000;

export function targetOf(subject: ProbeSubject): ValidationTarget {
  return {
    id: subject.id,
    provider: subject.provider as ProviderKey,
    auth: subject.authType as AuthKey,
    url: subject.url,
    organization: subject.organization,
    accountId: subject.accountId,
    repository: subject.repository,
  };
}

/**
 * Probes one integration with its stored credential. The one probe path shared by the monitor,
 * the Check now button and `reauth-bot check`. With `persist`, a refreshed OAuth token is sealed
 * back; without it nothing is written.
 */
export async function probeIntegration(deps: ServiceDeps, subject: ProbeSubject, options: { persist: boolean }): Promise<ProbeResult> {
  const spec = authSpec(subject.provider as ProviderKey, subject.authType as AuthKey);
  if (!spec || spec.form.kind === 'unsupported') {
    return {
      probed: false,
      outcome: { kind: 'provider_error', status: null, reason: 'An app integration: Reauth holds no credential for it; its health comes from the health webhook.' },
      tokens: [],
      credential: undefined,
    };
  }
  const credential = currentCredential(deps.db, subject.credentialKey);
  if (!credential?.sealedSecret) {
    return {
      probed: true,
      outcome: { kind: 'invalid_credentials', reason: `No credential is stored for ${subject.id}; re-authenticate it with /reauth ${subject.id}.` },
      tokens: [],
      credential,
    };
  }
  const payload = unsealPayload(deps.keyring, subject.credentialKey, credential.sealedSecret);
  const ctx = createValidationContext(targetOf(subject), deps.http, () => deps.clock.now());
  if (payload.kind === 'tokens') {
    const result = await validateCredential(ctx, { identifier: payload.identifier ?? undefined, tokens: payload.tokens });
    return { probed: true, ...result, credential };
  }

  let access = payload.accessToken;
  const now = deps.clock.now();
  if (payload.accessExpiresAt - REFRESH_MARGIN_MS <= now.getTime()) {
    const endpoints = oauthEndpoints(deps.config, subject.provider as ProviderKey);
    if (!endpoints) {
      return { probed: true, outcome: { kind: 'provider_error', status: null, reason: `The OAuth access token expired and cannot be refreshed: ${oauthSetupHint(subject.provider as ProviderKey)} are not set.` }, tokens: [], credential };
    }
    if (!payload.refreshToken) {
      return { probed: true, outcome: { kind: 'invalid_credentials', reason: `The OAuth access token expired and there is no refresh token; re-authenticate with /reauth ${subject.id}.` }, tokens: [], credential };
    }
    const refreshed = await refreshAccessToken(deps.http, endpoints, payload.refreshToken, now);
    if (!refreshed.ok) return { probed: true, outcome: refreshed.outcome, tokens: [], credential };
    access = refreshed.tokens.accessToken;
    if (options.persist) {
      const next: SecretPayload = {
        kind: 'oauth',
        accessToken: refreshed.tokens.accessToken,
        refreshToken: refreshed.tokens.refreshToken ?? payload.refreshToken,
        accessExpiresAt: refreshed.tokens.accessExpiresAt.getTime(),
        refreshExpiresAt: refreshed.tokens.refreshExpiresAt?.getTime() ?? payload.refreshExpiresAt,
      };
      const sealed = sealPayload(deps.keyring, subject.credentialKey, next);
      updateSealedSecret(deps.db, credential.id, sealed.value, sealed.keyId, next.refreshExpiresAt === null ? null : new Date(next.refreshExpiresAt));
    }
  }
  const outcome = await validateToken(ctx, { token: access });
  return { probed: true, outcome, tokens: [{ position: 1, fingerprint: credential.fingerprints[0] ?? fingerprintSecret(access), outcome }], credential };
}
