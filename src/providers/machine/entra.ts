import type { ValidationContext } from '../call.js';
import { clientCredentialsAnswer } from './client-credentials.js';
import type { MachineSettings } from './settings.js';
import type { ClientCredentials, MintResult } from './types.js';

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
