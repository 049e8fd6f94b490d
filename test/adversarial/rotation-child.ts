import { compose } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

/**
 * The rotation crash worker of test/adversarial/rotation-crash.test.ts: the real composition on a
 * SQLite file, rotating the GitLab integration's token again and again through the provider emulator
 * (whose answers are slowed, so kills land before the call, in flight, after the answer and during the
 * commit) until it is killed.
 */
const parsed = parseConfig(process.env, { slack: true, secretKey: true });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const app = await compose(parsed.config, createLogger({ level: 'silent' }));
const integration = await app.store.integrations.findActive('gitlab');
if (!integration) throw new Error('no integration');
process.stdout.write('ready\n');
for (;;) {
  const result = await app.rotation.rotate(integration, { requestedBy: 'crash', force: true });
  process.stdout.write(`done ${result.status}\n`);
  if (result.status !== 'rotated' && result.status !== 'busy') break;
}
await app.stop(1_000);
