import { bindingOf } from '../domain/integration.js';
import type { Credential, Integration } from '../domain/types.js';
import type { ValidationTarget } from '../providers/call.js';

/** The integration fields a probe needs. */
export type ProbeSubject = Pick<
  Integration,
  'id' | 'provider' | 'authType' | 'url' | 'organization' | 'accountId' | 'repository' | 'credentialKey' | 'machine'
>;

/**
 * A credential may be used only for what it was validated against. One stored before bindings
 * existed is held to its provider and auth type (the catalogue sync retires it when the rest changes).
 */
export function isBoundTo(
  credential: Pick<Credential, 'binding' | 'provider' | 'authType'>,
  subject: ProbeSubject,
): boolean {
  if (credential.binding === null)
    return credential.provider === subject.provider && credential.authType === subject.authType;
  return credential.binding === bindingOf(subject);
}

export function targetOf(subject: ProbeSubject): ValidationTarget {
  return {
    id: subject.id,
    provider: subject.provider,
    auth: subject.authType,
    url: subject.url,
    organization: subject.organization,
    accountId: subject.accountId,
    repository: subject.repository,
    workspace: subject.machine?.kind === 'bitbucket' ? subject.machine.workspace : null,
  };
}
