/**
 * The OAuth 2.0 clients a machine identity may be (SPEC §12): what their id and secret look like, and
 * the words the modal, the one-time page and the refusals use for them — one table for every place a
 * client id and secret are asked for.
 */
export type ClientKind = 'entra' | 'bitbucket_consumer' | 'atlassian_service_account';

export interface ClientWords {
  /** The client id's label ("Application (client) ID"). */
  idLabel: string;
  /** What a client id looks like, checked before any network call. */
  idPattern: RegExp;
  missingId: string;
  /** Why `value` (already trimmed, shortened) is not a client id, and where the right one is. */
  wrongId: (value: string) => string;
  secretLabel: string;
  secretHint: string;
  secretPlaceholder?: string;
  missingSecret: string;
  /** A secret that is really the id's shape (Entra's Secret ID pasted for its Value): why it is refused. */
  secretLooksLikeId?: string;
  /** The secret's end date is asked for (its provider does not tell it): the field's hint, and the provider's cap if it has one. */
  endDate?: { hint: string; cap?: { maxMonths: number; capNote: string } };
}

/** Entra application (client) ids are GUIDs. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Entra gives secrets up to 24 months (https://learn.microsoft.com/entra/identity-platform/how-to-add-credentials). */
const ENTRA_LONGEST_SECRET_MONTHS = 24;

export const CLIENTS: Record<ClientKind, ClientWords> = {
  entra: {
    idLabel: 'Application (client) ID',
    idPattern: GUID,
    missingId: 'Enter the Application (client) ID of the app registration.',
    wrongId: (value) =>
      `"${value}" is not an Application (client) ID: copy the GUID from the app registration's Overview page.`,
    secretLabel: 'Client secret (its Value)',
    secretHint: 'The Value shown once when the secret was added, not its Secret ID.',
    secretPlaceholder: 'Paste the Value, not the Secret ID',
    missingSecret: "Paste the client secret's Value.",
    secretLooksLikeId:
      "This is a GUID: the secret's ID (or the client id), not its Value. Paste the Value, shown once when the secret was added.",
    endDate: {
      hint: `The "Expires" date of the secret in the Entra portal (at most ${ENTRA_LONGEST_SECRET_MONTHS} months away): Reauth warns 14, 3 and 1 days before.`,
      cap: {
        maxMonths: ENTRA_LONGEST_SECRET_MONTHS,
        capNote: `Entra client secrets last at most ${ENTRA_LONGEST_SECRET_MONTHS} months; check the "Expires" column of the secret.`,
      },
    },
  },
  bitbucket_consumer: {
    idLabel: 'Consumer key',
    // Letters and digits (Bitbucket shows 18).
    idPattern: /^[A-Za-z0-9]{8,64}$/,
    missingId: "Enter the consumer's Key.",
    wrongId: () => "This is not a consumer Key: copy the Key shown under the consumer's name (letters and digits).",
    secretLabel: 'Consumer secret',
    secretHint: "The consumer's Secret.",
    missingSecret: "Paste the consumer's Secret.",
  },
  atlassian_service_account: {
    idLabel: 'Client ID',
    // Atlassian's OAuth 2.0 client ids are 32 letters and digits; any id-like value is let through to Atlassian.
    idPattern: /^[A-Za-z0-9_-]{16,128}$/,
    missingId: "Enter the Client ID of the service account's OAuth 2.0 credential.",
    wrongId: (value) =>
      `"${value}" is not an OAuth 2.0 client ID: copy the Client ID shown when the credential was created (Atlassian Administration → Directory → Service accounts → the account → Credentials).`,
    secretLabel: 'Client secret',
    secretHint: 'The Client secret, shown once when the OAuth 2.0 credential was created.',
    missingSecret: "Paste the credential's Client secret.",
    endDate: {
      hint: "The credential's expiry date, if one was chosen when it was created: Reauth warns 14, 3 and 1 days before.",
    },
  },
};
