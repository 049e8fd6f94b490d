import type { ValidationContext } from '../call.js';
import { describeIdentity, formatUtc } from '../outcome.js';
import { validateToken } from '../validate.js';
import { clientCredentialsAnswer } from './client-credentials.js';
import type { MachineSettings } from './settings.js';
import type { ClientCredentials, ClientSecretRoot, Minter, MintResult } from './types.js';

type Entra = Extract<MachineSettings, { kind: 'entra' }>;

/**
 * The Azure DevOps resource's `.default` scope, by application id as Azure DevOps asks
 * (https://learn.microsoft.com/azure/devops/integrate/get-started/authentication/service-principal-managed-identity).
 */
const AZURE_DEVOPS_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';

/**
 * An Entra access token for Azure DevOps by the client-credentials grant, the secret in the form body
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow). No refresh
 * token is issued: when the token ends, the same request is made again.
 */
export async function mintEntraToken(
  ctx: ValidationContext,
  settings: Entra,
  secret: ClientCredentials,
): Promise<MintResult> {
  const url = new URL(
    `${settings.authority.replace(/\/+$/, '')}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`,
  );
  const result = await ctx.http.send({
    provider: ctx.target.provider,
    method: 'POST',
    url,
    headers: {
      'User-Agent': 'reauth-bot',
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
    },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: secret.clientId,
      client_secret: secret.clientSecret,
      scope: AZURE_DEVOPS_SCOPE,
    }).toString(),
  });
  return clientCredentialsAnswer(
    ctx,
    result,
    'Microsoft Entra ID',
    `Check the client id and tenant ${settings.tenantId}; if the secret was deleted or has ended, add a new client secret to the app registration (Certificates & secrets) and re-authenticate with it.`,
  );
}

/**
 * An Entra service principal for Azure DevOps (SPEC §12): a token minted by client credentials, proved on
 * the organization's `connectionData` (Bearer), which names the service principal.
 */
export const entraMinter: Minter<Entra, ClientSecretRoot> = {
  root: 'client_secret',
  mint: (ctx, settings, root) => mintEntraToken(ctx, settings, root),
  async check(ctx, _settings, held) {
    const outcome = await validateToken(ctx, { token: held.accessToken });
    // A token Entra issued that Azure DevOps refuses: the principal is not (or no longer) in the organization.
    return {
      outcome:
        outcome.kind === 'invalid_credentials'
          ? {
              ...outcome,
              reason: `Microsoft Entra ID issued a token, but Azure DevOps organization ${ctx.target.organization ?? ''} refused it: add the service principal to the organization (Organization settings → Users, Basic access) and try again.`,
            }
          : outcome,
    };
  },
  validated: (_ctx, _settings, identity, { rootExpiresAt }) =>
    `Azure DevOps accepted the service principal ${describeIdentity(identity)} with a token Microsoft Entra ID issued${rootExpiresAt ? `; the client secret ends ${formatUtc(rootExpiresAt)}` : ''}. Reauth mints a new token before each ends.`,
};
