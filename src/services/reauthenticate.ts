import { recordAudit } from '../db/repositories/audit.js';
import { currentCredential, swapCredential, type CredentialRow } from '../db/repositories/credentials.js';
import { saveHealth } from '../db/repositories/health.js';
import { findActiveIntegration, listIntegrationsByCredentialKey, type IntegrationRow } from '../db/repositories/integrations.js';
import { parseCredentialInput, type RawCredentialInput } from '../providers/input.js';
import { earliestExpiry, type CredentialValidation, type Outcome, type TokenReport, type ValidOutcome } from '../providers/outcome.js';
import { authSpec } from '../providers/registry.js';
import type { AuthKey, ProviderKey } from '../providers/types.js';
import { createValidationContext, validateCredential } from '../providers/validate.js';
import type { ServiceDeps } from './deps.js';
import { targetOf } from './probe.js';
import { sealPayload, type SecretPayload } from './secret-payload.js';

/** The form fields a submission may carry; anything else is a smuggled field. */
export type FormField = 'email' | 'username' | 'token';

export interface ReauthRequest {
  integrationId: string;
  /** Slack user id of the person submitting. */
  actor: string;
  /** The auth type the form was built for (from signed metadata). */
  expectedAuth: string;
  raw: RawCredentialInput;
  /** Which form fields arrived, to refuse fields of another auth type. */
  submittedFields: readonly string[];
  /** Re-checked here, never trusted from the form. */
  isAllowed: (integration: IntegrationRow) => Promise<boolean>;
}

export type RefusalKind = 'not_found' | 'permission_denied' | 'tampered' | 'unsupported';

export type ReauthResult =
  | {
      ok: true;
      integration: IntegrationRow;
      /** Every integration the credential serves (Azure DevOps organizations share one). */
      affected: IntegrationRow[];
      validation: CredentialValidation & { outcome: ValidOutcome };
      credential: CredentialRow;
      previousFingerprints: string[];
    }
  | {
      ok: false;
      integration: IntegrationRow | undefined;
      kind: Outcome['kind'] | RefusalKind;
      reason: string;
      /** The form field the message belongs under. */
      field: FormField;
      tokens: TokenReport[];
    };

type FailureKind = Extract<ReauthResult, { ok: false }>['kind'];

const fail = (integration: IntegrationRow | undefined, kind: FailureKind, reason: string, field: FormField = 'token', tokens: TokenReport[] = []): ReauthResult => ({
  ok: false,
  integration,
  kind,
  reason,
  field,
  tokens,
});

/** Fields the form for this auth type shows. */
export function expectedFields(provider: string, auth: string): FormField[] {
  const form = authSpec(provider as ProviderKey, auth as AuthKey)?.form;
  if (form?.kind !== 'token') return [];
  return form.identifier === 'none' ? ['token'] : [form.identifier, 'token'];
}

/**
 * Re-authenticates one integration from a submitted form: re-reads the integration and the
 * caller's permission, refuses anything tampered or of another auth type, validates against
 * the provider, and swaps the credential in only if it works. Every attempt is audited.
 */
export async function reauthenticate(deps: ServiceDeps, request: ReauthRequest): Promise<ReauthResult> {
  const now = () => deps.clock.now();
  const audit = (integration: IntegrationRow | undefined, outcome: string, detail: Record<string, unknown> = {}, fingerprint: string | null = null) => {
    recordAudit(deps.db, { actor: request.actor, integrationId: integration?.id ?? request.integrationId, action: 'reauth.modal', outcome, fingerprint, detail }, now());
    deps.logger.info({ integration: integration?.id ?? request.integrationId, actor: request.actor, outcome, fingerprint }, 're-authentication refused');
  };

  const integration = findActiveIntegration(deps.db, request.integrationId);
  if (!integration) {
    audit(undefined, 'not_found');
    return fail(undefined, 'not_found', `Integration ${request.integrationId} no longer exists (it was removed from integrations.yml). Nothing was changed.`);
  }
  const spec = authSpec(integration.provider as ProviderKey, integration.authType as AuthKey);
  if (!spec || spec.form.kind !== 'token') {
    audit(integration, 'unsupported');
    return fail(integration, 'unsupported', `${integration.name} does not take a typed credential (auth type ${integration.authType}). Nothing was changed.`);
  }
  if (request.expectedAuth !== integration.authType) {
    audit(integration, 'tampered', { reason: 'auth_type_mismatch', submitted: request.expectedAuth, actual: integration.authType });
    return fail(integration, 'tampered', `This form was for auth type ${request.expectedAuth}, but ${integration.name} uses ${integration.authType}. The auth type cannot change during re-authentication; open the form again with /reauth ${integration.id}.`);
  }
  const allowed = expectedFields(integration.provider, integration.authType);
  const smuggled = request.submittedFields.filter((f) => !(allowed as string[]).includes(f));
  if (smuggled.length > 0) {
    audit(integration, 'tampered', { reason: 'unexpected_fields', fields: smuggled });
    return fail(integration, 'tampered', `The submission carried fields this integration does not use (${smuggled.join(', ')}); it was refused and nothing was changed. Open the form again with /reauth ${integration.id}.`);
  }
  if (!(await request.isAllowed(integration))) {
    audit(integration, 'permission_denied');
    return fail(integration, 'permission_denied', `You are not allowed to re-authenticate ${integration.name}; ask one of its owners or a Reauth admin.`);
  }

  const parsed = parseCredentialInput(spec, request.raw);
  if (!parsed.ok) {
    audit(integration, parsed.outcome.kind, { reason: parsed.outcome.reason });
    const field = parsed.outcome.kind === 'invalid_input' ? parsed.outcome.field : 'token';
    return fail(integration, parsed.outcome.kind, parsed.outcome.reason, field);
  }

  const ctx = createValidationContext(targetOf(integration), deps.http, now);
  const validation = await validateCredential(ctx, parsed.input);
  const fingerprints = validation.tokens.map((t) => t.fingerprint);
  if (validation.outcome.kind !== 'valid') {
    audit(integration, validation.outcome.kind, { reason: validation.outcome.reason, tokens: validation.tokens.map((t) => ({ position: t.position, fingerprint: t.fingerprint, outcome: t.outcome.kind })) }, fingerprints.join(','));
    const field = validation.outcome.kind === 'invalid_input' ? validation.outcome.field : 'token';
    return fail(integration, validation.outcome.kind, validation.outcome.reason, field, validation.tokens);
  }

  const payload: SecretPayload = { kind: 'tokens', identifier: parsed.input.identifier ?? null, tokens: parsed.input.tokens };
  const committed = commitCredential(deps, { integration, actor: request.actor, payload, validation: validation as CredentialValidation & { outcome: ValidOutcome }, how: 'modal' });
  return { ok: true, integration, ...committed, validation: validation as CredentialValidation & { outcome: ValidOutcome } };
}

/**
 * Seals and swaps in a validated credential in one transaction with the health state of every
 * integration it serves and the audit entry: all of it commits, or none.
 */
export function commitCredential(
  deps: ServiceDeps,
  params: { integration: IntegrationRow; actor: string; payload: SecretPayload; validation: CredentialValidation & { outcome: ValidOutcome }; how: 'modal' | 'oauth'; expiresAt?: Date | null },
): { credential: CredentialRow; affected: IntegrationRow[]; previousFingerprints: string[] } {
  const now = deps.clock.now();
  const { integration, validation } = params;
  const fingerprints = validation.tokens.map((t) => t.fingerprint);
  const sealed = sealPayload(deps.keyring, integration.credentialKey, params.payload);
  const committed = deps.db.transaction((tx) => {
    const previous = currentCredential(tx, integration.credentialKey);
    const affected = listIntegrationsByCredentialKey(tx, integration.credentialKey);
    const credential = swapCredential(
      tx,
      {
        credentialKey: integration.credentialKey,
        provider: integration.provider,
        authType: integration.authType,
        sealedSecret: sealed.value,
        keyId: sealed.keyId,
        fingerprints,
        identity: { ...validation.outcome.identity },
        scopes: validation.outcome.scopes,
        expiresAt: params.expiresAt === undefined ? earliestExpiry(validation.tokens) : params.expiresAt,
        createdBy: params.actor,
        createdAt: now,
      },
      now,
    );
    for (const served of affected) {
      saveHealth(tx, {
        integrationId: served.id,
        status: 'healthy',
        outcome: 'valid',
        reason: `Re-authenticated by <@${params.actor}>.`,
        since: now,
        lastCheckedAt: now,
        lastSuccessAt: now,
        consecutiveFailures: 0,
        firstFailureAt: null,
        nextProbeAt: null,
      });
    }
    recordAudit(
      tx,
      {
        actor: params.actor,
        integrationId: integration.id,
        action: `reauth.${params.how}`,
        outcome: 'success',
        fingerprint: fingerprints.join(','),
        detail: {
          identity: validation.outcome.identity.name ?? validation.outcome.identity.username ?? validation.outcome.identity.id,
          previous: previous?.fingerprints ?? [],
          served: affected.map((a) => a.id),
        },
      },
      now,
    );
    return { credential, affected, previousFingerprints: previous?.fingerprints ?? [] };
  });
  deps.logger.info({ integration: integration.id, actor: params.actor, how: params.how, fingerprints }, 're-authentication succeeded');
  return committed;
}
