import { CLIENTS, type ClientWords } from '../providers/machine/clients.js';
import { WEB_FORM_LIFETIME_MS } from '../domain/lifetimes.js';
import { createHmac, randomBytes } from 'node:crypto';
import { sameBytes } from '../crypto/signing.js';
import type { Store } from '../db/store.js';
import type { Clock } from '../domain/clock.js';
import type { AccountConfirmation, ReauthResult } from '../domain/reauth-result.js';
import type { Integration, SecretForm } from '../domain/types.js';
import { alsoServes } from '../domain/integration.js';
import { authSpec } from '../providers/registry.js';
import { FORM_FIELDS, type CredentialForm, type FormField } from '../providers/types.js';
import type { Authoriser } from './authorisation.js';
import { sha256Hex } from './delivery/consumers.js';
import type { ReauthService } from './reauthenticate.js';
import type { UnknownLinks } from './unknown-links.js';
import type { WebFormLinks } from './web-form-link.js';

/** A form a person types a credential into: a token's, or a machine identity's root secret. */
export type TypedForm = Extract<CredentialForm, { kind: 'token' | 'machine' }>;

export const hashLink = (state: string): string => sha256Hex(`web-form:${state}`);
const hashBrowser = (secret: string): string => sha256Hex(`web-form-browser:${secret}`);

/** The anti-forgery value: only a page served to the browser holding the cookie can know it. */
const antiForgery = (browserSecret: string, linkHash: string): string =>
  createHmac('sha256', browserSecret).update(`web-form-csrf:${linkHash}`).digest('base64url');

/** What the page shows: the integration read-only, who asked, and the fields of its auth type. */
export interface FormContext {
  integration: Integration;
  form: TypedForm;
  /** The words for the OAuth 2.0 client the form asks for, when it asks for one (machine/clients.ts). */
  client?: ClientWords;
  requestedBy: string;
  expiresAt: Date;
  antiForgery: string;
}

export type WebFormPage =
  | (FormContext & {
      kind: 'form';
      /** What is shown again after an error: never a secret. */
      values: { email?: string; username?: string; client_id?: string; expires_on?: string };
      error?: { field: FormField; message: string };
      notice?: string;
    })
  | (FormContext & { kind: 'confirm'; confirmation: Pick<AccountConfirmation, 'accounts' | 'expiresAt'> })
  | { kind: 'done'; integration: Integration; title: string; message: string }
  /** `message`: the specific reason, where the service has one; otherwise the refusal's own words. */
  | { kind: 'refused'; why: WebFormRefusal; message?: string };

export interface WebFormAnswer {
  /** A throttled source: seconds before it may try again. */
  retryAfterSeconds?: number;
  page: WebFormPage;
  /** A new browser binding to set as the cookie. */
  bindBrowser?: { name: string; value: string };
  /** A swap happened: announce it in Slack. */
  success?: Extract<ReauthResult, { ok: true }> & { userId: string };
}

export interface WebFormDeps {
  store: Pick<Store, 'secretForms' | 'integrations' | 'audit'>;
  reauth: Pick<ReauthService, 'reauthenticate' | 'confirm'>;
  authoriser: Pick<Authoriser, 'canManage'>;
  clock: Clock;
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  /** Links Reauth never issued: counted and throttled, not audited. */
  unknownLinks?: Pick<UnknownLinks, 'seen'>;
  /** Signs the links it issues and reads them back when they are first opened. */
  links: WebFormLinks;
}

/** A POST holds its link this long at most (its validation and swap); a second POST meanwhile is refused. */
const CLAIM_MS = 2 * 60 * 1000;

/** One cookie per link, so two links opened in one browser do not overwrite each other. */
export const webFormCookieName = (linkHash: string): string => `reauth_form_${linkHash.slice(0, 16)}`;

/** Why the page refuses (its status, title and words are http/web-form-copy.ts's). */
export type WebFormRefusal =
  | 'unknown'
  | 'used'
  | 'expired'
  | 'other_browser'
  | 'bad_form'
  | 'not_found'
  | 'in_use'
  | 'throttled'
  | 'permission_denied'
  | 'incomplete'
  | 'tampered'
  | 'changed';
type Refusal = WebFormRefusal;

/**
 * Reauth's own page for typing a new credential outside Slack: a one-time link (stored hashed, for
 * the user who asked, 10 minutes) bound to the first browser that opens it; every POST carries an
 * anti-forgery value tied to that browser's cookie. Validation, outcomes and the same-account step
 * are the modal's.
 */
export function createWebForm(deps: WebFormDeps) {
  const audit = (form: SecretForm, outcome: string, detail: Record<string, unknown> = {}) =>
    deps.store.audit.record(
      {
        actor: form.slackUserId,
        integrationId: form.integrationId,
        action: 'reauth.web_form',
        outcome,
        detail,
      },
      deps.clock.now(),
    );

  /** A refusal of a link Reauth issued is audited once per link and outcome, however often it is repeated. */
  const refuse = async (form: SecretForm, why: Refusal): Promise<WebFormAnswer> => {
    if (await deps.store.secretForms.noteRefusal(form.linkHash, why)) await audit(form, why);
    return refusal(why);
  };
  const refusal = (why: Refusal, retryAfterSeconds?: number): WebFormAnswer => ({
    page: { kind: 'refused', why },
    ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
  });

  /** The link, its browser and its integration, checked in that order; a refusal or what the page may show. */
  async function admit(
    state: string,
    browserSecret: string | undefined,
    opening: boolean,
    source: string | undefined,
  ): Promise<
    | { refused: WebFormAnswer }
    | {
        form: SecretForm;
        integration: Integration;
        typedForm: TypedForm;
        browserSecret: string;
        bindBrowser?: { name: string; value: string };
      }
  > {
    const now = deps.clock.now();
    const linkHash = hashLink(state);
    const form = (await deps.store.secretForms.find(linkHash)) ?? (await storeSignedLink(state, linkHash));
    if (!form) {
      // Never issued: not audited (a flood would grow the log), counted, and throttled per source.
      const wait = deps.unknownLinks?.seen(source, 'web_form') ?? 0;
      return { refused: wait > 0 ? refusal('throttled', wait) : refusal('unknown') };
    }
    if (form.usedAt) return { refused: await refuse(form, 'used') };
    if (form.expiresAt.getTime() <= now.getTime()) return { refused: await refuse(form, 'expired') };
    let secret = browserSecret;
    let bindBrowser: { name: string; value: string } | undefined;
    if (form.browserHash === null) {
      // A POST never binds: only opening the link does, so a forged POST finds no browser to be.
      if (!opening) return { refused: await refuse(form, 'other_browser') };
      secret = randomBytes(32).toString('base64url');
      if (!(await deps.store.secretForms.bindBrowser(linkHash, hashBrowser(secret), now)))
        return { refused: await refuse(form, 'other_browser') };
      bindBrowser = { name: webFormCookieName(linkHash), value: secret };
      await audit(form, 'opened');
    } else if (!secret || !sameBytes(hashBrowser(secret), form.browserHash)) {
      return { refused: await refuse(form, 'other_browser') };
    }
    const integration = await deps.store.integrations.findActive(form.integrationId);
    const typedForm = integration && authSpec(integration.provider, integration.authType)?.form;
    if (!integration || (typedForm?.kind !== 'token' && typedForm?.kind !== 'machine'))
      return { refused: await refuse(form, 'not_found') };
    if (!(await deps.authoriser.canManage(form.slackUserId, integration.owners)))
      return { refused: await refuse(form, 'permission_denied') };
    return { form, integration, typedForm, browserSecret: secret as string, ...(bindBrowser ? { bindBrowser } : {}) };
  }

  const contextOf = (admitted: {
    form: SecretForm;
    integration: Integration;
    typedForm: TypedForm;
    browserSecret: string;
  }): FormContext => ({
    integration: admitted.integration,
    form: admitted.typedForm,
    ...(admitted.typedForm.kind === 'machine' && admitted.typedForm.root === 'client_secret'
      ? { client: CLIENTS[admitted.typedForm.client] }
      : {}),
    requestedBy: admitted.form.requestedByName
      ? `${admitted.form.requestedByName} (${admitted.form.slackUserId})`
      : admitted.form.slackUserId,
    expiresAt: admitted.form.expiresAt,
    antiForgery: antiForgery(admitted.browserSecret, admitted.form.linkHash),
  });

  /**
   * A link opened for the first time: stored (hashed) if Reauth signed it, with the lifetime it was
   * issued with, and its issue audited then, at the time it was issued. Undefined for a link Reauth never issued.
   */
  async function storeSignedLink(state: string, linkHash: string): Promise<SecretForm | undefined> {
    const signed = deps.links.read(state);
    if (!signed) return undefined;
    const inserted = await deps.store.secretForms.insert({
      linkHash,
      integrationId: signed.integrationId,
      slackUserId: signed.slackUserId,
      requestedByName: signed.requestedByName,
      createdAt: signed.issuedAt,
      expiresAt: new Date(signed.issuedAt.getTime() + WEB_FORM_LIFETIME_MS),
    });
    if (inserted)
      await deps.store.audit.record(
        {
          actor: signed.slackUserId,
          integrationId: signed.integrationId,
          action: 'reauth.web_link',
          outcome: 'issued',
        },
        signed.issuedAt,
      );
    return deps.store.secretForms.find(linkHash);
  }

  /** The page's own reference to a hand-over it holds: one per link, never shown. */
  const pendingReference = (state: string) => `web:${state}`;
  const boundTo = (form: SecretForm) => `web:${form.linkHash}`;

  return {
    /**
     * A link for this person to type the credential of `integration` on Reauth's page. Nothing is
     * written: the link is signed, and stored when it is first opened (opening a modal stays read-only).
     */
    async issueLink(
      integration: Integration,
      userId: string,
      userName?: string,
    ): Promise<{ link: string; expiresAt: Date }> {
      const issuedAt = deps.clock.now();
      const state = deps.links.sign({
        integrationId: integration.id,
        slackUserId: userId,
        requestedByName: userName?.slice(0, 80) ?? null,
        issuedAt,
      });
      return {
        link: `${deps.publicUrl}/reauth/form/${state}`,
        expiresAt: new Date(issuedAt.getTime() + WEB_FORM_LIFETIME_MS),
      };
    },

    /** GET: the form, bound to this browser the first time it opens. */
    async show(state: string, browserSecret: string | undefined, source?: string): Promise<WebFormAnswer> {
      const admitted = await admit(state, browserSecret, true, source);
      if ('refused' in admitted) return admitted.refused;
      const page: WebFormPage = { ...contextOf(admitted), kind: 'form', values: {} };
      return { page, ...(admitted.bindBrowser ? { bindBrowser: admitted.bindBrowser } : {}) };
    },

    /** POST: a credential to validate, or the answer to "replace the current account?". */
    async submit(
      state: string,
      browserSecret: string | undefined,
      body: URLSearchParams,
      source?: string,
    ): Promise<WebFormAnswer> {
      const admitted = await admit(state, browserSecret, false, source);
      if ('refused' in admitted) return admitted.refused;
      const given = body.get('csrf');
      if (!given || !sameBytes(given, antiForgery(admitted.browserSecret, admitted.form.linkHash)))
        return refuse(admitted.form, 'bad_form');
      const { form } = admitted;
      // The link is claimed before anything is validated: two POSTs of it at the same moment swap at most once.
      const now = deps.clock.now();
      if (!(await deps.store.secretForms.claim(form.linkHash, now, new Date(now.getTime() + CLAIM_MS))))
        return refuse(form, 'in_use');
      let answer: WebFormAnswer | undefined;
      try {
        answer = await submitClaimed(state, admitted, body);
        return answer;
      } finally {
        // Nothing swapped (the form is shown again, or it failed): the next POST may use the link.
        if (!answer?.success) await deps.store.secretForms.unclaim(form.linkHash);
      }
    },
  };

  /** A POST holding its link's claim: validates, swaps only what works, and says what happened. */
  async function submitClaimed(
    state: string,
    admitted: Extract<Awaited<ReturnType<typeof admit>>, { form: SecretForm }>,
    body: URLSearchParams,
  ): Promise<WebFormAnswer> {
    const { form, integration } = admitted;
    const context = contextOf(admitted);
    const fields = FORM_FIELDS.filter((f) => body.has(f));
    let result: ReauthResult;
    if (fields.length > 0) {
      result = await deps.reauth.reauthenticate({
        integrationId: integration.id,
        actor: form.slackUserId,
        expectedAuth: integration.authType,
        raw: Object.fromEntries(fields.map((f) => [f, body.get(f) ?? undefined])),
        submittedFields: fields,
        how: 'web',
        boundTo: boundTo(form),
        pendingReference: pendingReference(state),
      });
    } else if (body.get('step') === 'confirm' || body.has('confirm_account')) {
      result = await deps.reauth.confirm({
        reference: pendingReference(state),
        integrationId: integration.id,
        actor: form.slackUserId,
        boundTo: boundTo(form),
        how: 'web',
        replace: body.getAll('confirm_account').includes('replace'),
      });
    } else {
      return refuse(form, 'incomplete');
    }
    // Shown again after an error: who and which client, never a secret.
    const values = Object.fromEntries(
      (['email', 'username', 'client_id', 'expires_on'] as const).flatMap((f) => {
        const value = body.get(f);
        return value ? [[f, value]] : [];
      }),
    );
    if (result.ok) {
      if (!(await deps.store.secretForms.markUsed(form.linkHash, deps.clock.now()))) return refuse(form, 'used');
      const also = alsoServes(result.affected, integration);
      return {
        page: {
          kind: 'done',
          integration,
          title: `${integration.name} is re-authenticated`,
          message: `${result.validation.outcome.reason}${also} The result is posted in Slack.`,
        },
        success: { ...result, userId: form.slackUserId },
      };
    }
    switch (result.kind) {
      case 'confirm_account':
        return { page: { ...context, kind: 'confirm', confirmation: result.confirmation as AccountConfirmation } };
      case 'declined':
        return { page: { ...context, kind: 'form', values, notice: result.reason } };
      case 'not_found':
      case 'unsupported':
        return { page: { kind: 'refused', why: 'not_found', message: result.reason } };
      case 'permission_denied':
        return { page: { kind: 'refused', why: 'permission_denied', message: result.reason } };
      case 'tampered':
        return { page: { kind: 'refused', why: 'tampered', message: result.reason } };
      case 'confirmation_expired':
      case 'changed':
        return { page: { kind: 'refused', why: 'changed', message: result.reason } };
      default:
        // The provider's answer (refused, expired, wrong scope, down…): the form again, the reason under its field.
        return { page: { ...context, kind: 'form', values, error: { field: result.field, message: result.reason } } };
    }
  }
}

export type WebForm = ReturnType<typeof createWebForm>;
