import type { SinkSpec } from '../../domain/delivery.js';
import { webhookSecretProblem } from '../../sinks/webhook.js';

/**
 * What integrations.yml alone cannot tell: a sink that names an environment variable that is unset,
 * or a Vault sink without VAULT_ADDR and VAULT_TOKEN. Each problem names the entry and the field.
 */
export function deliveryConfigProblems(
  entries: readonly { id: string; deliver: readonly SinkSpec[] }[],
  env: { secretFromEnv(name: string): string | undefined; vault: unknown },
): string[] {
  const problems: string[] = [];
  for (const entry of entries) {
    entry.deliver.forEach((sink, i) => {
      const where = `integration "${entry.id}": deliver[${i}]`;
      if (sink.kind === 'webhook') {
        const problem = webhookSecretProblem(env.secretFromEnv(sink.secretEnv));
        if (problem)
          problems.push(
            `${where}.secret_env: ${sink.secretEnv} ${problem}; set it to the whsec_… signing secret the receiver shares.`,
          );
      }
      if (sink.kind === 'vault' && !env.vault)
        problems.push(`${where}.vault: VAULT_ADDR and VAULT_TOKEN must be set for vault sinks.`);
    });
  }
  return problems;
}
