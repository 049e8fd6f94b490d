import { createPrivateKey } from 'node:crypto';
import type { ValidationContext } from '../call.js';
import { describeIdentity, formatUtc, type CredentialValidation, type Identity, type Outcome } from '../outcome.js';
import { validateToken } from '../validate.js';
import { mintEntraToken } from './entra.js';
import { checkApp, checkInstallationToken, mintInstallationToken } from './github-app.js';
import type { MachineInput } from './input.js';
import { DEFAULT_MACHINE_ENDPOINTS, type MachineEndpoints, type MachineSettings } from './settings.js';
import { checkWorkspaceToken, mintBitbucketToken } from './bitbucket.js';
import { checkSiteToken, findCloudId, mintAtlassianToken } from './atlassian.js';
import type { MachineRootSecret, MintedToken, MintResult } from './types.js';

const notConfigured = (ctx: ValidationContext): Outcome => ({
  kind: 'provider_error',
  status: null,
  reason: `${ctx.target.id} has no machine identity settings in integrations.yml (app_id and installation_id, tenant_id, or workspace); add them and try again.`,
});

const wrongRoot = (ctx: ValidationContext): Outcome => ({
  kind: 'wrong_auth_type',
  reason: `The stored root secret does not fit ${ctx.target.id}'s auth type; re-authenticate it.`,
});

/** One short-lived access token from a machine identity's root secret: the one mint, for every caller. */
export async function mintAccessToken(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  root: MachineRootSecret,
  endpoints: MachineEndpoints = DEFAULT_MACHINE_ENDPOINTS,
): Promise<MintResult> {
  if (!settings) return { ok: false, outcome: notConfigured(ctx) };
  if (settings.kind === 'github_app') {
    if (root.kind !== 'private_key') return { ok: false, outcome: wrongRoot(ctx) };
    return mintInstallationToken(ctx, createPrivateKey(root.pem), settings);
  }
  if (root.kind !== 'client_secret') return { ok: false, outcome: wrongRoot(ctx) };
  if (settings.kind === 'bitbucket') return mintBitbucketToken(ctx, endpoints, root);
  if (settings.kind === 'atlassian') return mintAtlassianToken(ctx, settings, root);
  return mintEntraToken(ctx, settings, root);
}

/** A machine identity's validation: what a re-authentication stores, and the first access token it minted. */
export interface MachineValidation {
  validation: CredentialValidation;
  /** The access token minted to prove the root secret: kept, so nothing mints again at once. */
  minted?: MintedToken;
  /** An Atlassian site's cloud id, found through the token: kept with the credential, not asked again. */
  cloudId?: string;
}

/**
 * Proves a root secret works (SPEC §12): a GitHub App's key names its App (`GET /app`), mints an
 * installation token and that token lists the installation's repositories (or the repository's Actions
 * runs); a service principal's client secret mints an Entra token that Azure DevOps accepts
 * (`connectionData`, Bearer); a Bitbucket consumer's token lists its workspace's repositories; an
 * Atlassian service account's token reaches the site (its cloud id found unless integrations.yml gives
 * it) and reads `myself` through the API gateway. The account is the App's id, the service principal's
 * id, the consumer key or the service account's `accountId`.
 */
export async function validateMachineIdentity(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  input: MachineInput,
  endpoints: MachineEndpoints = DEFAULT_MACHINE_ENDPOINTS,
): Promise<MachineValidation> {
  const report = (outcome: Outcome, minted?: MintedToken): MachineValidation => ({
    validation: { outcome, tokens: [{ position: 1, fingerprint: input.fingerprint, outcome }] },
    ...(minted ? { minted } : {}),
  });
  if (!settings) return report(notConfigured(ctx));
  // A GitHub App is named first (GET /app with its JWT): a key of another App stops before any token.
  const app =
    settings.kind === 'github_app' && input.root.kind === 'private_key'
      ? await checkApp(ctx, createPrivateKey(input.root.pem), settings)
      : undefined;
  if (app && app.kind !== 'valid') return report(app);
  const minted = await mintAccessToken(ctx, settings, input.root, endpoints);
  if (!minted.ok) return report(minted.outcome);
  // An Atlassian site is reached through its cloud id: integrations.yml's, or found through the token.
  const site =
    settings.kind === 'atlassian' && settings.cloudId === null
      ? await findCloudId(ctx, settings, minted.minted.token)
      : undefined;
  if (site && !site.ok) return report(site.outcome);
  const cloudId = site?.cloudId;
  // The token is proved as every probe proves it; the account is the App, the consumer key or the provider's answer.
  const account =
    app?.kind === 'valid' ? app.identity : { id: input.root.kind === 'client_secret' ? input.root.clientId : '' };
  const checked = await checkAccessToken(ctx, settings, minted.minted.token, account, cloudId);
  if (checked.kind !== 'valid')
    return report(
      settings.kind === 'entra' && checked.kind === 'invalid_credentials'
        ? {
            ...checked,
            reason: `Microsoft Entra ID issued a token, but Azure DevOps organization ${ctx.target.organization ?? ''} refused it: add the service principal to the organization (Organization settings → Users, Basic access) and try again.`,
          }
        : checked,
    );
  const ends = formatUtc(minted.minted.expiresAt);
  const reason =
    settings.kind === 'github_app'
      ? `GitHub accepted the private key of ${describeIdentity(checked.identity)}: installation ${settings.installationId} gave a token that can ${ctx.target.provider === 'github_actions' && ctx.target.repository ? `list the workflow runs of ${ctx.target.repository}` : 'list its repositories'}. Reauth mints a new one before each ends (${ends}).`
      : settings.kind === 'bitbucket'
        ? `Bitbucket issued a token for the consumer ${checked.identity.id} that lists the repositories of workspace ${settings.workspace}. Reauth mints a new one before each ends.`
        : settings.kind === 'atlassian'
          ? `Jira on ${ctx.target.url} (cloud id ${cloudId ?? settings.cloudId}) accepted the service account ${describeIdentity(checked.identity)} with a token Atlassian issued${input.expiresAt ? `; the credential ends ${formatUtc(input.expiresAt)}` : ''}. Reauth mints a new token before each ends.`
          : `Azure DevOps accepted the service principal ${describeIdentity(checked.identity)} with a token Microsoft Entra ID issued${input.expiresAt ? `; the client secret ends ${formatUtc(input.expiresAt)}` : ''}. Reauth mints a new token before each ends.`;
  return {
    ...report({ ...checked, expiresAt: input.expiresAt, reason }, minted.minted),
    ...(cloudId ? { cloudId } : {}),
  };
}

/**
 * A probe of a machine identity: its current access token still does what it is for — the
 * installation's repositories (or the repository's runs), Azure DevOps' `connectionData`, the
 * workspace's repositories, or Jira's `myself` through the gateway — named as the stored identity where
 * the call does not say (an installation token cannot read `GET /app`).
 */
export async function checkAccessToken(
  ctx: ValidationContext,
  settings: MachineSettings | null | undefined,
  token: string,
  identity: Identity,
  /** The cloud id kept with an Atlassian service account's credential (integrations.yml's comes first). */
  keptCloudId?: string,
): Promise<Outcome> {
  if (settings?.kind === 'entra') return validateToken(ctx, { token });
  if (settings?.kind === 'atlassian') {
    const known = settings.cloudId ?? keptCloudId;
    const site = known ? { ok: true as const, cloudId: known } : await findCloudId(ctx, settings, token);
    return site.ok ? checkSiteToken(ctx, settings, token, site.cloudId) : site.outcome;
  }
  if (settings?.kind === 'bitbucket') return checkWorkspaceToken(ctx, settings, token, identity.id);
  const refused = await checkInstallationToken(ctx, token);
  return (
    refused ?? {
      kind: 'valid',
      identity,
      scopes: null,
      expiresAt: null,
      rateLimitRemaining: null,
      reason: `The installation token of ${describeIdentity(identity)} works.`,
    }
  );
}
