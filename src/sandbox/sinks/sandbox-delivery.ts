import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { sha256Hex } from '../../services/delivery/consumers.js';
import { startVaultEmulator, type VaultEmulator } from './vault-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/**
 * Where the sandbox delivers credentials: a webhook receiver that verifies signatures, a Vault KV v2
 * emulator and a file under the sandbox's data folder, all on loopback; and a demo consumer for the
 * pull API. Tokens and secrets are new on every run.
 */

export const DELIVERY_DEMO_ID = 'jira-cloud';
/** The demo integration that rotates itself: its sinks show a rotation delivered like a re-authentication. */
export const ROTATION_DEMO_ID = 'gitlab';
/** The demo machine identity: its sinks receive a freshly minted token before each one ends. */
export const MACHINE_DEMO_ID = 'github-insights';
export const WEBHOOK_SECRET_ENV = 'SANDBOX_WEBHOOK_SECRET';
export const vaultPathOf = (id: string) => ({ mount: 'secret', path: `sandbox/${id}` });
export const VAULT_PATH = vaultPathOf(DELIVERY_DEMO_ID);

export interface SandboxDelivery {
  hook: WebhookReceiver;
  vault: VaultEmulator;
  filePath: string;
  /** The file sink of each demo integration with sinks. */
  filePathOf(id: string): string;
  consumerToken: string;
  /** Environment the sandbox's Reauth needs for these sinks. */
  env: Record<string, string>;
  /** The integrations that deliver, and the `deliver:` and `consumers:` parts of the demo catalogue. */
  ids: readonly string[];
  deliverYamlFor(id: string, indent: string): string;
  consumersYaml(): string;
  close(): Promise<void>;
}

export async function startSandboxDelivery(dataDir: string): Promise<SandboxDelivery> {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const hook = await startWebhookReceiver(secret);
  const vault = await startVaultEmulator();
  const vaultToken = `hvs.sandbox${randomBytes(12).toString('hex')}`;
  vault.addToken(vaultToken);
  const consumerToken = `rct_${randomBytes(32).toString('base64url')}`;
  const filePathOf = (id: string) => join(dataDir, 'delivered', `${id}.json`);
  return {
    hook,
    vault,
    filePath: filePathOf(DELIVERY_DEMO_ID),
    filePathOf,
    consumerToken,
    env: { [WEBHOOK_SECRET_ENV]: secret, VAULT_ADDR: vault.url, VAULT_TOKEN: vaultToken },
    ids: [DELIVERY_DEMO_ID, ROTATION_DEMO_ID, MACHINE_DEMO_ID],
    deliverYamlFor: (id, indent) =>
      [
        'deliver:',
        `  - webhook: "${hook.url}"`,
        `    secret_env: ${WEBHOOK_SECRET_ENV}`,
        '    include_credential: true',
        `  - vault: ${vaultPathOf(id).mount}/data/${vaultPathOf(id).path}`,
        `  - file: "${filePathOf(id)}"`,
      ]
        .map((line) => `${indent}${line}`)
        .join('\n'),
    consumersYaml: () =>
      `consumers:\n  - name: sandbox-ingest\n    token_sha256: ${sha256Hex(consumerToken)}\n    integrations: ["*"]\n`,
    close: async () => {
      await hook.close();
      await vault.close();
    },
  };
}
