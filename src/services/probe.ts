import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { bindingOf, isAppIntegration } from '../domain/integration.js';
import type { Credential, Integration } from '../domain/types.js';
import type { Keyring } from '../crypto/keyring.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { ValidationTarget } from '../providers/call.js';
import type { HttpClient } from '../providers/http.js';
import type { Outcome, TokenReport } from '../providers/outcome.js';
import { createValidationContext, validateCredential, validateToken } from '../providers/validate.js';
import type { OAuthRefresher } from './oauth-refresh.js';
import { unsealPayload } from './secret-payload.js';

/** The integration fields a probe needs. */
export type ProbeSubject = Pick<
  Integration,
  'id' | 'provider' | 'authType' | 'url' | 'organization' | 'accountId' | 'repository' | 'credentialKey'
>;

export interface ProbeResult {
  /** False for app types, which Reauth holds no credential for. */
  probed: boolean;
  outcome: Outcome;
  tokens: TokenReport[];
  credential: Credential | undefined;
}

/**
 * A credential may be used only for what it was validated against. One stored before bindings
 * existed is held to its provider and auth type (the catalogue sync retires it when the rest changes).
 */
export function isBoundTo(
  credential: Pick<Credential, 'binding' | 'provider' | 'authType'>,
  subject: ProbeSubject,
): boolean {
  if (credential.binding === null)
    return credential.provider === subject.provider && credential.authType === subject.authType;
  return credential.binding === bindingOf(subject);
}

export function targetOf(subject: ProbeSubject): ValidationTarget {
  return {
    id: subject.id,
    provider: subject.provider,
    auth: subject.authType,
    url: subject.url,
    organization: subject.organization,
    accountId: subject.accountId,
    repository: subject.repository,
  };
}

export interface ProberDeps {
  store: Pick<Store, 'credentials'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  /** The one OAuth refresh path (shared with the pull API). */
  refresh: OAuthRefresher;
}

/**
 * Probes one integration with its stored credential: the one probe path shared by the monitor,
 * the Check now button and `reauth-bot check`. A refreshed OAuth token is always sealed back, under
 * the credential lock: the provider spent the previous refresh token to issue it.
 */
export function createProber(deps: ProberDeps) {
  return async function probe(subject: ProbeSubject): Promise<ProbeResult> {
    if (isAppIntegration(subject)) {
      return {
        probed: false,
        outcome: {
          kind: 'provider_error',
          status: null,
          reason: 'An app integration: Reauth holds no credential for it; its health comes from the health webhook.',
        },
        tokens: [],
        credential: undefined,
      };
    }
    const credential = await deps.store.credentials.current(subject.credentialKey);
    if (!credential?.sealedSecret) {
      return {
        probed: true,
        outcome: {
          kind: 'invalid_credentials',
          reason: `No credential is stored for ${subject.id}; re-authenticate it with /reauth ${subject.id}.`,
        },
        tokens: [],
        credential,
      };
    }
    if (!isBoundTo(credential, subject)) {
      // The catalogue now points this integration elsewhere: the credential is never sent there.
      return {
        probed: true,
        outcome: {
          kind: 'invalid_credentials',
          reason: `Needs re-authentication: ${subject.id} changed in integrations.yml (provider, auth type, URL, organization or account) since its credential was validated, so the credential is not sent anywhere. Re-authenticate with /reauth ${subject.id}.`,
        },
        tokens: [],
        credential,
      };
    }
    const payload = unsealPayload(deps.keyring, credential, credential.sealedSecret);
    const ctx = createValidationContext(targetOf(subject), deps.http, () => deps.clock.now());
    if (payload.kind === 'tokens') {
      const result = await validateCredential(ctx, {
        identifier: payload.identifier ?? undefined,
        tokens: payload.tokens,
      });
      return { probed: true, ...result, credential };
    }

    const refreshed = await deps.refresh(subject, credential, payload);
    if (!refreshed.ok) return { probed: true, outcome: refreshed.outcome, tokens: [], credential };
    const access = refreshed.payload.accessToken;
    const outcome = await validateToken(ctx, { token: access });
    return {
      probed: true,
      outcome,
      tokens: [{ position: 1, fingerprint: credential.fingerprints[0] ?? fingerprintSecret(access), outcome }],
      credential,
    };
  };
}

export type Prober = ReturnType<typeof createProber>;
