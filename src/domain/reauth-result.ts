import type { CredentialValidation, Outcome, TokenReport, ValidOutcome } from '../providers/outcome.js';
import type { FormField } from '../providers/types.js';
import type { PendingAccounts } from './accounts.js';
import type { Credential, Integration } from './types.js';

/**
 * Refusals of the request itself (the provider was not asked, or its answer was not used):
 * `confirm_account` — the credential works but belongs to another account, and waits for a yes;
 * `declined` — that yes was not given; `confirmation_expired` — the wait is over, used or unknown;
 * `changed` — the credential it would replace changed meanwhile.
 */
export type RefusalKind =
  | 'not_found'
  | 'permission_denied'
  | 'tampered'
  | 'unsupported'
  | 'confirm_account'
  | 'declined'
  | 'confirmation_expired'
  | 'changed';

/** A credential of another account held for its confirmation: a reference to it, never the secret. */
export interface AccountConfirmation {
  reference: string;
  accounts: PendingAccounts;
  expiresAt: Date;
}

/** The outcome of one re-authentication attempt through the form. */
export type ReauthResult =
  | {
      ok: true;
      integration: Integration;
      /** Every integration the credential serves (Azure DevOps organizations share one). */
      affected: Integration[];
      validation: CredentialValidation & { outcome: ValidOutcome };
      credential: Credential;
      previousFingerprints: string[];
    }
  | {
      ok: false;
      integration: Integration | undefined;
      kind: Outcome['kind'] | RefusalKind;
      reason: string;
      /** The form field the message belongs under. */
      field: FormField;
      tokens: TokenReport[];
      /** Set when `kind` is `confirm_account`. */
      confirmation?: AccountConfirmation;
    };
