import { describe, expect, it } from 'vitest';
import { retiredCredential, retirementOf } from '../../../src/providers/retired.js';

describe('a credential its vendor retired, known at a probe', () => {
  it('a Bitbucket app password by its ATBB shape, or by a 401 to a secret that is no API token; nothing else', () => {
    expect(retiredCredential('bitbucket', 'api_key', ['ATBB3xFfGN0abc'], 'valid')).toBe('bitbucket_app_password');
    expect(retiredCredential('bitbucket', 'api_key', ['oldStyleSecret22'], 'invalid_credentials')).toBe(
      'bitbucket_app_password',
    );
    expect(retiredCredential('bitbucket', 'api_key', ['oldStyleSecret22'], 'unreachable')).toBeUndefined();
    expect(retiredCredential('bitbucket', 'api_key', ['ATATT3xFfGF0abc'], 'invalid_credentials')).toBeUndefined();
    expect(retiredCredential('jira', 'api_key', ['oldStyleSecret22'], 'invalid_credentials')).toBeUndefined();
    expect(retirementOf({ provider: 'jira', authType: 'connect_app' })).toBe('jira_connect_app');
    expect(retirementOf({ provider: 'bitbucket', authType: 'api_key' }, { retiredByVendor: null })).toBeUndefined();
  });
});
