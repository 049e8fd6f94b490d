import { afterAll, beforeAll } from 'vitest';
import { createHttpClient, type HttpClient } from '../../src/providers/http.js';
import type { ValidationTarget } from '../../src/providers/call.js';
import { createValidationContext } from '../../src/providers/validate.js';
import type { AuthKey, ProviderKey } from '../../src/providers/types.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';

/** An HTTP client with the production shape but tiny retry delays, so tests stay fast. */
export function testHttpClient(overrides: Parameters<typeof createHttpClient>[0] = {}): HttpClient {
  return createHttpClient({ retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 50 }, ...overrides });
}

export function targetFor(
  emulator: ProviderEmulator,
  provider: ProviderKey,
  auth: AuthKey,
  extra: Partial<ValidationTarget> = {},
): ValidationTarget {
  return {
    id: `${provider}-${auth}`,
    provider,
    auth,
    url: emulator.baseUrl(provider, extra.organization ?? 'acme'),
    organization: provider === 'azure_devops' ? 'acme' : null,
    accountId: provider === 'harness' ? 'acct1' : null,
    ...extra,
  };
}

export function contextFor(
  emulator: ProviderEmulator,
  http: HttpClient,
  provider: ProviderKey,
  auth: AuthKey,
  extra: Partial<ValidationTarget> = {},
) {
  return createValidationContext(targetFor(emulator, provider, auth, extra), http, () => new Date());
}

export const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Starts a provider emulator and a test HTTP client for the enclosing describe block, and closes both after it. */
export function useProviderEmulator(receive: (emulator: ProviderEmulator, http: HttpClient) => void): void {
  let emulator: ProviderEmulator | undefined;
  let http: HttpClient | undefined;
  beforeAll(async () => {
    emulator = await startProviderEmulator();
    http = testHttpClient();
    receive(emulator, http);
  });
  afterAll(async () => {
    await http?.close();
    await emulator?.close();
  });
}
