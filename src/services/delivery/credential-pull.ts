import { printable } from '../../domain/text.js';
import { fingerprintOf } from '../../domain/credential.js';
import type { Keyring } from '../../crypto/keyring.js';
import type { Store } from '../../db/store.js';
import type { Clock } from '../../domain/clock.js';
import { isAppIntegration } from '../../domain/integration.js';
import type { Logger } from '../../logger.js';
import type { HealthStateMachine } from '../health.js';
import type { AccessTokens } from '../access-tokens.js';
import { isBoundTo } from '../probe-subject.js';
import { unsealPayload } from '../secret-payload.js';
import {
  consumerCredential,
  credentialDocument,
  versionFactsOf,
  type CredentialDocument,
} from './credential-document.js';
import type { ConsumerDirectory } from './consumers.js';
import { createFailureThrottle } from '../failure-throttle.js';

/** What a consumer's read came to, in the service's words; http/credentials.ts says each in HTTP. */
export type PullAnswer =
  | { kind: 'credential'; etag: string; document: CredentialDocument }
  | { kind: 'not_modified'; etag: string }
  | { kind: 'no_token' }
  | { kind: 'not_granted' }
  | { kind: 'not_found'; error: string }
  | { kind: 'refresh_failed'; error: string; retryAfterSeconds?: number }
  | { kind: 'rate_limited'; retryAfterSeconds: number };

export interface PullRequest {
  /** The bearer token, if the request carried one. */
  token: string | undefined;
  integrationId: string;
  /** The If-None-Match header as sent. */
  ifNoneMatch: string | undefined;
  /** Where the request came from (the peer address), for throttling failed authentication. */
  source?: string;
}

export interface CredentialPullDeps {
  store: Pick<Store, 'integrations' | 'credentials' | 'health' | 'audit' | 'consumerRates'>;
  /** The consumers now in integrations.yml (reloaded on SIGHUP and when the file changes). */
  consumers: () => ConsumerDirectory;
  keyring: Keyring;
  clock: Clock;
  logger: Logger;
  /** The one renewal of access tokens (OAuth refresh, machine identity mint): under the cross-replica credential lock, with its back-off. */
  accessTokens: AccessTokens;
  /** A refresh or mint that the provider refused reaches health and the one-alert lifecycle. */
  health?: Pick<HealthStateMachine, 'apply'>;
}

/**
 * The ETag names the credential row and its version: a consumer's tag never matches another
 * credential, even one a catalogue change numbered from a different history.
 */
const etagOf = (credential: { id: number; version: number }): string => `"${credential.version}-${credential.id}"`;

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
  const failures = createFailureThrottle({
    clock: deps.clock,
    logger: deps.logger,
    event: 'credential_read_unauthorised',
    message: 'credential reads without a known consumer token (one summary line per minute)',
  });

  return async function pull(request: PullRequest): Promise<PullAnswer> {
    const consumer = request.token ? deps.consumers().byToken(request.token) : undefined;
    if (!consumer) {
      // A source past its failures for the minute gets 429 (and no log line each); a known token is
      // never held back by others' failures from the same address (a load balancer, a NAT).
      const source = request.source ?? 'unknown';
      const throttled = failures.blocked(source);
      if (throttled > 0) return { kind: 'rate_limited', retryAfterSeconds: throttled };
      failures.record(source);
      return { kind: 'no_token' };
    }

    const actor = `consumer:${consumer.name}`;
    // The id as asked, fit to keep: a control character can be in no integration's id (nor in a
    // PostgreSQL text column), so such a request is simply not found.
    const requested = printable(request.integrationId);
    const audit = (outcome: string, fingerprint: string | null = null, detail: Record<string, unknown> | null = null) =>
      deps.store.audit.record(
        {
          actor,
          integrationId: requested.slice(0, 64),
          action: 'credential.read',
          outcome,
          fingerprint,
          detail,
        },
        deps.clock.now(),
      );
    // Counted in the store, so every replica shares one limit per consumer.
    const wait = await deps.store.consumerRates.take(consumer.name, consumer.requestsPerMinute);
    if (wait > 0) {
      await audit('rate_limited', null, { retry_after_seconds: wait });
      return { kind: 'rate_limited', retryAfterSeconds: wait };
    }

    if (!consumer.mayRead(request.integrationId)) {
      await audit('forbidden');
      return { kind: 'not_granted' };
    }
    const notFound = async (error: string): Promise<PullAnswer> => {
      await audit('not_found', null, { reason: error });
      return { kind: 'not_found', error };
    };
    const integration =
      requested === request.integrationId ? await deps.store.integrations.findActive(requested) : undefined;
    if (!integration) return notFound(`No integration "${requested}" (it is not in integrations.yml, or was removed).`);
    if (isAppIntegration(integration))
      return notFound(`${integration.id} is an app integration: Reauth holds no credential for it.`);
    let credential = await deps.store.credentials.current(integration.credentialKey);
    if (!credential?.sealedSecret || !isBoundTo(credential, integration))
      return notFound(
        `${integration.id} has no credential yet: re-authenticate it in Slack with /reauth ${integration.id}.`,
      );

    let payload = unsealPayload(deps.keyring, credential, credential.sealedSecret);
    if (payload.kind !== 'tokens' && deps.accessTokens.isDue(payload, deps.clock.now())) {
      // The renewal takes the credential's lock (across replicas) and works on what is current then.
      const outcome = await deps.accessTokens.renewIfDue(integration, credential, payload);
      if (outcome.ok) {
        credential = outcome.credential;
        payload = outcome.payload;
      } else {
        if (outcome.replaced)
          return notFound(
            `${integration.id} has no credential any more: it was replaced or retired while this request waited; read it again.`,
          );
        if (outcome.grantSent)
          await deps.health?.apply(await deps.store.integrations.listByCredentialKey(integration.credentialKey), {
            outcome: outcome.outcome,
            source: 'probe',
          });
        if (payload.accessExpiresAt <= deps.clock.now().getTime()) {
          await audit('refresh_failed', fingerprintOf(credential), { reason: outcome.outcome.reason });
          const retryAfterSeconds = outcome.retryAt
            ? Math.max(1, Math.ceil((outcome.retryAt.getTime() - deps.clock.now().getTime()) / 1000))
            : undefined;
          return {
            kind: 'refresh_failed',
            error: `The access token expired and could not be ${payload.kind === 'machine' ? 'minted again' : 'refreshed'}: ${outcome.outcome.reason}`,
            ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          };
        }
      }
      // A renewal that failed while the token still works for a few minutes: that token is served.
    }

    const etag = etagOf(credential);
    const fingerprint = fingerprintOf(credential);
    if (matchesEtag(request.ifNoneMatch, etag)) {
      await audit('not_modified', fingerprint, { version: credential.version });
      return { kind: 'not_modified', etag };
    }
    const health = (await deps.store.health.of(integration.id))?.status ?? 'unknown';
    await audit('success', fingerprint, { version: credential.version });
    return {
      kind: 'credential',
      etag,
      document: credentialDocument(
        integration,
        versionFactsOf(credential, payload),
        consumerCredential(integration, payload),
        health,
      ),
    };
  };
}

export type CredentialPull = ReturnType<typeof createCredentialPull>;
