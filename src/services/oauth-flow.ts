import type { Store } from '../db/store.js';
import type { UnknownLinks } from './unknown-links.js';
import type { Clock } from '../domain/clock.js';
import type { Integration } from '../domain/types.js';
import { alsoServes } from '../domain/integration.js';
import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { HttpClient } from '../providers/http.js';
import { buildAuthorizeUrl, exchangeCode, newPkceVerifier, type OAuthEndpoints } from '../providers/oauth.js';
import type { CredentialValidation, ValidOutcome } from '../providers/outcome.js';
import { providerSpec } from '../providers/registry.js';
import type { ProviderKey } from '../providers/types.js';
import { createValidationContext, validateToken } from '../providers/validate.js';
import type { Metrics } from '../observability/metrics.js';
import type { Authoriser } from './authorisation.js';
import { hashState, type OAuthStates } from './oauth-states.js';
import { targetOf } from './probe-subject.js';
import type { CredentialCommitService } from './credential-commit.js';

export interface OAuthFlowDeps {
  store: Pick<Store, 'integrations' | 'audit' | 'oauthStates'>;
  states: OAuthStates;
  /** States Reauth never issued: counted and throttled, not audited. */
  unknownLinks?: Pick<UnknownLinks, 'seen'>;
  http: HttpClient;
  clock: Clock;
  /** The one way a credential changes (services/credential-commit.ts). */
  commit: CredentialCommitService['commit'];
  authoriser: Pick<Authoriser, 'canManage'>;
  oauthEndpointsOf: (provider: ProviderKey) => OAuthEndpoints | undefined;
  oauthSetupHintOf: (provider: ProviderKey) => string;
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  metrics?: Pick<Metrics, 'oauthFlows'>;
}

export type LinkOut = { ok: true; link: string; expiresAt: Date } | { ok: false; setupHint: string };

/** Why a link could not be used: never issued, used, late, or opened already (by another browser). */
export type LinkProblem = 'unknown' | 'reused' | 'expired' | 'already_opened';

/**
 * Why a sign-in stopped, with what its words need (http/oauth-copy.ts says each, with its status): a
 * source that flooded unknown links, a link that cannot be used, another browser's or person's sign-in,
 * an integration gone, a person no longer allowed, the provider declining or sending no code, an OAuth
 * client not set up, an exchange that failed, or access that does not work.
 */
export type OAuthStop =
  | { problem: 'throttled' }
  | { problem: 'bad_link'; link: LinkProblem; at: 'start' | 'callback' }
  | { problem: 'foreign' }
  | { problem: 'not_found'; at: 'start' | 'callback' }
  | { problem: 'permission_denied'; integrationName: string }
  | { problem: 'declined'; provider: string; error: string; description: string | undefined }
  | { problem: 'no_code'; provider: string }
  | { problem: 'not_configured'; setupHint: string }
  | { problem: 'exchange_failed'; reason: string }
  | { problem: 'access_unusable'; reason: string };

/** A sign-in that stored its credential: what the page says. */
export interface SignedIn {
  integrationName: string;
  /** The provider's confirmation, in its words. */
  reason: string;
  /** The other integrations the credential serves, as a sentence (empty when none). */
  also: string;
}

export type StartResult =
  | { ok: true; location: string; stateHash: string }
  | { ok: false; stop: OAuthStop; retryAfterSeconds?: number };

export interface CallbackInput {
  state: string | undefined;
  code: string | undefined;
  error: string | undefined;
  errorDescription: string | undefined;
  /** The state hashes the browser's cookies carry (one set for each link-out it opened). */
  cookieStateHashes: readonly string[];
  /** The peer address, to throttle a source that floods unknown states. */
  source?: string;
}

/** How a callback ended: stopped (and why), or signed in with its credential stored. */
export type CallbackResult =
  | {
      stop: OAuthStop;
      /** A throttled source: seconds before it may try again. */
      retryAfterSeconds?: number;
      /** Whom to tell in Slack, when the sign-in was someone's. */
      notify?: { userId: string; integration: Integration };
    }
  | {
      signedIn: SignedIn;
      success: {
        integration: Integration;
        affected: Integration[];
        validation: CredentialValidation & { outcome: ValidOutcome };
        userId: string;
        credentialId: number;
      };
    };

/**
 * The OAuth link-out from Slack to the provider and back: a single-use state bound to the person,
 * opened once by one browser, checked before any code exchange; the new token is validated and
 * stored only if it works.
 */
export function createOAuthFlow(deps: OAuthFlowDeps) {
  const redirectUri = `${deps.publicUrl}/oauth/callback`;

  return {
    /** A sign-in link for this person, or the variables an admin must set first. */
    async issueLink(integration: Integration, userId: string): Promise<LinkOut> {
      const endpoints = deps.oauthEndpointsOf(integration.provider);
      if (!endpoints) return { ok: false, setupHint: deps.oauthSetupHintOf(integration.provider) };
      const now = deps.clock.now();
      const issued = await deps.states.issue(
        {
          integrationId: integration.id,
          slackUserId: userId,
          codeVerifier: endpoints.pkce ? newPkceVerifier() : undefined,
        },
        now,
      );
      await deps.store.audit.record(
        { actor: userId, integrationId: integration.id, action: 'reauth.oauth_link', outcome: 'issued' },
        now,
      );
      return {
        ok: true,
        link: `${deps.publicUrl}/oauth/start?state=${encodeURIComponent(issued.state)}`,
        expiresAt: issued.expiresAt,
      };
    },

    /** GET /oauth/start: opens the link once and says where to send the browser. */
    async start(state: string, source?: string): Promise<StartResult> {
      const now = deps.clock.now();
      const started = await deps.states.start(state, now);
      if (!started.ok) {
        if (started.problem === 'unknown') {
          // Never issued: not audited (a flood would grow the log), counted, and throttled per source.
          const wait = deps.unknownLinks?.seen(source, 'oauth_start') ?? 0;
          if (wait > 0) return { ok: false, stop: { problem: 'throttled' }, retryAfterSeconds: wait };
        } else if (await deps.store.oauthStates.noteRefusal(hashState(state), `start_${started.problem}`)) {
          await deps.store.audit.record(
            { actor: 'browser', action: 'reauth.oauth_start', outcome: started.problem },
            now,
          );
        }
        return { ok: false, stop: { problem: 'bad_link', link: started.problem, at: 'start' } };
      }
      const integration = await deps.store.integrations.findActive(started.integrationId);
      const endpoints = integration && deps.oauthEndpointsOf(integration.provider);
      if (!integration || !endpoints) {
        return { ok: false, stop: { problem: 'not_found', at: 'start' } };
      }
      return {
        ok: true,
        location: buildAuthorizeUrl(endpoints, { state, redirectUri, codeVerifier: started.codeVerifier }),
        stateHash: started.stateHash,
      };
    },

    /** GET /oauth/callback: the state is used up before any code exchange. */
    async complete(input: CallbackInput): Promise<CallbackResult> {
      const result = await completeOnce(input);
      deps.metrics?.oauthFlows.inc({ provider: result.provider ?? 'unknown', outcome: result.outcome });
      return result;
    },
  };

  /** The callback's work; its result also says the outcome and provider, for the metrics. */
  async function completeOnce(input: CallbackInput): Promise<CallbackResult & { provider?: string; outcome: string }> {
    const now = deps.clock.now();
    const audit = (
      integrationId: string | null,
      actor: string,
      outcome: string,
      detail: Record<string, unknown> = {},
    ) =>
      deps.store.audit.record(
        { actor, integrationId, action: 'reauth.oauth', outcome, detail, fingerprint: null },
        now,
      );

    const unknown = (outcome: string): CallbackResult & { outcome: string } => {
      // Never issued: not audited (a flood would grow the log), counted, and throttled per source.
      const wait = deps.unknownLinks?.seen(input.source, 'oauth_callback') ?? 0;
      return wait > 0
        ? { stop: { problem: 'throttled' }, retryAfterSeconds: wait, outcome: 'throttled' }
        : { stop: { problem: 'bad_link', link: 'unknown', at: 'callback' }, outcome };
    };
    if (!input.state) return unknown('missing_state');
    const consumed = await deps.states.consume(input.state, now);
    if (!consumed.ok) {
      if (consumed.problem === 'unknown') return unknown('unknown_state');
      // A state Reauth issued, used again or late: audited once per state and outcome.
      if (await deps.store.oauthStates.noteRefusal(hashState(input.state), `${consumed.problem}_state`))
        await audit(consumed.integrationId ?? null, consumed.slackUserId ?? 'unknown', `${consumed.problem}_state`);
      return {
        stop: { problem: 'bad_link', link: consumed.problem, at: 'callback' },
        outcome: `${consumed.problem}_state`,
      };
    }
    const integration = await deps.store.integrations.findActive(consumed.integrationId);
    const fail = async (stop: OAuthStop, outcome: string, detail: Record<string, unknown> = {}) => {
      await audit(consumed.integrationId, consumed.slackUserId, outcome, detail);
      return {
        stop,
        outcome,
        ...(integration
          ? { provider: integration.provider, notify: { userId: consumed.slackUserId, integration } }
          : {}),
      };
    };
    if (!input.cookieStateHashes.includes(hashState(input.state))) {
      return fail({ problem: 'foreign' }, 'foreign_state');
    }
    if (integration?.authType !== 'oauth') {
      return fail({ problem: 'not_found', at: 'callback' }, 'not_found');
    }
    // Permission is decided now, not when the link was issued: an owner removed meanwhile cannot finish.
    if (!(await deps.authoriser.canManage(consumed.slackUserId, integration.owners))) {
      return fail({ problem: 'permission_denied', integrationName: integration.name }, 'permission_denied');
    }
    const provider = providerSpec(integration.provider).label;
    if (input.error) {
      return fail(
        {
          problem: 'declined',
          provider,
          error: input.error.slice(0, 60),
          description: input.errorDescription?.slice(0, 200) || undefined,
        },
        'provider_error_param',
        { error: input.error.slice(0, 60) },
      );
    }
    if (!input.code) return fail({ problem: 'no_code', provider }, 'missing_code');
    const endpoints = deps.oauthEndpointsOf(integration.provider);
    if (!endpoints)
      return fail(
        { problem: 'not_configured', setupHint: deps.oauthSetupHintOf(integration.provider) },
        'not_configured',
      );

    const exchange = await exchangeCode(
      deps.http,
      endpoints,
      { code: input.code, redirectUri, codeVerifier: consumed.codeVerifier },
      now,
    );
    if (!exchange.ok)
      return fail({ problem: 'exchange_failed', reason: exchange.outcome.reason }, exchange.outcome.kind);

    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const outcome = await validateToken(ctx, { token: exchange.tokens.accessToken });
    const fingerprint = fingerprintSecret(exchange.tokens.refreshToken ?? exchange.tokens.accessToken);
    if (outcome.kind !== 'valid')
      return fail({ problem: 'access_unusable', reason: outcome.reason }, outcome.kind, { reason: outcome.reason });

    const validation = { outcome, tokens: [{ position: 1, fingerprint, outcome }] };
    const committed = await deps.commit({
      integration,
      actor: consumed.slackUserId,
      payload: {
        kind: 'oauth',
        accessToken: exchange.tokens.accessToken,
        refreshToken: exchange.tokens.refreshToken,
        accessExpiresAt: exchange.tokens.accessExpiresAt.getTime(),
        refreshExpiresAt: exchange.tokens.refreshExpiresAt?.getTime() ?? null,
      },
      validation,
      how: 'oauth',
      expiresAt: exchange.tokens.refreshExpiresAt,
    });
    const also = alsoServes(committed.affected, integration);
    return {
      signedIn: { integrationName: integration.name, reason: outcome.reason, also },
      success: {
        integration,
        affected: committed.affected,
        validation,
        userId: consumed.slackUserId,
        credentialId: committed.credential.id,
      },
      outcome: 'success',
      provider: integration.provider,
    };
  }
}

export type OAuthFlow = ReturnType<typeof createOAuthFlow>;
