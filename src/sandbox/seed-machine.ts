import type { Composition } from '../compose.js';
import type { Integration } from '../domain/types.js';
import { parseMachineInput } from '../providers/machine/input.js';
import { validateMachineIdentity } from '../providers/machine/validate.js';
import { machineEndpointsOf } from '../providers/machine/settings.js';
import { authSpec } from '../providers/registry.js';
import { createValidationContext } from '../providers/validate.js';
import { enteredMachinePayload } from '../services/machine-mint.js';
import { targetOf } from '../services/probe-subject.js';

/**
 * A machine identity holding its root secret from the start (the sandbox's demo, tests' set-up): checked,
 * validated and minted as a re-authentication would, and committed through the one commit path without a
 * word in Slack. `entered` holds the form's fields (private_key, or client_id and client_secret).
 */
export async function seedMachineIdentity(
  app: Pick<Composition, 'clock' | 'http' | 'services' | 'config'>,
  integration: Integration,
  entered: Record<string, string>,
  actor = 'sandbox',
): Promise<void> {
  const spec = authSpec(integration.provider, integration.authType);
  if (spec?.form.kind !== 'machine') throw new Error(`${integration.id} is not a machine identity`);
  const parsed = parseMachineInput(spec.form, entered, app.clock.now(), spec.foreignShapes);
  if (!parsed.ok) throw new Error(`the root secret for ${integration.id}: ${parsed.outcome.reason}`);
  const checked = await validateMachineIdentity(
    createValidationContext(targetOf(integration), app.http, () => app.clock.now()),
    integration.machine,
    parsed.input,
    machineEndpointsOf(app.config),
  );
  const { outcome } = checked.validation;
  if (outcome.kind !== 'valid' || !checked.minted)
    throw new Error(`the machine identity ${integration.id} did not validate: ${outcome.reason}`);
  await app.services.credentialCommit.commit({
    silent: true,
    integration,
    actor,
    payload: enteredMachinePayload(parsed.input.root, { ...checked, minted: checked.minted }, app.clock.now()),
    validation: { ...checked.validation, outcome },
    how: 'modal',
  });
}
