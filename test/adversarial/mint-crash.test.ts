import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { seedMachineIdentity } from '../../src/sandbox/seed-machine.js';
import { unsealPayload } from '../../src/services/secret-payload.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { report, SIZE, startKillableWorker } from './support.js';

/**
 * SIGKILL at random moments of a machine identity's mints — before the request, while GitHub answers,
 * between GitHub's answer and the commit, during the commit: after every kill the held credential is
 * whole (its root secret opens, its version never goes back), nothing is left backing it off, and the
 * next mint simply mints again and gets a token that works. A token GitHub issued to a killed worker is
 * never served (it was not committed) and simply ends at GitHub.
 */
describe('minting under SIGKILL', () => {
  let dir: ReturnType<typeof tempDir>;
  let providers: ProviderEmulator;
  let env: Record<string, string>;

  beforeAll(async () => {
    providers = await startProviderEmulator();
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gh-app, name: GitHub App, provider: github, auth: app_installation, url: "${providers.baseUrl('github')}", app_id: 77, installation_id: 1 }\n`,
    );
    env = {
      DATABASE_PATH: join(dir.path, 'reauth.db'),
      REAUTH_SECRET_KEY: newKeyText(),
      INTEGRATIONS_FILE: catalogue,
    };
  }, 120_000);
  afterAll(async () => {
    await providers?.close();
    dir?.cleanup();
  });

  /** Reauth starting again; `aheadMs` moves its clock on (past the held token's end, so a mint is due). */
  async function restart(aheadMs = 0): Promise<Composition> {
    const parsed = parseConfig(env, { secretKey: true });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return compose(parsed.config, createLogger({ level: 'silent' }), {
      clock: { now: () => new Date(Date.now() + aheadMs) },
    });
  }

  it(`after ${SIZE.rotationKills} kills mid-mint, the credential is whole and the next mint simply mints again`, async () => {
    const pem = providers.githubApps.add({
      id: 77,
      clientId: 'Iv23liCrash',
      name: 'Crash',
      slug: 'crash',
      installations: { '1': { account: 'acme', repositories: ['acme/api'] } },
      // A fraction of a second: the worker mints again and again.
      tokenLifetimeMs: 150,
    });
    const setup = await restart();
    const integration = (await setup.store.integrations.findActive('gh-app'))!;
    await seedMachineIdentity(setup, integration, { private_key: pem }, 'U0SEED');
    await setup.stop(1_000);

    const violations: string[] = [];
    let minted = 0;
    let lastVersion = 0;
    let random = 11;
    for (let kill = 0; kill < SIZE.rotationKills; kill += 1) {
      const worker = await startKillableWorker('dist/test/adversarial/mint-child.js', env);
      random = (random * 48271) % 2147483647;
      await new Promise((ok) => setTimeout(ok, 100 + (random % 400))); // the kill's moment, not a synchronisation
      await worker.kill();
      await providers.idle();
      minted += (worker.output().match(/^minted /gm) ?? []).length;

      // The held token (150 ms) has ended by the restarted server's clock: the next mint is due.
      const app = await restart(1_000);
      try {
        const credential = await app.store.credentials.current('integration:gh-app');
        const payload = credential?.sealedSecret
          ? unsealPayload(app.keyring, credential, credential.sealedSecret)
          : undefined;
        if (!credential || payload?.kind !== 'machine') {
          violations.push(`after kill ${kill + 1}: no whole machine credential is held`);
          continue;
        }
        if (credential.version < lastVersion)
          violations.push(`after kill ${kill + 1}: version went back from ${lastVersion} to ${credential.version}`);
        if (credential.refreshRetryAt)
          violations.push(`after kill ${kill + 1}: a back-off was left (${credential.refreshError ?? ''})`);
        // Whatever the kill interrupted, the next mint mints again and its token works at GitHub.
        const next = await app.services.accessTokens.renewIfDue(integration, credential, payload);
        if (!next.ok) violations.push(`after kill ${kill + 1}: the next mint failed: ${next.outcome.reason}`);
        else {
          if (!next.refreshed) violations.push(`after kill ${kill + 1}: the next mint did not mint`);
          if (!providers.token(next.payload.accessToken)?.installation)
            violations.push(`after kill ${kill + 1}: the minted token is unknown to GitHub`);
          lastVersion = next.credential.version;
        }
      } finally {
        await app.stop(1_000);
      }
    }
    report('mint-crash', { kills: SIZE.rotationKills, minted, inconsistencies: violations.length });
    expect(violations).toEqual([]);
    expect(minted).toBeGreaterThan(SIZE.rotationKills);
  });
});
