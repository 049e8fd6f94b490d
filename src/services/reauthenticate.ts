import { durationText, PENDING_LIFETIME_MS } from '../domain/lifetimes.js';
import { START_AGAIN_IN_SLACK } from './copy.js';
import type { Store } from '../db/store.js';
import { handoverDetail, type CredentialCommitService } from './credential-commit.js';
import type { Clock } from '../domain/clock.js';
import type { ReauthResult } from '../domain/reauth-result.js';
import type { Integration } from '../domain/types.js';
import type { Keyring } from '../crypto/keyring.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { HttpClient } from '../providers/http.js';
import { formFieldsOf, parseCredentialInput, type RawCredentialInput } from '../providers/input.js';
import { parseMachineInput } from '../providers/machine/input.js';
import { validateMachineIdentity } from '../providers/machine/validate.js';
import { parseEndDate } from '../providers/end-date.js';
import type { MachineEndpoints } from '../providers/machine/settings.js';
import type { CredentialValidation, TokenReport, ValidOutcome } from '../providers/outcome.js';
import type { SecretPayload } from './secret-payload.js';
import { authSpec, providerSpec } from '../providers/registry.js';
import { accountsOfStored, accountsOfValidation, describeAccount, foreignAccounts } from '../domain/accounts.js';
import { createPendingCredentials } from './pending-credentials.js';
import type { FormField } from '../providers/types.js';
import { createValidationContext, validateCredential } from '../providers/validate.js';
import type { Authoriser } from './authorisation.js';
import type { KeyedLock } from '../keyed-lock.js';
import { targetOf } from './probe-subject.js';
import { enteredMachinePayload } from './machine-mint.js';

export interface ReauthRequest {
  integrationId: string;
  /** Slack user id of the person submitting. */
  actor: string;
  /** The auth type the form was built for (from signed metadata). */
  expectedAuth: string;
  raw: RawCredentialInput;
  /** Which form fields arrived, to refuse fields of another auth type. */
  submittedFields: readonly string[];
  /** Where it was typed: the modal, or the one-time page outside Slack. */
  how?: EntryWay;
  /** The view (`view:<id>`) or page (`web:<link hash>`) a confirmation for another account must come from. */
  boundTo: string;
  /** A page holds one hand-over at a time, under a reference derived from its link. */
  pendingReference?: string;
}

/** Where a person typed a credential. */
export type EntryWay = 'modal' | 'web';

export interface ConfirmRequest {
  reference: string;
  integrationId: string;
  actor: string;
  boundTo: string;
  how: EntryWay;
  /** The `replace` option was checked. */
  replace: boolean;
}

type Failure = Extract<ReauthResult, { ok: false }>;

const fail = (
  integration: Integration | undefined,
  kind: Failure['kind'],
  reason: string,
  field: FormField = 'token',
  tokens: TokenReport[] = [],
): Failure => ({
  ok: false,
  integration,
  kind,
  reason,
  field,
  tokens,
});

/** A validation with the expiry the person entered on every valid token. */
function withExpiry(validation: CredentialValidation, at: Date): CredentialValidation {
  const dated = (outcome: CredentialValidation['outcome']): CredentialValidation['outcome'] =>
    outcome.kind === 'valid' ? { ...outcome, expiresAt: at } : outcome;
  return {
    outcome: dated(validation.outcome),
    tokens: validation.tokens.map((token) => ({ ...token, outcome: dated(token.outcome) })),
  };
}

/** What a person entered, checked and validated: the payload to seal, or why not (with what the audit keeps). */
type Entered =
  | { ok: true; payload: SecretPayload; validation: CredentialValidation & { outcome: ValidOutcome } }
  | { ok: false; failure: Failure; detail: Record<string, unknown>; fingerprint?: string };

export interface ReauthDeps {
  store: Pick<Store, 'integrations' | 'credentials' | 'audit' | 'pendingCredentials'>;
  keyring: Keyring;
  http: HttpClient;
  clock: Clock;
  logger: Logger;
  authoriser: Pick<Authoriser, 'canManage'>;
  /** The store's per-credential lock, held from the decision to the commit. */
  credentialLock: KeyedLock;
  metrics?: Pick<Metrics, 'reauthentications' | 'validationSeconds'>;
  /** The one way a credential changes (services/credential-commit.ts). */
  commit: CredentialCommitService['commit'];
  /** Token endpoints of machine identities that the configuration places (BITBUCKET_OAUTH_URL). */
  machineEndpoints?: MachineEndpoints;
}

/** How to start over, in the words of where the person is. */
const startAgain = (how: EntryWay, integrationId: string): string =>
  how === 'web' ? START_AGAIN_IN_SLACK : `Open the form again with /reauth ${integrationId}.`;

const fingerprintsOf = (validation: CredentialValidation): string =>
  validation.tokens.map((t) => t.fingerprint).join(',');

/** The integration was removed from the catalogue meanwhile (a form's and a confirmation's words alike). */
const gone = (integrationId: string): Failure =>
  fail(
    undefined,
    'not_found',
    `Integration ${integrationId} no longer exists (it was removed from integrations.yml). Nothing was changed.`,
  );

/** The person may not (or no longer) manage the integration. */
const notAllowed = (integration: Integration): Failure =>
  fail(
    integration,
    'permission_denied',
    `You are not allowed to re-authenticate ${integration.name}; ask one of its owners or a Reauth admin.`,
  );

export function createReauthService(deps: ReauthDeps) {
  /** Credentials of another account waiting for their confirmation. */
  const pending = createPendingCredentials({ store: deps.store, keyring: deps.keyring });
  /** Parses and validates what was entered for a typed credential or a machine identity's root secret. */
  async function enter(integration: Integration, raw: RawCredentialInput): Promise<Entered> {
    const now = () => deps.clock.now();
    const spec = authSpec(integration.provider, integration.authType);
    const ctx = createValidationContext(targetOf(integration), deps.http, now);
    const refusal = (kind: Failure['kind'], reason: string, field: FormField, tokens: TokenReport[] = []): Entered => ({
      ok: false,
      failure: fail(integration, kind, reason, field, tokens),
      detail: {
        reason,
        ...(tokens.length
          ? {
              tokens: tokens.map((t) => ({
                position: t.position,
                fingerprint: t.fingerprint,
                outcome: t.outcome.kind,
              })),
            }
          : {}),
      },
      ...(tokens.length ? { fingerprint: tokens.map((t) => t.fingerprint).join(',') } : {}),
    });
    const fieldOf = (outcome: { kind: string; field?: FormField }, fallback: FormField): FormField =>
      outcome.kind === 'invalid_input' && outcome.field ? outcome.field : fallback;

    if (spec?.form.kind === 'machine') {
      const rootField: FormField = spec.form.root === 'private_key' ? 'private_key' : 'client_secret';
      const parsed = parseMachineInput(spec.form, raw, now(), spec.foreignShapes);
      if (!parsed.ok) return refusal(parsed.outcome.kind, parsed.outcome.reason, fieldOf(parsed.outcome, rootField));
      const checked = await validateMachineIdentity(ctx, integration.machine, parsed.input, deps.machineEndpoints);
      const { outcome, tokens } = checked.validation;
      if (outcome.kind !== 'valid' || !checked.minted) return refusal(outcome.kind, outcome.reason, rootField, tokens);
      return {
        ok: true,
        payload: enteredMachinePayload(parsed.input.root, { ...checked, minted: checked.minted }, now()),
        validation: checked.validation as CredentialValidation & { outcome: ValidOutcome },
      };
    }
    if (spec?.form.kind !== 'token')
      return refusal('unsupported', 'This integration does not take a typed credential.', 'token');
    const parsed = parseCredentialInput(spec, raw);
    if (!parsed.ok) return refusal(parsed.outcome.kind, parsed.outcome.reason, fieldOf(parsed.outcome, 'token'));
    const end = spec.form.expiryHint ? parseEndDate(raw.expires_on, now()) : ({ ok: true, at: null } as const);
    if (!end.ok) return refusal('invalid_input', end.reason, 'expires_on');
    const checked = await validateCredential(ctx, parsed.input);
    // A token whose end only the person knows: the date they entered is its expiry.
    const validation = end.at ? withExpiry(checked, end.at) : checked;
    if (validation.outcome.kind !== 'valid')
      return refusal(
        validation.outcome.kind,
        validation.outcome.reason,
        fieldOf(validation.outcome, 'token'),
        validation.tokens,
      );
    return {
      ok: true,
      payload: { kind: 'tokens', identifier: parsed.input.identifier ?? null, tokens: parsed.input.tokens },
      validation: validation as CredentialValidation & { outcome: ValidOutcome },
    };
  }

  /**
   * Re-authenticates one integration from a submitted form: re-reads the integration and the
   * caller's permission, refuses anything tampered or of another auth type, validates against
   * the provider, and swaps the credential in only if it works. Every attempt is audited.
   */
  async function reauthenticate(request: ReauthRequest): Promise<ReauthResult> {
    const now = () => deps.clock.now();
    const how = request.how ?? 'modal';
    const refuse = refuser(request.actor, request.integrationId, how);

    const integration = await deps.store.integrations.findActive(request.integrationId);
    if (!integration) return refuse(undefined, gone(request.integrationId));
    const spec = authSpec(integration.provider, integration.authType);
    if (spec?.form.kind !== 'token' && spec?.form.kind !== 'machine') {
      return refuse(
        integration,
        fail(
          integration,
          'unsupported',
          `${integration.name} does not take a typed credential (auth type ${integration.authType}). Nothing was changed.`,
        ),
      );
    }
    if (request.expectedAuth !== integration.authType) {
      return refuse(
        integration,
        fail(
          integration,
          'tampered',
          `This form was for auth type ${request.expectedAuth}, but ${integration.name} uses ${integration.authType}. The auth type cannot change during re-authentication. ${startAgain(how, integration.id)}`,
        ),
        { reason: 'auth_type_mismatch', submitted: request.expectedAuth, actual: integration.authType },
      );
    }
    const allowed: readonly string[] = formFieldsOf(spec.form);
    const smuggled = request.submittedFields.filter((f) => !allowed.includes(f));
    if (smuggled.length > 0) {
      return refuse(
        integration,
        fail(
          integration,
          'tampered',
          `The submission carried fields this integration does not use (${smuggled.join(', ')}); it was refused and nothing was changed. ${startAgain(how, integration.id)}`,
        ),
        { reason: 'unexpected_fields', fields: smuggled },
      );
    }
    if (!(await deps.authoriser.canManage(request.actor, integration.owners)))
      return refuse(integration, notAllowed(integration));

    const started = performance.now();
    const entered = await enter(integration, request.raw);
    deps.metrics?.validationSeconds.observe({ provider: integration.provider }, (performance.now() - started) / 1000);
    if (!entered.ok) return refuse(integration, entered.failure, entered.detail, entered.fingerprint ?? null);
    const { payload, validation: valid } = entered;
    // Which account it replaces is decided under the credential's lock, with the commit fenced on the
    // credential compared against: a hand-over confirmed by someone else a moment before is never
    // replaced without its own confirmation.
    const decided = await deps.credentialLock(integration.credentialKey, async () => {
      const current = await deps.store.credentials.current(integration.credentialKey);
      const accounts = { current: accountsOfStored(current?.identity ?? null), next: accountsOfValidation(valid) };
      const foreign = foreignAccounts(accounts.current, accounts.next);
      if (current && foreign.length > 0) return { confirm: { current, accounts, foreign } } as const;
      const committed = await deps.commit({
        integration,
        actor: request.actor,
        payload,
        validation: valid,
        how,
        expectedCurrentId: current?.id ?? null,
        locked: true,
      });
      return { committed } as const;
    });
    if ('committed' in decided) return { ok: true, integration, ...decided.committed, validation: valid };
    const { current, accounts, foreign } = decided.confirm;
    const held = await pending.hold(
      {
        integrationId: integration.id,
        slackUserId: request.actor,
        boundTo: request.boundTo,
        replacesCredentialId: current.id,
        accounts,
        payload,
        validation: valid,
        ...(request.pendingReference ? { reference: request.pendingReference } : {}),
      },
      now(),
    );
    const reason = `${providerSpec(integration.provider).label} accepted it, but it belongs to ${foreign.map(describeAccount).join(', ')}, and the credential it would replace belongs to ${accounts.current.map(describeAccount).join(', ')}. Confirm to replace it, or cancel to keep the current one; nothing was changed yet.`;
    return refuse(
      integration,
      {
        ...fail(integration, 'confirm_account', reason, 'token', valid.tokens),
        confirmation: { reference: held.reference, accounts, expiresAt: held.expiresAt },
      },
      handoverDetail(accounts),
      fingerprintsOf(valid),
    );
  }

  /** Audits and counts a refused attempt, and says why in the log (never what was typed). */
  function refuser(actor: string, integrationId: string, how: EntryWay) {
    return async (
      integration: Integration | undefined,
      failure: Failure,
      detail: Record<string, unknown> = {},
      fingerprint: string | null = null,
    ): Promise<Failure> => {
      deps.metrics?.reauthentications.inc({ provider: integration?.provider ?? 'unknown', outcome: failure.kind });
      await deps.store.audit.record(
        {
          actor,
          integrationId: integration?.id ?? integrationId,
          action: `reauth.${how}`,
          outcome: failure.kind,
          fingerprint,
          detail,
        },
        deps.clock.now(),
      );
      deps.logger.info(
        {
          event: 'reauth_refused',
          integration: integration?.id ?? integrationId,
          actor,
          outcome: failure.kind,
          fingerprint,
        },
        're-authentication refused',
      );
      return failure;
    };
  }

  /**
   * The answer to "this credential belongs to another account — replace?": swaps in the credential
   * validated a moment before only when `replace` is checked, by the user it was held for, from the
   * view or page it was held for, within PENDING_LIFETIME_MS, once, while that person may still manage the
   * integration and the credential it replaces is still the current one.
   */
  async function confirm(request: ConfirmRequest): Promise<ReauthResult> {
    const refuse = refuser(request.actor, request.integrationId, request.how);
    const again = startAgain(request.how, request.integrationId);
    const taken = await pending.take(
      request.reference,
      { slackUserId: request.actor, boundTo: request.boundTo },
      deps.clock.now(),
    );
    const integration = await deps.store.integrations.findActive(request.integrationId);
    if (!taken.ok) {
      if (taken.problem === 'foreign')
        return refuse(
          integration,
          fail(
            integration,
            'tampered',
            `This confirmation belongs to someone else or to another form, so it was refused and nothing was changed. ${again}`,
          ),
          { reason: 'foreign_confirmation' },
        );
      const why =
        taken.problem === 'expired'
          ? `waited more than ${durationText(PENDING_LIFETIME_MS)}`
          : taken.problem === 'used'
            ? 'was already answered'
            : 'is not known';
      return refuse(
        integration,
        fail(
          integration,
          'confirmation_expired',
          `This confirmation ${why}, so nothing was changed and the pasted credential was discarded. ${again}`,
        ),
        { reason: `${taken.problem}_confirmation` },
      );
    }
    const { accounts } = taken.pending;
    const fingerprint = fingerprintsOf(taken.validation);
    if (taken.pending.integrationId !== request.integrationId)
      return refuse(
        integration,
        fail(
          integration,
          'tampered',
          `This confirmation was for another integration, so it was refused and nothing was changed. ${again}`,
        ),
        { reason: 'other_integration' },
      );
    if (!request.replace) {
      return refuse(
        integration,
        fail(
          integration,
          'declined',
          `Nothing was changed: the credential of ${accounts.next.map(describeAccount).join(', ')} was discarded, and the current one stays.`,
        ),
        handoverDetail(accounts),
        fingerprint,
      );
    }
    if (!integration) return refuse(undefined, gone(request.integrationId));
    if (!(await deps.authoriser.canManage(request.actor, integration.owners)))
      return refuse(integration, notAllowed(integration));
    const changed = () =>
      refuse(
        integration,
        fail(
          integration,
          'changed',
          `The credential of ${integration.name} changed while you were deciding (someone re-authenticated it, or it was rotated), so nothing was changed. ${again}`,
        ),
        handoverDetail(accounts),
        fingerprint,
      );
    const outcome = await deps.credentialLock(integration.credentialKey, async () => {
      const current = await deps.store.credentials.current(integration.credentialKey);
      if (current?.id !== taken.pending.replacesCredentialId || current.authType !== integration.authType)
        return undefined;
      return deps.commit({
        integration,
        actor: request.actor,
        payload: taken.payload,
        validation: taken.validation,
        how: request.how,
        handover: accounts,
        locked: true,
      });
    });
    if (!outcome) return changed();
    return { ok: true, integration, ...outcome, validation: taken.validation };
  }

  return {
    reauthenticate,
    confirm,
    /** The integration a form names, to show which one is being validated. */
    find: (integrationId: string): Promise<Integration | undefined> =>
      deps.store.integrations.findActive(integrationId),
    /** A submission whose signed metadata is broken or belongs to someone else: refused before anything else. */
    async recordTampered(
      actor: string,
      integrationId: string | null,
      reason: 'other_user' | 'bad_signature',
    ): Promise<void> {
      await deps.store.audit.record(
        { actor, integrationId, action: 'reauth.modal', outcome: 'tampered', detail: { reason } },
        deps.clock.now(),
      );
    },
  };
}

export type ReauthService = ReturnType<typeof createReauthService>;
