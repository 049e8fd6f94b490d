import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { syncCatalogue } from '../../src/catalogue/sync.js';
import { createHttpClient } from '../../src/providers/http.js';
import { unsealPayload } from '../../src/services/secret-payload.js';
import { composeChildCore } from '../helpers/core-child.js';

/**
 * One replica of test/adversarial/replicas-crash.test.ts on a shared PostgreSQL: it re-authenticates,
 * refreshes an OAuth token, delivers and syncs the catalogue, in a seeded random order, for ever — until
 * the test kills it (replica A, again and again) or stops it (replica B). It is the product's core
 * (composeChildCore), not started: this loop drives its services. Leases are short (1.5 s) so a killed
 * replica's lapse within the test; the Bitbucket OAuth client is the test's emulator (BITBUCKET_OAUTH_URL).
 */
const env = process.env as Record<string, string>;
const print = (line: string) => process.stdout.write(`${line}\n`);
let seed = Number(env.SEED ?? '1');
const random = () => {
  seed = (seed * 48271) % 2147483647;
  return seed / 2147483647;
};

const core = await composeChildCore(process.env, {
  http: createHttpClient({ retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0 } }),
  random,
  deliveryLease: { leaseMs: 1_500, renewMs: 500 },
});
const { store, keyring, clock, catalogue, services, delivery } = core.parts;
const worker = delivery.worker;
const reauth = services.credentialCommit;
const refresh = services.accessTokens.refresh;
const [pat, oauth] = await Promise.all([
  store.integrations.findActive('gitlab-crash'),
  store.integrations.findActive('bb-crash'),
]);
if (!pat || !oauth) throw new Error('the catalogue was not synced');
const valid = (fingerprint: string) => {
  const outcome = {
    kind: 'valid' as const,
    identity: { id: '1', name: 'Crash' },
    scopes: null,
    expiresAt: null,
    rateLimitRemaining: null,
    reason: 'ok',
  };
  return { outcome, tokens: [{ position: 1, fingerprint, outcome }] };
};

const operations: Record<string, () => Promise<unknown>> = {
  async reauth() {
    const token = `glpat-replica-crash-${Math.floor(random() * 1e9)}`;
    await reauth.commit({
      integration: pat,
      actor: 'U0CRASH',
      payload: { kind: 'tokens', identifier: null, tokens: [token] },
      validation: valid(fingerprintSecret(token)),
      how: 'modal',
    });
  },
  async refresh() {
    const current = await store.credentials.current(oauth.credentialKey);
    const payload = current?.sealedSecret ? unsealPayload(keyring, current, current.sealedSecret) : undefined;
    if (current && payload?.kind === 'oauth') {
      const result = await refresh(oauth, current, payload);
      if (result.ok || result.retryAt === null) return;
      // The chain broke (a replica killed between the provider's answer and the commit): sign in again.
    }
    const issued = (await (await fetch(`${env.OAUTH_URL}/issue`, { method: 'POST' })).json()) as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
    };
    const fresh = {
      kind: 'oauth' as const,
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      accessExpiresAt: clock.now().getTime() + issued.expires_in * 1000,
      refreshExpiresAt: null,
    };
    await reauth.commit({
      integration: oauth,
      actor: 'U0CRASH',
      payload: fresh,
      validation: valid(fingerprintSecret(issued.access_token)),
      how: 'oauth',
    });
  },
  deliver: () => worker.runDue(),
  sync: () => syncCatalogue(store, catalogue.entries, clock.now()),
};
const names = Object.keys(operations);
print('ready');
if (env.ONCE === '1') {
  // Drains what is left: a killed replica's leases lapse within 1.5 s, then this one takes them.
  while ((await store.deliveries.pendingCount()) > 0) {
    if ((await worker.runDue()) === 0) await new Promise((ok) => setTimeout(ok, 100)); // polling the outbox, as the server's tick does
  }
} else {
  for (;;) {
    const name = names[Math.floor(random() * names.length)] ?? 'deliver';
    try {
      await operations[name]!();
      print(`done ${name}`);
    } catch (error) {
      // The database restarting under it: the operation fails cleanly, as the server's would, and the
      // replica carries on (it must never exit of it).
      print(`failed ${name}: ${(error as Error).message.split('\n')[0]}`);
      await new Promise((ok) => setTimeout(ok, 50)); // a pause before the next try, as the server's loops take
    }
  }
}
await core.stop(1_000);
