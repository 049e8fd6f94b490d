import { describe, expect, it } from 'vitest';
import { createMetadataSigner } from '../../../src/slack/metadata.js';
import { newKey } from '../../helpers/keys.js';

describe('modal metadata signatures', () => {
  const metadata = { integrationId: 'jira-acme', auth: 'api_key', userId: 'U0OWNER' };

  it('verify what they signed, and refuse anything altered', () => {
    const signer = createMetadataSigner(newKey());
    const signed = signer.sign(metadata);
    expect(signer.verify(signed)).toEqual(metadata);
    expect(signer.verify(signed.replace('jira-acme', 'jira-beta'))).toBeUndefined();
    expect(signer.verify('not json')).toBeUndefined();
  });

  it('a form opened before a key rotation is still accepted after it (the old key in REAUTH_PREVIOUS_KEYS)', () => {
    const oldKey = newKey();
    const before = createMetadataSigner(oldKey).sign(metadata);
    const newKeyBuffer = newKey();
    expect(createMetadataSigner(newKeyBuffer, [oldKey]).verify(before)).toEqual(metadata);
    expect(createMetadataSigner(newKeyBuffer).verify(before)).toBeUndefined();
    // New forms are signed with the new key only.
    expect(
      createMetadataSigner(oldKey).verify(createMetadataSigner(newKeyBuffer, [oldKey]).sign(metadata)),
    ).toBeUndefined();
  });
});
