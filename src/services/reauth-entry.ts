import { closestIds } from '../catalogue/closest-ids.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { Integration } from '../domain/types.js';
import { authSpec } from '../providers/registry.js';
import type { MetadataSigner } from '../slack/metadata.js';
import type { Authoriser } from './authorisation.js';
import type { OAuthFlow } from './oauth-flow.js';
import type { SecretEntry } from '../domain/secret-entry.js';
import type { WebForm } from './web-form.js';

/**
 * What a person sees when they ask to re-authenticate an integration (`/reauth <id>`, a
 * Re-authenticate button, Try again): decided here, turned into a view by the listener.
 */
export type ReauthSurface =
  | { kind: 'unknown'; requested: string; suggestions: string[] }
  | { kind: 'app'; integration: Integration; label: string; instead: string }
  /** `web`: the one-time link to Reauth's own page, and whether it is the only way in (SECRET_ENTRY=web). */
  | { kind: 'form'; integration: Integration; metadata: string; web?: { link: string; expiresAt: Date; only: boolean } }
  | { kind: 'oauth'; integration: Integration; link: string; expiresAt: Date }
  | { kind: 'oauth_not_configured'; integration: Integration; setupHint: string }
  | { kind: 'denied'; integration: Integration; approvers: string[] }
  /** Permission depends on a user group: show a light view now, then call `resolve`. */
  | { kind: 'checking'; integration: Integration };

/** A surface for an integration that exists. */
export type IntegrationSurface = Exclude<ReauthSurface, { kind: 'unknown' }>;

export interface ReauthEntryDeps {
  store: Pick<Store, 'integrations' | 'audit'>;
  authoriser: Authoriser;
  oauth: Pick<OAuthFlow, 'issueLink'>;
  signer: MetadataSigner;
  clock: Clock;
  /** Where people type new secrets; with `web` or `both` the form carries a link to Reauth's own page. */
  secretEntry?: SecretEntry;
  webForm?: Pick<WebForm, 'issueLink'>;
}

export function createReauthEntry(deps: ReauthEntryDeps) {
  const audit = (userId: string, integration: Integration, outcome: string) =>
    deps.store.audit.record(
      { actor: userId, integrationId: integration.id, action: 'reauth.open', outcome },
      deps.clock.now(),
    );

  /** The surface for someone known to be allowed. */
  async function allowedSurface(
    integration: Integration,
    userId: string,
    userName?: string,
  ): Promise<IntegrationSurface> {
    const spec = authSpec(integration.provider, integration.authType);
    if (spec?.form.kind === 'oauth') {
      const link = await deps.oauth.issueLink(integration, userId);
      return link.ok
        ? { kind: 'oauth', integration, link: link.link, expiresAt: link.expiresAt }
        : { kind: 'oauth_not_configured', integration, setupHint: link.setupHint };
    }
    const entry = deps.secretEntry ?? 'slack';
    const web =
      deps.webForm && entry !== 'slack'
        ? { ...(await deps.webForm.issueLink(integration, userId, userName)), only: entry === 'web' }
        : undefined;
    return {
      kind: 'form',
      integration,
      metadata: deps.signer.sign({ integrationId: integration.id, auth: integration.authType, userId }),
      ...(web ? { web } : {}),
    };
  }

  const denied = (integration: Integration): IntegrationSurface => ({
    kind: 'denied',
    integration,
    approvers: deps.authoriser.approvers(integration.owners),
  });

  return {
    /**
     * Inside Slack's 3-second trigger window: only local reads, no Slack calls. When permission
     * depends on a user group the answer is `checking`, and `resolve` gives the final one.
     */
    async open(userId: string, integrationId: string, userName?: string): Promise<ReauthSurface> {
      const integration = await deps.store.integrations.findActive(integrationId);
      if (!integration) {
        const ids = (await deps.store.integrations.listActive()).map((i) => i.id);
        return { kind: 'unknown', requested: integrationId, suggestions: closestIds(integrationId, ids) };
      }
      const spec = authSpec(integration.provider, integration.authType);
      if (!spec || spec.form.kind === 'unsupported') {
        await audit(userId, integration, 'unsupported_app_type');
        return {
          kind: 'app',
          integration,
          label: spec?.label ?? integration.authType,
          instead: spec?.form.kind === 'unsupported' ? spec.form.instead : 'Change it in integrations.yml.',
        };
      }
      const decision = deps.authoriser.decideFast(userId, integration.owners);
      if (decision === 'needs_lookup') return { kind: 'checking', integration };
      await audit(userId, integration, decision === 'allowed' ? 'allowed' : 'permission_denied');
      return decision === 'allowed' ? allowedSurface(integration, userId, userName) : denied(integration);
    },

    /** The full answer, resolving user groups. */
    async resolve(userId: string, integration: Integration, userName?: string): Promise<IntegrationSurface> {
      const allowed = await deps.authoriser.canManage(userId, integration.owners);
      await audit(userId, integration, allowed ? 'allowed' : 'permission_denied');
      return allowed ? allowedSurface(integration, userId, userName) : denied(integration);
    },

    /** Try again in a result view: the same decision, for an integration id from the button. */
    async again(userId: string, integrationId: string, userName?: string): Promise<IntegrationSurface | undefined> {
      const integration = await deps.store.integrations.findActive(integrationId);
      if (!integration) return undefined;
      const allowed = await deps.authoriser.canManage(userId, integration.owners);
      return allowed ? allowedSurface(integration, userId, userName) : denied(integration);
    },
  };
}

export type ReauthEntry = ReturnType<typeof createReauthEntry>;
