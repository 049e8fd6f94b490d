import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { writeFileAtomically } from '../../src/sinks/file.js';
import { composeChildCore } from '../helpers/core-child.js';

/**
 * The delivery crash worker, killed with SIGKILL by test/heavy/delivery-crash.test.ts:
 * - MODE=commit: commits the next credential version and, the moment the swap has committed (before
 *   any delivery), prints "committed" and hangs until killed;
 * - MODE=work: delivers what is pending, commits a version, delivers, … until killed;
 * - MODE=drain: delivers everything pending, prints "drained" and exits;
 * - MODE=file: rewrites a large file atomically, again and again, printing each version written.
 */

const env = process.env as Record<string, string>;
const print = (line: string) => process.stdout.write(`${line}\n`);

if (env.MODE === 'file') {
  const pad = 'x'.repeat(32 * 1024 * 1024);
  for (let version = Number(env.START ?? '1'); ; version += 1) {
    writeFileAtomically(env.FILE_TARGET ?? '', JSON.stringify({ version, pad }));
    print(`wrote ${version}`);
  }
}

// Short leases: a killed child's lapse within the test (nothing releases them at start, as in the server).
const core = await composeChildCore(process.env, { deliveryLease: { leaseMs: 1_500, renewMs: 500 } });
const { store, services, delivery } = core.parts;
const integration = await store.integrations.findActive('jira-acme');
if (!integration) throw new Error('no integration');

async function commitNext(): Promise<number> {
  const version = ((await store.credentials.current(integration!.credentialKey))?.version ?? 0) + 1;
  const token = `ATATT3xCRASHdelivery${String(version).padStart(6, '0')}=ZZ`;
  const outcome = {
    kind: 'valid' as const,
    identity: { id: '1', name: 'Crash' },
    scopes: null,
    expiresAt: null,
    rateLimitRemaining: null,
    reason: 'ok',
  };
  const committed = await services.credentialCommit.commit({
    integration: integration!,
    actor: 'U0CRASH',
    payload: { kind: 'tokens', identifier: 'ops@acme.example', tokens: [token] },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
  return committed.credential.version;
}

if (env.MODE === 'commit') {
  // The delivery loop is not started: the version is committed and nothing has delivered it yet.
  await commitNext();
  print('committed');
  await new Promise(() => undefined);
} else if (env.MODE === 'drain') {
  while ((await store.deliveries.pendingCount()) > 0) {
    await store.deliveries.retryNow();
    await delivery.worker.runDue();
  }
  print('drained');
  await core.stop(1_000);
} else {
  print('ready');
  for (;;) {
    await delivery.worker.runDue();
    print(`committed ${await commitNext()}`);
    await delivery.worker.runDue();
  }
}
