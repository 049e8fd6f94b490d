import type { HttpClient } from '../providers/http.js';
import { createFileSender } from './file.js';
import type { SinkSenders } from './types.js';
import { createVaultSender, type VaultSettings } from './vault.js';
import { createWebhookSender } from './webhook.js';

/** Every sink kind's sender, over the shared HTTP client (timeouts, no redirects, no POST retries). */
export function createSinkSenders(
  http: HttpClient,
  settings: { secretFromEnv(name: string): string | undefined; vault: VaultSettings | undefined },
): SinkSenders {
  return {
    webhook: createWebhookSender(http, (name) => settings.secretFromEnv(name)),
    vault: createVaultSender(http, () => settings.vault),
    file: createFileSender(),
  };
}
