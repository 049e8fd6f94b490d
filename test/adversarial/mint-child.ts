import { unsealPayload } from '../../src/services/secret-payload.js';
import { composeChildCore } from '../helpers/core-child.js';

/**
 * The mint crash worker of test/adversarial/mint-crash.test.ts: the product's core on a SQLite file,
 * minting a GitHub App's installation token whenever the held one is due (the emulated App's tokens live
 * a fraction of a second), again and again, until the test kills it — before a mint, while GitHub answers,
 * between GitHub's answer and the commit, or during the commit. It prints one line per mint.
 */
const core = await composeChildCore(process.env);
const { store, keyring, services } = core.parts;
const integration = await store.integrations.findActive('gh-app');
if (!integration) throw new Error('no integration');
process.stdout.write('ready\n');
for (;;) {
  const credential = await store.credentials.current(integration.credentialKey);
  const payload = credential?.sealedSecret ? unsealPayload(keyring, credential, credential.sealedSecret) : undefined;
  if (!credential || payload?.kind !== 'machine') throw new Error('no machine credential held');
  const result = await services.accessTokens.renewIfDue(integration, credential, payload);
  if (!result.ok) throw new Error(`a mint failed: ${result.outcome.reason}`);
  if (result.refreshed) process.stdout.write(`minted ${result.credential.version}\n`);
  else await new Promise((ok) => setTimeout(ok, 10)); // the held token is not due yet: look again shortly
}
