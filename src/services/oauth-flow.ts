import { durationText, OAUTH_STATE_LIFETIME_MS } from '../domain/lifetimes.js';
import { START_AGAIN_IN_SLACK } from './copy.js';
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
import { targetOf } from './probe.js';
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

/** A page the browser is shown: the outcome in plain words. */
export interface OAuthPage {
  title: string;
  message: string;
  ok: boolean;
}

export type LinkOut = { ok: true; link: string; expiresAt: Date } | { ok: false; setupHint: string };

/**
 * Why a sign-in stopped, in the service's words (http/oauth.ts gives each its status): a source that
 * flooded unknown links, a link that cannot be used, another browser's or person's sign-in, an
 * integration gone, a person no longer allowed, the provider declining or sending no code, an OAuth
 * client not set up, an exchange that failed, or access that does not work.
 */
export type OAuthProblem =
  | 'throttled'
  | 'bad_link'
  | 'foreign'
  | 'not_found'
  | 'permission_denied'
  | 'declined'
  | 'not_configured'
  | 'exchange_failed'
  | 'access_unusable';

export type StartResult =
  | { ok: true; location: string; stateHash: string }
  | { ok: false; problem: OAuthProblem; page: OAuthPage; retryAfterSeconds?: number };

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

export type CallbackResult = {
  /** Undefined: signed in and stored. */
  problem?: OAuthProblem;
  page: OAuthPage;
  /** 429: seconds before this source may try again. */
  retryAfterSeconds?: number;
  /** Whom and what to tell in Slack. */
  notify?: { userId: string; integration: Integration };
  success?: {
    integration: Integration;
    affected: Integration[];
    validation: CredentialValidation & { outcome: ValidOutcome };
    userId: string;
    credentialId: number;
  };
};

const PROBLEM_PAGES = {
  unknown: {
    title: 'This sign-in link is not valid',
    message: `Reauth does not know this sign-in request. ${START_AGAIN_IN_SLACK}`,
  },
  reused: {
    title: 'This sign-in link was already used',
    message: `Each sign-in link works once. ${START_AGAIN_IN_SLACK}`,
  },
  expired: {
    title: 'This sign-in link has expired',
    message: `Sign-in links are valid for ${durationText(OAUTH_STATE_LIFETIME_MS)}. ${START_AGAIN_IN_SLACK}`,
  },
} as const;

const THROTTLED_PAGE: OAuthPage = {
  title: 'Too many unknown sign-in links',
  message:
    'This address asked for too many sign-in links Reauth never issued. Wait a minute, then start again from Slack.',
  ok: false,
};

const START_PROBLEMS = {
  unknown: `Reauth does not know this sign-in link. ${START_AGAIN_IN_SLACK}`,
  reused: `This sign-in link was already used. ${START_AGAIN_IN_SLACK}`,
  expired: `This sign-in link has expired (they last ${durationText(OAUTH_STATE_LIFETIME_MS)}). ${START_AGAIN_IN_SLACK}`,
  already_opened: `This sign-in link was already opened, in another browser or tab; it works once. ${START_AGAIN_IN_SLACK}`,
} as const;

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
          if (wait > 0) return { ok: false, problem: 'throttled', page: THROTTLED_PAGE, retryAfterSeconds: wait };
        } else if (await deps.store.oauthStates.noteRefusal(hashState(state), `start_${started.problem}`)) {
          await deps.store.audit.record(
            { actor: 'browser', action: 'reauth.oauth_start', outcome: started.problem },
            now,
          );
        }
        return {
          ok: false,
          problem: 'bad_link',
          page: { title: 'This sign-in link cannot be used', message: START_PROBLEMS[started.problem], ok: false },
        };
      }
      const integration = await deps.store.integrations.findActive(started.integrationId);
      const endpoints = integration && deps.oauthEndpointsOf(integration.provider);
      if (!integration || !endpoints) {
        return {
          ok: false,
          problem: 'not_found',
          page: {
            title: 'Sign-in is not available',
            message: 'The integration no longer exists, or its OAuth client is not configured. Nothing was changed.',
            ok: false,
          },
        };
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
        ? { problem: 'throttled', page: THROTTLED_PAGE, retryAfterSeconds: wait, outcome: 'throttled' }
        : { problem: 'bad_link', page: { ...PROBLEM_PAGES.unknown, ok: false }, outcome };
    };
    if (!input.state) return unknown('missing_state');
    const consumed = await deps.states.consume(input.state, now);
    if (!consumed.ok) {
      if (consumed.problem === 'unknown') return unknown('unknown_state');
      // A state Reauth issued, used again or late: audited once per state and outcome.
      if (await deps.store.oauthStates.noteRefusal(hashState(input.state), `${consumed.problem}_state`))
        await audit(consumed.integrationId ?? null, consumed.slackUserId ?? 'unknown', `${consumed.problem}_state`);
      return {
        problem: 'bad_link',
        page: { ...PROBLEM_PAGES[consumed.problem], ok: false },
        outcome: `${consumed.problem}_state`,
      };
    }
    const integration = await deps.store.integrations.findActive(consumed.integrationId);
    const fail = async (
      problem: OAuthProblem,
      title: string,
      message: string,
      outcome: string,
      detail: Record<string, unknown> = {},
    ) => {
      await audit(consumed.integrationId, consumed.slackUserId, outcome, detail);
      return {
        problem,
        page: { title, message, ok: false },
        outcome,
        ...(integration
          ? { provider: integration.provider, notify: { userId: consumed.slackUserId, integration } }
          : {}),
      };
    };
    if (!input.cookieStateHashes.includes(hashState(input.state))) {
      return fail(
        'foreign',
        'This sign-in belongs to someone else',
        'This sign-in was started from another browser or by another person, so it was refused and nothing was changed. Start again with Re-authenticate in Slack, in this browser.',
        'foreign_state',
      );
    }
    if (integration?.authType !== 'oauth') {
      return fail(
        'not_found',
        'Integration not found',
        'The integration no longer exists or no longer uses OAuth. Nothing was changed.',
        'not_found',
      );
    }
    // Permission is decided now, not when the link was issued: an owner removed meanwhile cannot finish.
    if (!(await deps.authoriser.canManage(consumed.slackUserId, integration.owners))) {
      return fail(
        'permission_denied',
        'You may no longer re-authenticate this integration',
        `You are no longer an owner of ${integration.name} or a Reauth admin, so this sign-in was refused and nothing was changed. Ask one of its owners or a Reauth admin.`,
        'permission_denied',
      );
    }
    const provider = providerSpec(integration.provider).label;
    if (input.error) {
      const description = input.errorDescription ? ` (${input.errorDescription.slice(0, 200)})` : '';
      return fail(
        'declined',
        `${provider} did not grant access`,
        `${provider} answered "${input.error.slice(0, 60)}"${description}. Nothing was changed; start again with Re-authenticate in Slack if you want to retry.`,
        'provider_error_param',
        { error: input.error.slice(0, 60) },
      );
    }
    if (!input.code)
      return fail(
        'declined',
        'No authorization code',
        `${provider} sent no authorization code. Nothing was changed; start again from Slack.`,
        'missing_code',
      );
    const endpoints = deps.oauthEndpointsOf(integration.provider);
    if (!endpoints)
      return fail(
        'not_configured',
        'Sign-in is not set up',
        `An admin must set ${deps.oauthSetupHintOf(integration.provider)}. Nothing was changed.`,
        'not_configured',
      );

    const exchange = await exchangeCode(
      deps.http,
      endpoints,
      { code: input.code, redirectUri, codeVerifier: consumed.codeVerifier },
      now,
    );
    if (!exchange.ok)
      return fail(
        'exchange_failed',
        'Sign-in failed',
        `${exchange.outcome.reason} Nothing was changed.`,
        exchange.outcome.kind,
      );

    const ctx = createValidationContext(targetOf(integration), deps.http, () => deps.clock.now());
    const outcome = await validateToken(ctx, { token: exchange.tokens.accessToken });
    const fingerprint = fingerprintSecret(exchange.tokens.refreshToken ?? exchange.tokens.accessToken);
    if (outcome.kind !== 'valid')
      return fail('access_unusable', 'The new access does not work', `${outcome.reason}`, outcome.kind, {
        reason: outcome.reason,
      });

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
      page: {
        title: `${integration.name} is re-authenticated`,
        message: `${outcome.reason}${also} The result is posted in Slack.`,
        ok: true,
      },
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
