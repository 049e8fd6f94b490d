import { randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from './http-utils.js';
import type { EmulatedToken } from './types.js';

/**
 * Microsoft Entra service principals on loopback: the client-credentials grant of
 * `POST {authority}/{tenant}/oauth2/v2.0/token` as Microsoft documents it
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow) — a form body
 * with `client_id`, `client_secret` and the Azure DevOps resource's `.default` scope; errors as JSON
 * with `error`, `error_description` (AADSTS…) and `error_codes`. The token it issues is valid in Azure
 * DevOps for the organizations the principal was added to, until it ends.
 */

export interface EmulatedPrincipal {
  tenantId: string;
  clientId: string;
  /** The service principal's object id: who Azure DevOps says the caller is. */
  objectId: string;
  displayName: string;
  /** Client secrets that work; one that is removed or ended is refused. */
  secrets: string[];
  /** Azure DevOps organizations the principal was added to. */
  organizations: string[];
  tokenLifetimeSeconds: number;
}

export interface EntraPrincipals {
  /** Registers an app registration's service principal with one client secret, returned. */
  add(
    principal: Partial<EmulatedPrincipal> & Pick<EmulatedPrincipal, 'tenantId' | 'clientId' | 'organizations'>,
  ): string;
  /** Adds another client secret (for a re-authentication) and returns it. */
  newSecret(clientId: string): string;
  /** Deletes every secret of the principal. */
  deleteSecrets(clientId: string): void;
  principal(clientId: string): EmulatedPrincipal | undefined;
}

const ADO_SCOPE = '499b84ac-1321-427f-aa17-267ca6975798/.default';

function refuse(res: ServerResponse, status: number, error: string, code: number, description: string): true {
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
  });
  return true;
}

export function createEntraPrincipals(tokens: Map<string, EmulatedToken>, now: () => number) {
  const principals = new Map<string, EmulatedPrincipal>();
  const secret = () => `${randomBytes(3).toString('hex')}~${randomBytes(27).toString('base64url')}`;

  const registry: EntraPrincipals = {
    add(principal) {
      const first = secret();
      principals.set(principal.clientId, {
        objectId: randomUUID(),
        displayName: 'reauth-automation',
        tokenLifetimeSeconds: 3599,
        ...principal,
        secrets: [...(principal.secrets ?? []), first],
      });
      return first;
    },
    newSecret(clientId) {
      const principal = principals.get(clientId);
      if (!principal) throw new Error(`no emulated service principal ${clientId}`);
      const next = secret();
      principal.secrets.push(next);
      return next;
    },
    deleteSecrets(clientId) {
      principals.get(clientId)?.secrets.splice(0);
    },
    principal: (clientId) => principals.get(clientId),
  };

  /** Answers a client-credentials grant at a tenant's token endpoint. */
  function token(res: ServerResponse, tenantId: string, headers: Record<string, string>, form: URLSearchParams): true {
    if (!(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
      return refuse(
        res,
        400,
        'invalid_request',
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    const known = [...principals.values()].filter((p) => p.tenantId === tenantId);
    if (known.length === 0 && ![...principals.values()].some((p) => p.tenantId === tenantId))
      return refuse(res, 400, 'invalid_request', 90002, `Tenant '${tenantId}' not found.`);
    const principal = known.find((p) => p.clientId === form.get('client_id'));
    if (!principal)
      return refuse(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${tenantId}'.`,
      );
    if (form.get('scope') !== ADO_SCOPE)
      return refuse(
        res,
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid.`,
      );
    if (!principal.secrets.includes(form.get('client_secret') ?? ''))
      return refuse(
        res,
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${principal.clientId}'.`,
      );
    const access = `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.${randomBytes(300).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
    tokens.set(access, {
      provider: 'azure_devops',
      identity: { id: principal.objectId, name: principal.displayName },
      expiresAt: new Date(now() + principal.tokenLifetimeSeconds * 1000),
      organizations: principal.organizations,
      minted: true,
    });
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: principal.tokenLifetimeSeconds,
      ext_expires_in: principal.tokenLifetimeSeconds,
      access_token: access,
    });
    return true;
  }

  return { registry, token };
}
