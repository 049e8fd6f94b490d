import { fingerprintSecret } from '../../crypto/fingerprint.js';
import { parseEndDate } from '../end-date.js';
import type { RawCredentialInput } from '../input.js';
import type { Outcome } from '../outcome.js';
import type { CredentialForm, ForeignShape, FormField } from '../types.js';
import { CLIENTS } from './clients.js';
import { readPrivateKey } from './private-key.js';
import type { MachineRootSecret } from './types.js';

type MachineForm = Extract<CredentialForm, { kind: 'machine' }>;

/** A pasted value of a kind its provider retired or that belongs elsewhere (an app password): what to do instead. */
const foreignReason = (shape: ForeignShape): string =>
  `This looks like ${shape.looksLike}; ${shape.instead ?? 'paste the credential this form asks for.'}`;

/** A machine identity's root secret as entered, checked before any network call. */
export interface MachineInput {
  root: MachineRootSecret;
  /** How the root secret is named wherever people see it (GitHub's key fingerprint, or the secret's). */
  fingerprint: string;
  /** When the root secret ends, where the person said (a client secret's end date). */
  expiresAt: Date | null;
}

export type ParsedMachineInput = { ok: true; input: MachineInput } | { ok: false; outcome: Outcome };

const refuse = (field: FormField, reason: string): ParsedMachineInput => ({
  ok: false,
  outcome: { kind: 'invalid_input', field, reason },
});

/**
 * The root secret of `root`'s kind from what was entered: a GitHub App's PEM private key, or an app
 * registration's client id, client secret and (optional) end date — each refused by name when it
 * cannot be what is asked for. `now` dates the end date check.
 */
export function parseMachineInput(
  form: MachineForm,
  raw: RawCredentialInput,
  now: Date,
  foreignShapes: readonly ForeignShape[] = [],
): ParsedMachineInput {
  if (form.root === 'private_key') {
    const read = readPrivateKey(raw.private_key ?? '');
    if (!read.ok) return refuse('private_key', read.reason);
    return {
      ok: true,
      input: { root: { kind: 'private_key', pem: read.pem }, fingerprint: read.fingerprint, expiresAt: null },
    };
  }
  const words = CLIENTS[form.client];
  const clientId = (raw.client_id ?? '').trim();
  if (!clientId) return refuse('client_id', words.missingId);
  const foreignIn = (value: string) => foreignShapes.find((shape) => shape.pattern.test(value));
  const foreignId = foreignIn(clientId);
  if (foreignId) return refuse('client_id', foreignReason(foreignId));
  if (!words.idPattern.test(clientId)) return refuse('client_id', words.wrongId(clientId.slice(0, 60)));
  const clientSecret = (raw.client_secret ?? '').trim();
  if (!clientSecret) return refuse('client_secret', words.missingSecret);
  const foreignSecret = foreignIn(clientSecret);
  if (foreignSecret) return refuse('client_secret', foreignReason(foreignSecret));
  if (words.secretLooksLikeId && words.idPattern.test(clientSecret))
    return refuse('client_secret', words.secretLooksLikeId);
  if (/\s/.test(clientSecret) || clientSecret.length > 256 || /[\u0000-\u001f\u007f]/.test(clientSecret))
    return refuse('client_secret', 'Paste only the secret, on one line, with nothing around it.');
  const end = words.endDate ? parseEndDate(raw.expires_on, now, words.endDate.cap) : ({ ok: true, at: null } as const);
  if (!end.ok) return refuse('expires_on', end.reason);
  return {
    ok: true,
    input: {
      root: { kind: 'client_secret', clientId, clientSecret },
      fingerprint: fingerprintSecret(clientSecret),
      expiresAt: end.at,
    },
  };
}
