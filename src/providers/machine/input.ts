import { fingerprintSecret } from '../../crypto/fingerprint.js';
import { parseEndDate } from '../end-date.js';
import type { RawCredentialInput } from '../input.js';
import type { Outcome } from '../outcome.js';
import type { CredentialForm, FormField } from '../types.js';

type MachineForm = Extract<CredentialForm, { kind: 'machine' }>;
import { readPrivateKey } from './private-key.js';
import type { MachineRootSecret } from './types.js';

/** A machine identity's root secret as entered, checked before any network call. */
export interface MachineInput {
  root: MachineRootSecret;
  /** How the root secret is named wherever people see it (GitHub's key fingerprint, or the secret's). */
  fingerprint: string;
  /** When the root secret ends, where the person said (a client secret's end date). */
  expiresAt: Date | null;
}

export type ParsedMachineInput = { ok: true; input: MachineInput } | { ok: false; outcome: Outcome };

/** A Bitbucket consumer's key: letters and digits (Bitbucket shows 18). */
const CONSUMER_KEY = /^[A-Za-z0-9]{8,64}$/;
/** Entra application (client) ids are GUIDs. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra gives secrets up to 24 months (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials). */
const LONGEST_SECRET_MONTHS = 24;

const refuse = (field: FormField, reason: string): ParsedMachineInput => ({
  ok: false,
  outcome: { kind: 'invalid_input', field, reason },
});

/** A plain one-line value as typed, or why it cannot be one. */
function oneLine(value: string | undefined): string {
  return (value ?? '').trim();
}

/**
 * The root secret of `root`'s kind from what was entered: a GitHub App's PEM private key, or an app
 * registration's client id, client secret and (optional) end date — each refused by name when it
 * cannot be what is asked for. `now` dates the end date check.
 */
export function parseMachineInput(form: MachineForm, raw: RawCredentialInput, now: Date): ParsedMachineInput {
  if (form.root === 'private_key') {
    const read = readPrivateKey(raw.private_key ?? '');
    if (!read.ok) return refuse('private_key', read.reason);
    return {
      ok: true,
      input: { root: { kind: 'private_key', pem: read.pem }, fingerprint: read.fingerprint, expiresAt: null },
    };
  }
  const guid = form.clientId !== 'key';
  const clientId = oneLine(raw.client_id);
  if (!clientId)
    return refuse(
      'client_id',
      guid ? 'Enter the Application (client) ID of the app registration.' : "Enter the consumer's Key.",
    );
  if (guid && !GUID.test(clientId))
    return refuse(
      'client_id',
      `"${clientId.slice(0, 60)}" is not an Application (client) ID: copy the GUID from the app registration's Overview page.`,
    );
  if (!guid && !CONSUMER_KEY.test(clientId))
    return refuse(
      'client_id',
      "This is not a consumer Key: copy the Key shown under the consumer's name (letters and digits).",
    );
  const clientSecret = oneLine(raw.client_secret);
  if (!clientSecret)
    return refuse('client_secret', guid ? "Paste the client secret's Value." : "Paste the consumer's Secret.");
  if (guid && GUID.test(clientSecret))
    return refuse(
      'client_secret',
      "This is a GUID: the secret's ID (or the client id), not its Value. Paste the Value, shown once when the secret was added.",
    );
  if (/\s/.test(clientSecret) || clientSecret.length > 256 || /[\u0000-\u001f\u007f]/.test(clientSecret))
    return refuse('client_secret', "Paste only the client secret's Value, on one line, nothing around it.");
  const end = form.endDate
    ? parseEndDate(raw.expires_on, now, {
        maxMonths: LONGEST_SECRET_MONTHS,
        capNote: `Entra client secrets last at most ${LONGEST_SECRET_MONTHS} months; check the "Expires" column of the secret.`,
      })
    : ({ ok: true, at: null } as const);
  if (!end.ok) return refuse('expires_on', end.reason);
  const expiresAt = end.at;
  return {
    ok: true,
    input: {
      root: { kind: 'client_secret', clientId, clientSecret },
      fingerprint: fingerprintSecret(clientSecret),
      expiresAt,
    },
  };
}
