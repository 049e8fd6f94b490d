import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import { isAppIntegration } from '../domain/integration.js';
import type { Credential } from '../domain/types.js';
import { isBoundTo, targetOf, type ProbeSubject } from './probe-subject.js';
import type { Keyring } from '../crypto/keyring.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { HttpClient } from '../providers/http.js';
import type { Outcome, TokenReport } from '../providers/outcome.js';
import { createValidationContext, validateCredential, validateToken } from '../providers/validate.js';
import type { AccessTokens } from './access-tokens.js';
import { checkAccessToken } from '../providers/machine/validate.js';
import { accountsOfStored } from '../domain/accounts.js';
import { unsealPayload } from './secret-payload.js';
import { retiredCredential, type Retirement } from '../providers/retired.js';

export interface ProbeResult {
  /** False for app types, which Reauth holds no credential for. */
  probed: boolean;
  outcome: Outcome;
  tokens: TokenReport[];
  credential: Credential | undefined;
  /** The stored credential is of a kind its vendor retired (a Bitbucket app password), by its shape or the answer. */
  retired?: Retirement;
}

export interface ProberDeps {
  store: Pick<Store, 'credentials'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  /** The one renewal of access tokens (OAuth refresh, machine identity mint), shared with the pull API. */
  accessTokens: AccessTokens;
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
      const retired = retiredCredential(subject.provider, subject.authType, payload.tokens, result.outcome.kind);
      return { probed: true, ...result, credential, ...(retired ? { retired } : {}) };
    }

    const renewed = await deps.accessTokens.renewIfDue(subject, credential, payload);
    if (!renewed.ok) return { probed: true, outcome: renewed.outcome, tokens: [], credential };
    let access = renewed.payload.accessToken;
    let outcome: Outcome;
    if (renewed.payload.kind === 'machine') {
      const identity = accountsOfStored(credential.identity)[0] ?? { id: credential.credentialKey };
      outcome = await checkAccessToken(ctx, subject.machine, renewed.payload, identity);
      // A minted token the provider refused before its end is replaced from the root secret; only a root
      // secret that cannot mint a working token fails the integration.
      if (outcome.kind === 'invalid_credentials') {
        const replaced = await deps.accessTokens.replaceRefused(subject, renewed.credential, renewed.payload);
        // Held back (a replacement was refused too, a moment ago): the token's own refusal is the outcome.
        if (!replaced.ok)
          return { probed: true, outcome: replaced.grantSent ? replaced.outcome : outcome, tokens: [], credential };
        access = replaced.payload.accessToken;
        outcome = await checkAccessToken(ctx, subject.machine, replaced.payload, identity);
        if (replaced.refreshed && outcome.kind === 'invalid_credentials')
          await deps.accessTokens.holdReplacements(replaced.credential, outcome.reason);
      }
    } else {
      outcome = await validateToken(ctx, { token: access });
    }
    return {
      probed: true,
      outcome,
      tokens: [{ position: 1, fingerprint: credential.fingerprints[0] ?? fingerprintSecret(access), outcome }],
      credential,
    };
  };
}

export type Prober = ReturnType<typeof createProber>;
