import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { bindingOf } from '../../../src/domain/integration.js';
import { createLogger } from '../../../src/logger.js';
import { startProviderEmulator, type ProviderEmulator } from '../../../src/sandbox/providers/emulator.js';
import { createCredentialCommit } from '../../../src/services/credential-commit.js';
import { createRotationService, revokeRetryDelayMs } from '../../../src/services/rotation.js';
import { sealPayload } from '../../../src/services/secret-payload.js';
import { createKeyedLock } from '../../../src/keyed-lock.js';
import { catalogueFields, memoryStore, seedCredential } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';
import { testHttpClient } from '../../helpers/providers.js';
import { manualClock } from '../../helpers/start-app.js';

const MIN = 60_000;
const TOKEN = 'squ_currentTokenOfTheRevocationTest0001';

describe('revoking the token a rotation replaced', () => {
  let providers: ProviderEmulator;
  beforeAll(async () => {
    providers = await startProviderEmulator();
  });
  afterAll(async () => providers?.close());

  it('backs off while the provider fails (1, 2, 4 … minutes, then hourly), and revokes once it answers', async () => {
    expect([1, 2, 3, 4, 7, 20].map(revokeRetryDelayMs)).toEqual([MIN, 2 * MIN, 4 * MIN, 8 * MIN, 60 * MIN, 60 * MIN]);

    const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
    const store = memoryStore(clock);
    const keyring = createKeyring(newKey());
    const logger = createLogger({ level: 'silent' });
    await store.integrations.applySync(
      {
        add: [
          {
            id: 'sonar',
            values: catalogueFields('sonar', {
              name: 'SonarQube',
              provider: 'sonarqube',
              authType: 'api_key',
              url: providers.baseUrl('sonarqube'),
            }),
            audit: { actor: 'test', integrationId: 'sonar', action: 'catalogue.add', outcome: 'ok' },
          },
        ],
        update: [],
        archive: [],
        bindings: [],
      },
      clock.now(),
    );
    const integration = (await store.integrations.findActive('sonar'))!;
    providers.setToken(TOKEN, { provider: 'sonarqube', identity: { id: 'ci', name: 'CI', username: 'ci' } });
    const binding = bindingOf(integration);
    const sealed = sealPayload(
      keyring,
      { credentialKey: 'integration:sonar', binding },
      { kind: 'tokens', identifier: null, tokens: [TOKEN] },
    );
    const stored = {
      credentialKey: 'integration:sonar',
      provider: 'sonarqube' as const,
      authType: 'api_key' as const,
      binding,
      sealedSecret: sealed.value,
      keyId: sealed.keyId,
      fingerprints: ['f'],
      createdBy: 'reauth',
      createdAt: clock.now(),
    };
    const current = await seedCredential(store, stored, clock.now());
    // A rotation replaced a token Reauth generated: its revocation is due (no sinks, past its hour).
    const attempt = (await store.rotations.begin({
      integrationId: 'sonar',
      credentialKey: 'integration:sonar',
      credentialId: current.id,
      version: current.version,
      provider: 'sonarqube',
      tokenName: 'reauth-sonar-new',
      requestedBy: 'probe',
      startedAt: clock.now(),
    }))!;
    await store.credentials.commit(
      {
        credential: { ...stored, identity: null, scopes: null, expiresAt: null, tokenName: 'reauth-sonar-new' },
        health: { status: 'healthy', consecutiveFailures: 0 },
        audit: { actor: 'reauth', action: 'credential.rotate', outcome: 'success' },
        rotation: { attemptId: attempt.id, revoke: { tokenName: 'reauth-sonar-old', notAfter: clock.now() } },
      },
      clock.now(),
    );
    const rotation = createRotationService({
      store,
      keyring,
      http: testHttpClient(),
      clock,
      logger,
      commit: createCredentialCommit({ store, keyring, clock, logger, credentialLock: createKeyedLock() }),
      rotateOf: () => undefined,
      health: { apply: async () => 'failing' },
    });
    const revokeCalls = () => providers.requests.filter((r) => r.path.endsWith('/api/user_tokens/revoke')).length;
    /** One sweep: whether it asked the provider. */
    const sweep = async () => {
      const before = revokeCalls();
      await rotation.revokePrevious();
      return revokeCalls() > before;
    };

    providers.setProviderDown('sonarqube', true);
    expect(await sweep()).toBe(true); // attempt 1 fails
    expect(await sweep()).toBe(false); // the next sweep waits a minute
    clock.advance(MIN);
    expect(await sweep()).toBe(true); // attempt 2 fails
    clock.advance(MIN);
    expect(await sweep()).toBe(false); // now two minutes
    clock.advance(MIN);
    expect(await sweep()).toBe(true); // attempt 3 fails
    expect((await store.rotations.pendingRevocations())[0]).toMatchObject({ attempts: 3 });

    providers.setProviderDown('sonarqube', false);
    clock.advance(4 * MIN);
    expect(await sweep()).toBe(true);
    expect(await store.rotations.pendingRevocations()).toEqual([]);
    await store.close();
  });
});
