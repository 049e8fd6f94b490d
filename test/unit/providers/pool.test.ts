import { beforeAll, describe, expect, it } from 'vitest';
import { fingerprintSecret } from '../../../src/crypto/fingerprint.js';
import type { HttpClient } from '../../../src/providers/http.js';
import { validateCredential } from '../../../src/providers/validate.js';
import { buildOutcomeDetails } from '../../../src/slack/blocks/outcome.js';
import type { ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { contextFor, useProviderEmulator } from '../../helpers/providers.js';

const A = 'ghp_PoolTokenA0123456789abcdefABCDEFGH';
const B = 'ghp_PoolTokenB0123456789abcdefABCDEFGH';
const C = 'ghp_PoolTokenC0123456789abcdefABCDEFGH';
const D = 'ghp_PoolTokenD0123456789abcdefABCDEFGH';
const E = 'ghp_PoolTokenE0123456789abcdefABCDEFGH';

describe('PAT pools', () => {
  let emulator: ProviderEmulator;
  let http: HttpClient;
  useProviderEmulator((e, h) => {
    emulator = e;
    http = h;
  });
  beforeAll(() => {
    emulator.setToken(A, {
      provider: 'github',
      scopes: ['repo', 'read:org'],
      rateLimitRemaining: 4000,
      identity: { id: '1', name: 'Bot A', username: 'bot-a' },
    });
    emulator.setToken(B, {
      provider: 'github',
      scopes: ['repo', 'read:org'],
      rateLimitRemaining: 3000,
      expiresAt: new Date('2027-05-01T00:00:00Z'),
      identity: { id: '2', name: 'Bot B', username: 'bot-b' },
    });
    emulator.setToken(C, { provider: 'github', status: 'revoked' });
    // Two accounts with the same display name and a public email: only the login tells them apart.
    emulator.setToken(D, {
      provider: 'github',
      scopes: ['repo', 'read:org'],
      identity: { id: '4', name: 'Platform Bot', username: 'platform-bot-eu', email: 'bots@acme.com' },
    });
    emulator.setToken(E, {
      provider: 'github',
      scopes: ['repo', 'read:org'],
      identity: { id: '5', name: 'Platform Bot', username: 'platform-bot-us', email: 'bots@acme.com' },
    });
  });

  it("names each token's account by its login, not only by its display name", async () => {
    const result = await validateCredential(contextFor(emulator, http, 'github', 'pat'), {
      identifier: 'ops@acme.com',
      tokens: [D, E],
    });
    expect(result.outcome.kind).toBe('valid');
    if (result.outcome.kind !== 'valid') return;
    const text = JSON.stringify(buildOutcomeDetails({ ...result, outcome: result.outcome }));
    expect(text).toContain('Platform Bot (platform-bot-eu)');
    expect(text).toContain('Platform Bot (platform-bot-us)');
    expect(result.tokens[1]?.outcome.reason).toContain('as Platform Bot (platform-bot-us) <bots@acme.com>');
  });

  it('validates every token concurrently and lists each with identity, rate limit, scopes and expiry', async () => {
    const result = await validateCredential(contextFor(emulator, http, 'github', 'pat'), {
      identifier: 'ops@acme.com',
      tokens: [A, B],
    });
    expect(result.outcome.kind).toBe('valid');
    expect(result.outcome.reason).toContain('All 2 tokens work.');
    expect(result.tokens).toMatchObject([
      {
        position: 1,
        fingerprint: fingerprintSecret(A),
        outcome: {
          kind: 'valid',
          identity: { username: 'bot-a' },
          rateLimitRemaining: 4000,
          scopes: ['repo', 'read:org'],
          expiresAt: null,
        },
      },
      {
        position: 2,
        fingerprint: fingerprintSecret(B),
        outcome: {
          kind: 'valid',
          identity: { username: 'bot-b' },
          rateLimitRemaining: 3000,
          expiresAt: new Date('2027-05-01T00:00:00Z'),
        },
      },
    ]);
  });

  it('refuses the whole pool when one token fails, naming it by position and fingerprint', async () => {
    const result = await validateCredential(contextFor(emulator, http, 'github', 'pat'), {
      identifier: 'ops@acme.com',
      tokens: [A, C, B],
    });
    expect(result.outcome.kind).toBe('invalid_credentials');
    expect(result.outcome.reason).toContain(`token 2 (${fingerprintSecret(C)}) failed`);
    expect(result.outcome.reason).not.toContain(C);
    expect(result.tokens.map((t) => t.outcome.kind)).toEqual(['valid', 'invalid_credentials', 'valid']);
    expect(emulator.requestsWith(C)).toHaveLength(1);
  });
});
