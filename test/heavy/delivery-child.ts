import { parseCatalogue } from '../../src/catalogue/parse.js';
import { syncCatalogue } from '../../src/catalogue/sync.js';
import { createKeyring } from '../../src/crypto/keyring.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { openSqliteStore } from '../../src/db/sqlite/store.js';
import { createLogger } from '../../src/logger.js';
import { createHttpClient } from '../../src/providers/http.js';
import { createOutboxPlanner } from '../../src/services/delivery/outbox.js';
import { createDeliveryWorker } from '../../src/services/delivery/worker.js';
import { createKeyedLock } from '../../src/keyed-lock.js';
import { createCredentialCommit } from '../../src/services/credential-commit.js';
import { writeFileAtomically } from '../../src/sinks/file.js';
import { createSinkSenders } from '../../src/sinks/senders.js';
import { readFileSync } from 'node:fs';

/**
 * The delivery crash worker, killed with SIGKILL by test/heavy/delivery-crash.test.ts:
 * - MODE=commit: commits the next credential version and, the moment the swap has committed (before
 *   any delivery), prints "committed <version>" and hangs until killed;
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

const store = openSqliteStore(env.DATABASE_PATH ?? '');
const logger = createLogger({ level: 'silent' });
const clock = { now: () => new Date() };
const keyring = createKeyring(Buffer.from(env.KEY ?? '', 'base64'), []);
const http = createHttpClient();
const catalogue = parseCatalogue(readFileSync(env.INTEGRATIONS_FILE ?? '', 'utf8'));
if (!catalogue.ok) throw new Error('bad catalogue');
await syncCatalogue(store, catalogue.entries, clock.now());
const sinksOf = (id: string) => catalogue.entries.find((e) => e.id === id)?.deliver ?? [];
const outbox = createOutboxPlanner({ sinksOf, keyring });
const worker = createDeliveryWorker({
  store,
  keyring,
  senders: createSinkSenders(http, { secretFromEnv: (name) => env[name], vault: undefined }),
  sinksOf,
  clock,
  logger,
  random: Math.random,
  // Short leases: a killed child's lapse within the test (nothing releases them at start, as in the server).
  leaseMs: 1_500,
  renewMs: 500,
});
const integration = await store.integrations.findActive('jira-acme');
if (!integration) throw new Error('no integration');

let hang = false;
const reauth = createCredentialCommit({
  store,
  keyring,
  clock,
  logger,
  credentialLock: createKeyedLock(),
  outbox,
  kickDeliveries: () => {
    if (hang) print('committed');
  },
});

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
  const committed = await reauth.commit({
    integration: integration!,
    actor: 'U0CRASH',
    payload: { kind: 'tokens', identifier: 'ops@acme.example', tokens: [token] },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
  return committed.credential.version;
}

if (env.MODE === 'commit') {
  hang = true;
  await commitNext();
  await new Promise(() => undefined);
} else if (env.MODE === 'drain') {
  while ((await store.deliveries.pendingCount()) > 0) {
    await store.deliveries.retryNow();
    await worker.runDue();
  }
  print('drained');
  await http.close();
  await store.close();
} else {
  print('ready');
  for (;;) {
    await worker.runDue();
    print(`committed ${await commitNext()}`);
    await worker.runDue();
  }
}
