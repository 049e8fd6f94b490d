import { beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSecret } from '../../../src/crypto/fingerprint.js';
import type { HttpClient } from '../../../src/providers/http.js';
import { validateCredential } from '../../../src/providers/validate.js';
import type { ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { contextFor, useProviderEmulator } from '../../helpers/providers.js';

const A = 'ghp_PoolTokenA0123456789abcdefABCDEFGH';
const B = 'ghp_PoolTokenB0123456789abcdefABCDEFGH';
const C = 'ghp_PoolTokenC0123456789abcdefABCDEFGH';

describe('PAT pools', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  useProviderEmulator((e, h) => {
    emulator = e;
    http = h;
  });
  beforeAll(() => {
    emulator.setToken(A, { provider: 'github', scopes: ['repo', 'read:org'], rateLimitRemaining: 4000, identity: { id: '1', name: 'Bot A', username: 'bot-a' } });
    emulator.setToken(B, { provider: 'github', scopes: ['repo', 'read:org'], rateLimitRemaining: 3000, expiresAt: new Date('2027-05-01T00:00:00Z'), identity: { id: '2', name: 'Bot B', username: 'bot-b' } });
    emulator.setToken(C, { provider: 'github', status: 'revoked' });
  });

  it('validates every token concurrently and lists each with identity, rate limit, scopes and expiry', async () => {
    const result = await validateCredential(contextFor(emulator, http, 'github', 'pat'), { identifier: 'ops@acme.com', tokens: [A, B] });
    expect(result.outcome.kind).toBe('valid');
    expect(result.outcome.reason).toContain('All 2 tokens work.');
    expect(result.tokens).toMatchObject([
      { position: 1, fingerprint: fingerprintSecret(A), outcome: { kind: 'valid', identity: { username: 'bot-a' }, rateLimitRemaining: 4000, scopes: ['repo', 'read:org'], expiresAt: null } },
      { position: 2, fingerprint: fingerprintSecret(B), outcome: { kind: 'valid', identity: { username: 'bot-b' }, rateLimitRemaining: 3000, expiresAt: new Date('2027-05-01T00:00:00Z') } },
    ]);
  });

  it('refuses the whole pool when one token fails, naming it by position and fingerprint', async () => {
    const result = await validateCredential(contextFor(emulator, http, 'github', 'pat'), { identifier: 'ops@acme.com', tokens: [A, C, B] });
    expect(result.outcome.kind).toBe('invalid_credentials');
    expect(result.outcome.reason).toContain(`token 2 (${fingerprintSecret(C)}) failed`);
    expect(result.outcome.reason).not.toContain(C);
    expect(result.tokens.map((t) => t.outcome.kind)).toEqual(['valid', 'invalid_credentials', 'valid']);
    expect(emulator.requestsWith(C)).toHaveLength(1);
  });
});
