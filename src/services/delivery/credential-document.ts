import { fingerprintOf } from '../../domain/credential.js';
import type { Credential, HealthStatus, Integration } from '../../domain/types.js';
import { authSpec } from '../../providers/registry.js';
import type { SecretPayload } from '../secret-payload.js';

/**
 * What a consumer receives: the pull API's body, and the credential part of it that webhook, Vault
 * and file sinks carry. Refresh tokens never leave Reauth.
 */

export interface CredentialDocument {
  integration: string;
  provider: string;
  auth: string;
  version: number;
  fingerprint: string;
  updated_at: string;
  expires_at: string | null;
  health: HealthStatus;
  credential: Record<string, unknown>;
}

/**
 * The fields the auth type needs: token (with email or username), all tokens of a pool, or an access
 * token — an OAuth one, or one minted from a machine identity (whose root secret never leaves Reauth).
 */
export function consumerCredential(
  integration: Pick<Integration, 'provider' | 'authType'>,
  payload: SecretPayload,
): Record<string, unknown> {
  if (payload.kind === 'oauth' || payload.kind === 'machine') {
    return {
      access_token: payload.accessToken,
      token_type: 'Bearer',
      expires_at: new Date(payload.accessExpiresAt).toISOString(),
    };
  }
  const form = authSpec(integration.provider, integration.authType)?.form;
  const fields: Record<string, unknown> = {};
  if (form?.kind === 'token' && form.identifier !== 'none' && payload.identifier)
    fields[form.identifier] = payload.identifier;
  fields.token = payload.tokens[0];
  if (form?.kind === 'token' && form.pool) fields.tokens = [...payload.tokens];
  return fields;
}

/** The facts of one credential version a document states: from the stored credential, or from an outbox row that carries them. */
export interface VersionFacts {
  version: number;
  fingerprint: string;
  updatedAt: Date;
  expiresAt: string | null;
}

/** When a document says its credential ends: a machine identity's, when its access token does (SPEC §12); others, the credential. */
export const documentExpiresAt = (expiresAt: Date | null, payload?: SecretPayload): string | null =>
  payload?.kind === 'machine' ? new Date(payload.accessExpiresAt).toISOString() : (expiresAt?.toISOString() ?? null);

export const versionFactsOf = (credential: Credential, payload?: SecretPayload): VersionFacts => ({
  version: credential.version,
  fingerprint: fingerprintOf(credential),
  updatedAt: credential.updatedAt ?? credential.createdAt,
  expiresAt: documentExpiresAt(credential.expiresAt, payload),
});

export function credentialDocument(
  integration: Integration,
  facts: VersionFacts,
  fields: Record<string, unknown>,
  health: HealthStatus,
): CredentialDocument {
  return {
    integration: integration.id,
    provider: integration.provider,
    auth: integration.authType,
    version: facts.version,
    fingerprint: facts.fingerprint,
    updated_at: facts.updatedAt.toISOString(),
    expires_at: facts.expiresAt,
    health,
    credential: fields,
  };
}
