import { describe, expect, it } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { bindingOf } from '../../../src/domain/integration.js';
import type { Integration } from '../../../src/domain/types.js';
import { isBoundTo } from '../../../src/services/probe-subject.js';
import { sealPayload, unsealPayload } from '../../../src/services/secret-payload.js';
import { newKey } from '../../helpers/keys.js';

const jira = {
  id: 'j',
  provider: 'jira',
  authType: 'api_key',
  url: 'https://acme.atlassian.net',
  organization: null,
  accountId: null,
  repository: null,
  machine: null,
  credentialKey: 'integration:j',
} satisfies Partial<Integration>;

describe('credential bindings', () => {
  it('a credential is used only where it was validated: provider, auth type, origin, organization, account', () => {
    const credential = { binding: bindingOf(jira), provider: 'jira' as const, authType: 'api_key' as const };
    expect(isBoundTo(credential, jira)).toBe(true);
    expect(isBoundTo(credential, { ...jira, url: 'https://acme.atlassian.net/other/path' })).toBe(true);
    expect(isBoundTo(credential, { ...jira, url: 'https://evil.example' })).toBe(false);
    expect(isBoundTo(credential, { ...jira, provider: 'gitlab', authType: 'pat' })).toBe(false);
    expect(isBoundTo(credential, { ...jira, accountId: 'other' })).toBe(false);
    // A machine identity's credential is bound to its App and installation (or tenant and authority) too.
    const app = {
      ...jira,
      provider: 'github' as const,
      authType: 'app_installation' as const,
      machine: { kind: 'github_app' as const, appId: '1', installationId: '2' },
    };
    const appCredential = { binding: bindingOf(app), provider: app.provider, authType: app.authType };
    expect(isBoundTo(appCredential, app)).toBe(true);
    expect(isBoundTo(appCredential, { ...app, machine: { ...app.machine, installationId: '3' } })).toBe(false);
    expect(isBoundTo(appCredential, { ...app, machine: { ...app.machine, appId: '9' } })).toBe(false);
    // Every other credential's binding is what it was before machine identities existed.
    expect(bindingOf(jira)).toBe(JSON.stringify(['jira', 'api_key', 'https://acme.atlassian.net', null, null]));
    // Stored before bindings existed: held to its provider and auth type.
    expect(
      isBoundTo(
        { binding: null, provider: 'jira', authType: 'api_key' },
        { ...jira, provider: 'gitlab', authType: 'pat' },
      ),
    ).toBe(false);
  });

  it('the binding is sealed in: a credential sealed for one place does not unseal for another', () => {
    const keyring = createKeyring(newKey());
    const sealed = sealPayload(
      keyring,
      { credentialKey: 'integration:j', binding: bindingOf(jira) },
      { kind: 'tokens', identifier: null, tokens: ['secret'] },
    );
    expect(
      unsealPayload(keyring, { credentialKey: 'integration:j', binding: bindingOf(jira) }, sealed.value),
    ).toMatchObject({ tokens: ['secret'] });
    expect(() =>
      unsealPayload(
        keyring,
        { credentialKey: 'integration:j', binding: bindingOf({ ...jira, url: 'https://evil.example' }) },
        sealed.value,
      ),
    ).toThrow();
    expect(() => unsealPayload(keyring, { credentialKey: 'integration:j', binding: null }, sealed.value)).toThrow();
  });
});
