import type { CredentialValidation, Outcome, TokenReport, ValidOutcome } from '../providers/outcome.js';
import type { FormField } from '../providers/types.js';
import type { Credential, Integration } from './types.js';

export type RefusalKind = 'not_found' | 'permission_denied' | 'tampered' | 'unsupported';

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
    };
