import { createHash } from 'node:crypto';
import { describeAccount, type Account } from '../domain/accounts.js';
import type { FormContext, WebFormPage } from '../services/web-form.js';

type FormField = NonNullable<Extract<WebFormPage, { kind: 'form' }>['error']>['field'];
import { providerLabel, authLabel } from '../slack/blocks/describe.js';
import { escapeHtml } from './html-page.js';

/**
 * Reauth's own page for typing a credential outside Slack: server-rendered HTML that works
 * without JavaScript (there is none), one stylesheet allowed by its hash, no third-party assets.
 * Labels belong to their inputs; an error is tied to its field (aria-describedby) and its field
 * takes the focus (autofocus); the layout reads on a phone.
 */

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1c1d;background:#f8f8f8}
header{background:#3f0e40;color:#fff;padding:12px 16px;font-weight:700}header span{font-weight:400;color:#d1c4d2;margin-left:8px}
main{max-width:36rem;margin:24px auto;background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:20px 24px}
h1{font-size:1.35rem;margin:0 0 12px}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 16px;padding:12px;background:#fafafa;border:1px solid #eee;border-radius:6px}dt{color:#616061}dd{margin:0;word-break:break-all}
label{display:block;font-weight:700;margin:16px 0 4px}input[type=email],input[type=text],input[type=password],input[type=date],textarea{width:100%;padding:10px;border:1px solid #bbb;border-radius:6px;font:inherit}textarea{min-height:7rem;font-family:ui-monospace,monospace}
input:focus,textarea:focus,button:focus{outline:3px solid #1264a3;outline-offset:1px}.hint{font-size:.875rem;color:#616061;margin:4px 0 0}
.error{color:#a0153e;font-weight:600;margin:6px 0 0}[aria-invalid=true]{border-color:#e01e5a;border-width:2px}
.notice{background:#f4f8fb;border-left:4px solid #1264a3;padding:8px 12px;margin:0 0 16px}.warn{background:#fff8e6;border-left:4px solid #e8a400;padding:8px 12px;margin:0 0 16px}
.check{display:flex;gap:10px;align-items:flex-start;font-weight:700;margin:16px 0}.check label{margin:0}.check input{width:1.25rem;height:1.25rem;margin-top:.15rem}
button{margin-top:20px;padding:10px 18px;border:0;border-radius:6px;background:#007a5a;color:#fff;font:inherit;font-weight:700;cursor:pointer}
.small{font-size:.875rem;color:#616061}.mark{font-size:2rem}ul{padding-left:1.25rem}
@media (max-width:40rem){main{margin:0;border:0;border-radius:0;padding:16px}dl{grid-template-columns:1fr}dt{margin-top:4px}}`;

/** The Content-Security-Policy: nothing may load or run but this one stylesheet; forms post only here; no framing. */
export const WEB_FORM_CSP = `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

export const WEB_FORM_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': WEB_FORM_CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
} as const;

const shell = (title: string, body: string): string => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)} — Reauth</title><style>${STYLE}</style></head>
<body><header>Reauth<span>keeps your integrations authenticated</span></header><main>${body}</main></body></html>`;

const time = (date: Date): string => `${date.toISOString().slice(11, 16)} UTC`;

/** The integration, read-only, and who asked for this page: a look-alike cannot know them. */
function summary(context: FormContext): string {
  const { integration } = context;
  return `<dl>
<dt>Integration</dt><dd id="integration">${escapeHtml(integration.name)} (<code>${escapeHtml(integration.id)}</code>)</dd>
<dt>Provider</dt><dd id="provider">${escapeHtml(providerLabel(integration.provider))}</dd>
<dt>URL</dt><dd id="url">${escapeHtml(integration.url)}</dd>
<dt>Auth type</dt><dd id="auth-type">${escapeHtml(authLabel(integration.provider, integration.authType))} (<code>${escapeHtml(integration.authType)}</code>)</dd>
<dt>Asked for by</dt><dd id="requested-by">${escapeHtml(context.requestedBy)}, in Slack; this page works until ${time(context.expiresAt)}</dd>
</dl>`;
}

function field(params: {
  name: FormField;
  label: string;
  hint: string;
  type: 'email' | 'text' | 'password' | 'textarea' | 'date';
  value?: string;
  error?: string;
  autocomplete: string;
  /** Required unless said otherwise. */
  optional?: boolean;
  placeholder?: string;
}): string {
  const describedBy = [`${params.name}-hint`, ...(params.error ? [`${params.name}-error`] : [])].join(' ');
  const common = `id="${params.name}" name="${params.name}" aria-describedby="${describedBy}"${params.optional ? '' : ' required'}${params.error ? ' aria-invalid="true" autofocus' : ''} autocomplete="${params.autocomplete}" spellcheck="false" autocapitalize="off"`;
  const input =
    params.type === 'textarea'
      ? `<textarea ${common} placeholder="${escapeHtml(params.placeholder ?? 'One token per line')}"></textarea>`
      : `<input type="${params.type}" ${common}${params.value ? ` value="${escapeHtml(params.value)}"` : ''}>`;
  return `<label for="${params.name}">${escapeHtml(params.label)}</label>${input}<p class="hint" id="${params.name}-hint">${escapeHtml(params.hint)}</p>${params.error ? `<p class="error" id="${params.name}-error">${escapeHtml(params.error)}</p>` : ''}`;
}

/** A token's fields: the identifier it goes with, then the token (or a pool's tokens). */
function tokenFields(
  page: Extract<WebFormPage, { kind: 'form' }>,
  form: Extract<FormContext['form'], { kind: 'token' }>,
  errorOf: (name: FormField) => string | undefined,
): string[] {
  const provider = providerLabel(page.integration.provider);
  const inputs: string[] = [];
  if (form.identifier === 'email') {
    inputs.push(
      field({
        name: 'email',
        label: 'Account email',
        hint: `The email of the ${provider} account the token belongs to.`,
        type: 'email',
        ...(page.values.email ? { value: page.values.email } : {}),
        ...(errorOf('email') ? { error: errorOf('email') as string } : {}),
        autocomplete: 'email',
      }),
    );
  }
  if (form.identifier === 'username') {
    inputs.push(
      field({
        name: 'username',
        label: 'User name (login)',
        hint: 'The login of the user the token belongs to, not the display name.',
        type: 'text',
        ...(page.values.username ? { value: page.values.username } : {}),
        ...(errorOf('username') ? { error: errorOf('username') as string } : {}),
        autocomplete: 'username',
      }),
    );
  }
  // A secret is never sent back in the page: after an error its field is empty again.
  inputs.push(
    field({
      name: 'token',
      label: form.tokenLabel,
      hint: form.pool ? `${form.hint} One token per line.` : form.hint,
      type: form.pool ? 'textarea' : 'password',
      ...(errorOf('token') ? { error: errorOf('token') as string } : {}),
      autocomplete: 'off',
    }),
  );
  if (form.expiryHint) inputs.push(expiryField(page, errorOf, 'Expires on (optional)', form.expiryHint));
  return inputs;
}

/**
 * A machine identity's root secret (SPEC §12), under the modal's names: an App's private key (any length:
 * this page is where a key too long for Slack goes), or a client id, secret and the secret's end date.
 */
function machineFields(
  page: Extract<WebFormPage, { kind: 'form' }>,
  form: Extract<FormContext['form'], { kind: 'machine' }>,
  errorOf: (name: FormField) => string | undefined,
): string[] {
  const error = (name: FormField) => (errorOf(name) ? { error: errorOf(name) as string } : {});
  if (form.root === 'private_key')
    return [
      field({
        name: 'private_key',
        label: 'Private key (.pem)',
        hint: `${form.hint} Paste the whole file, from -----BEGIN to -----END.`,
        type: 'textarea',
        placeholder: '-----BEGIN RSA PRIVATE KEY-----',
        ...error('private_key'),
        autocomplete: 'off',
      }),
    ];
  const words = page.client;
  if (!words) return [];
  return [
    field({
      name: 'client_id',
      label: words.idLabel,
      hint: form.hint,
      type: 'text',
      ...(page.values.client_id ? { value: page.values.client_id } : {}),
      ...error('client_id'),
      autocomplete: 'off',
    }),
    field({
      name: 'client_secret',
      label: words.secretLabel,
      hint: words.secretHint,
      type: 'password',
      ...error('client_secret'),
      autocomplete: 'off',
    }),
    ...(words.endDate ? [expiryField(page, errorOf, 'Secret expires on (optional)', words.endDate.hint)] : []),
  ];
}

/** The optional end date of a credential whose provider does not tell it (a date input named expires_on). */
function expiryField(
  page: Extract<WebFormPage, { kind: 'form' }>,
  errorOf: (name: FormField) => string | undefined,
  label: string,
  hint: string,
): string {
  return field({
    name: 'expires_on',
    label,
    hint,
    type: 'date',
    optional: true,
    ...(page.values.expires_on ? { value: page.values.expires_on } : {}),
    ...(errorOf('expires_on') ? { error: errorOf('expires_on') as string } : {}),
    autocomplete: 'off',
  });
}

function formPage(page: Extract<WebFormPage, { kind: 'form' }>): string {
  const { form, integration } = page;
  const provider = providerLabel(integration.provider);
  const errorOf = (name: FormField) => (page.error?.field === name ? page.error.message : undefined);
  const inputs = form.kind === 'machine' ? machineFields(page, form, errorOf) : tokenFields(page, form, errorOf);
  const problem = page.error
    ? `<p class="warn" role="alert">Not saved, and nothing was changed: the reason is under its field.</p>`
    : '';
  const notice = page.notice ? `<p class="notice" role="status">${escapeHtml(page.notice)}</p>` : '';
  return shell(
    `Re-authenticate ${integration.name}`,
    `<h1>Re-authenticate ${escapeHtml(integration.name)}</h1>${problem}${notice}${summary(page)}
<p class="small">The auth type cannot change here. The new credential is checked with ${escapeHtml(provider)} and saved only if it works; it is never shown back, posted or logged.</p>
<form method="post"><input type="hidden" name="csrf" value="${escapeHtml(page.antiForgery)}">
${inputs.join('\n')}
<button type="submit">Validate and save</button></form>`,
  );
}

const accountList = (accounts: readonly Account[], id: string): string =>
  `<ul id="${id}">${accounts.map((a) => `<li>${escapeHtml(describeAccount(a))}</li>`).join('')}</ul>`;

function confirmPage(page: Extract<WebFormPage, { kind: 'confirm' }>): string {
  const { accounts } = page.confirmation;
  const provider = providerLabel(page.integration.provider);
  return shell(
    'Confirm the account',
    `<h1>This credential belongs to another account</h1>
<p class="warn" role="alert">${escapeHtml(provider)} accepted it, but it is not the account of the credential it would replace. Nothing has changed yet.</p>${summary(page)}
<h2>New credential</h2>${accountList(accounts.next, 'new-accounts')}
<h2>Current credential</h2>${accountList(accounts.current, 'current-accounts')}
<p class="small">A personal token in place of a service account keeps working until that person leaves or loses access; then everything that uses it breaks at once.</p>
<form method="post"><input type="hidden" name="csrf" value="${escapeHtml(page.antiForgery)}"><input type="hidden" name="step" value="confirm">
<div class="check"><input type="checkbox" id="confirm_account" name="confirm_account" value="replace" aria-describedby="confirm-hint" autofocus><label for="confirm_account">Yes, replace the current account with ${escapeHtml(accounts.next.map(describeAccount).join(', '))}</label></div>
<p class="hint" id="confirm-hint">Leave it unchecked to keep the current credential: the new one is discarded. Reauth holds it sealed until ${time(page.confirmation.expiresAt)}, for this page only.</p>
<button type="submit">Continue</button></form>`,
  );
}

/** The whole page for an answer of the web form. */
/** A page as shown: a refusal with its title and words (http/web-form-copy.ts), anything else as the service gave it. */
export type ShownPage = Exclude<WebFormPage, { kind: 'refused' }> | { kind: 'refused'; title: string; message: string };

export function renderWebFormPage(page: ShownPage): string {
  switch (page.kind) {
    case 'form':
      return formPage(page);
    case 'confirm':
      return confirmPage(page);
    case 'done':
      return shell(
        page.title,
        `<div class="mark" aria-hidden="true">&#9989;</div><h1 id="title">${escapeHtml(page.title)}</h1><p id="message" role="status">${escapeHtml(page.message)}</p><p>You can close this tab and return to Slack.</p>`,
      );
    case 'refused':
      return shell(
        page.title,
        `<div class="mark" aria-hidden="true">&#9888;&#65039;</div><h1 id="title">${escapeHtml(page.title)}</h1><p id="message" role="alert">${escapeHtml(page.message)}</p><p>You can close this tab and return to Slack.</p>`,
      );
  }
}
