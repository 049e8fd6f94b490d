import { fingerprintOf } from '../../domain/credential.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { isAppIntegration } from '../../domain/integration.js';
import type { Logger } from '../../logger.js';
import type { KeyedLock } from '../keyed-lock.js';
import { refreshIsDue, type OAuthRefresher } from '../oauth-refresh.js';
import { isBoundTo } from '../probe.js';
import { unsealPayload } from '../secret-payload.js';
import { consumerCredential, credentialDocument, versionFactsOf, type CredentialDocument } from './credential-document.js';
import { createRateLimiter, type ConsumerDirectory } from './consumers.js';

export type PullAnswer =
  | { status: 200; etag: string; document: CredentialDocument }
  | { status: 304; etag: string }
  | { status: 401 }
  | { status: 403 }
  | { status: 404 | 503; error: string }
  | { status: 429; retryAfterSeconds: number };

export interface PullRequest {
  /** The bearer token, if the request carried one. */
  token: string | undefined;
  integrationId: string;
  /** The If-None-Match header as sent. */
  ifNoneMatch: string | undefined;
}

export interface CredentialPullDeps {
  store: Pick<Store, 'integrations' | 'credentials' | 'health' | 'audit'>;
  consumers: ConsumerDirectory;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  /** The per-credential lock shared with probes and re-authentication. */
  credentialLock: KeyedLock;
  refresh: OAuthRefresher;
}

const etagOf = (version: number): string => `"${version}"`;

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/**
 * `GET /v1/credentials/{id}`: the current credential for a consumer. 401 without a known token; 429
 * past the consumer's rate; 403 for an id the consumer may not read, whether or not it exists; 404
 * for one it may read that has nothing to give; 304 when the ETag still matches. An OAuth access
 * token that expires within 5 minutes is refreshed first, under the credential's lock, so concurrent
 * pulls refresh once. Every answer to a consumer is audited.
 */
export function createCredentialPull(deps: CredentialPullDeps) {
  const limiter = createRateLimiter(() => deps.clock.now().getTime());

  return async function pull(request: PullRequest): Promise<PullAnswer> {
    const consumer = request.token ? deps.consumers.byToken(request.token) : undefined;
    if (!consumer) {
      deps.logger.info({ event: 'credential_read_unauthorised', integration: request.integrationId.slice(0, 64) }, 'credential read without a known consumer token');
      return { status: 401 };
    }
    const wait = limiter.take(consumer.name, consumer.requestsPerMinute);
    if (wait > 0) return { status: 429, retryAfterSeconds: wait };

    const actor = `consumer:${consumer.name}`;
    const audit = (outcome: string, fingerprint: string | null = null, detail: Record<string, unknown> | null = null) =>
      deps.store.audit.record({ actor, integrationId: request.integrationId.slice(0, 64), action: 'credential.read', outcome, fingerprint, detail }, deps.clock.now());

    if (!consumer.mayRead(request.integrationId)) {
      await audit('forbidden');
      return { status: 403 };
    }
    const notFound = async (error: string): Promise<PullAnswer> => {
      await audit('not_found', null, { reason: error });
      return { status: 404, error };
    };
    const integration = await deps.store.integrations.findActive(request.integrationId);
    if (!integration) return notFound(`No integration "${request.integrationId}" (it is not in integrations.yml, or was removed).`);
    if (isAppIntegration(integration)) return notFound(`${integration.id} is an app integration: Reauth holds no credential for it.`);
    let credential = await deps.store.credentials.current(integration.credentialKey);
    if (!credential?.sealedSecret || !isBoundTo(credential, integration)) return notFound(`${integration.id} has no credential yet: re-authenticate it in Slack with /reauth ${integration.id}.`);

    let payload = unsealPayload(deps.keyring, credential, credential.sealedSecret);
    if (payload.kind === 'oauth' && refreshIsDue(payload, deps.clock.now())) {
      const key = integration.credentialKey;
      const outcome = await deps.credentialLock(key, async () => {
        // Another pull, a probe or a re-authentication may have changed it while this one waited: the
        // refresher works on what is current now (and does nothing when that is no longer due).
        const current = await deps.store.credentials.current(key);
        if (!current?.sealedSecret || !isBoundTo(current, integration)) return undefined;
        const currentPayload = unsealPayload(deps.keyring, current, current.sealedSecret);
        return currentPayload.kind === 'oauth' ? deps.refresh(integration, current, currentPayload, { persist: true }) : undefined;
      });
      if (!outcome) return notFound(`${integration.id} has no credential any more: it was replaced or retired while this request waited.`);
      if (outcome.ok) {
        credential = outcome.credential;
        payload = outcome.payload;
      } else if (payload.accessExpiresAt <= deps.clock.now().getTime()) {
        await audit('refresh_failed', fingerprintOf(credential), { reason: outcome.outcome.reason });
        return { status: 503, error: `The access token expired and could not be refreshed: ${outcome.outcome.reason}` };
      }
      // A refresh that failed while the token still works for a few minutes: that token is served.
    }

    const etag = etagOf(credential.version);
    const fingerprint = fingerprintOf(credential);
    if (matchesEtag(request.ifNoneMatch, etag)) {
      await audit('not_modified', fingerprint, { version: credential.version });
      return { status: 304, etag };
    }
    const health = (await deps.store.health.of(integration.id))?.status ?? 'unknown';
    await audit('success', fingerprint, { version: credential.version });
    return { status: 200, etag, document: credentialDocument(integration, versionFactsOf(credential), consumerCredential(integration, payload), health) };
  };
}

export type CredentialPull = ReturnType<typeof createCredentialPull>;
