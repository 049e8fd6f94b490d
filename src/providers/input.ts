import { fingerprintSecret } from '../crypto/fingerprint.js';
import type { Outcome } from './outcome.js';
import { CLIENTS } from './machine/clients.js';
import type { AuthSpec, CredentialForm, FormField } from './types.js';

/**
 * What a person typed in the modal or on the one-time page, before any checking, by field (a machine
 * identity's root secret included; `expires_on` is YYYY-MM-DD from a date picker or a date input).
 */
export type RawCredentialInput = { [F in FormField]?: string | undefined };

/** The fields a form asks for, in the order it shows them: only these may be submitted. */
export function formFieldsOf(form: CredentialForm | undefined): FormField[] {
  if (form?.kind === 'machine')
    return form.root === 'private_key'
      ? ['private_key']
      : ['client_id', 'client_secret', ...(CLIENTS[form.client].endDate ? (['expires_on'] as const) : [])];
  if (form?.kind !== 'token') return [];
  const end: FormField[] = form.expiryHint ? ['expires_on'] : [];
  return form.identifier === 'none' ? ['token', ...end] : [form.identifier, 'token', ...end];
}

export interface CredentialInput {
  identifier: string | undefined;
  tokens: string[];
}

export type ParsedInput = { ok: true; input: CredentialInput } | { ok: false; outcome: Outcome };

export const MAX_TOKEN_LENGTH = 1024;
export const MAX_POOL_SIZE = 20;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

const refuse = (field: FormField, reason: string): ParsedInput => ({
  ok: false,
  outcome: { kind: 'invalid_input', field, reason },
});

/**
 * Checks a submission before any network call: presence, trimming, one token per line,
 * length, duplicates in a pool, and shapes that belong to another auth type.
 */
export function parseCredentialInput(spec: AuthSpec, raw: RawCredentialInput): ParsedInput {
  const form = spec.form;
  if (form.kind !== 'token') return refuse('token', 'This integration does not take a typed credential.');

  let identifier: string | undefined;
  if (form.identifier === 'email') {
    identifier = raw.email?.trim();
    if (!identifier) return refuse('email', 'Enter the email address of the account the token belongs to.');
    if (!EMAIL.test(identifier)) return refuse('email', `"${identifier}" is not an email address.`);
  } else if (form.identifier === 'username') {
    identifier = raw.username?.trim();
    if (!identifier) return refuse('username', 'Enter the user name (login) the token belongs to.');
    if (/\s/.test(identifier))
      return refuse('username', 'A user name has no spaces; enter the login, not the display name.');
  }

  const text = (raw.token ?? '').replace(/\r\n?/g, '\n').trim();
  if (!text) return refuse('token', form.pool ? 'Paste at least one token, one per line.' : 'Paste the token.');

  const lines = form.pool
    ? text
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
    : [text];
  if (!form.pool && text.includes('\n')) {
    return refuse('token', `Paste one token only; what you pasted has ${text.split('\n').length} lines.`);
  }
  if (lines.length > MAX_POOL_SIZE)
    return refuse('token', `At most ${MAX_POOL_SIZE} tokens can be pooled; you pasted ${lines.length}.`);

  const seen = new Map<string, number>();
  for (const [i, token] of lines.entries()) {
    const which = form.pool ? `Token ${i + 1}` : 'The token';
    if (/^(bearer|basic|token)\s/i.test(token)) {
      return refuse('token', `${which} starts with "${token.split(/\s/)[0]}"; paste only the token itself.`);
    }
    if (/\s/.test(token)) return refuse('token', `${which} contains spaces; paste only the token, nothing around it.`);
    if (token.length > MAX_TOKEN_LENGTH) {
      return refuse(
        'token',
        `${which} is ${token.length} characters long, more than any ${spec.label} (${MAX_TOKEN_LENGTH} at most); paste only the token.`,
      );
    }
    if (/[\u0000-\u001f\u007f]/.test(token))
      return refuse('token', `${which} contains control characters; copy it again from the provider.`);
    const first = seen.get(token);
    if (first !== undefined) {
      return refuse(
        'token',
        `Token ${i + 1} (${fingerprintSecret(token)}) is the same as token ${first + 1}; each token may appear once.`,
      );
    }
    seen.set(token, i);
    for (const shape of spec.foreignShapes ?? []) {
      if (shape.pattern.test(token)) {
        return {
          ok: false,
          outcome: {
            kind: 'wrong_auth_type',
            reason: `${which}${form.pool ? ` (${fingerprintSecret(token)})` : ''} looks like ${shape.looksLike}; ${shape.instead ?? `this integration uses ${spec.label}, and the auth type cannot change during re-authentication. Paste ${spec.label}, or change auth in integrations.yml.`}`,
          },
        };
      }
    }
  }
  return { ok: true, input: { identifier, tokens: lines } };
}
