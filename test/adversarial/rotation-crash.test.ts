import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, type Composition } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { unsealPayload } from '../../src/services/secret-payload.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { ALERTS, BOT_TOKEN, SIGNING_SECRET } from '../helpers/start-app.js';
import { report, SIZE, startKillableWorker } from './support.js';

/**
 * SIGKILL at random moments of a GitLab rotation, whose previous token GitLab revokes in the call:
 * after every restart the rotation's invariant holds — the stored credential works, or the integration
 * is failing with its alert posted (the interrupted attempt was settled at start-up), never a revoked
 * credential without an alert.
 */
describe('rotation under SIGKILL', () => {
  let dir: ReturnType<typeof tempDir>;
  let providers: ProviderEmulator;
  let slack: SlackEmulator;
  let env: Record<string, string>;
  let seeded = 0;

  beforeAll(async () => {
    providers = await startProviderEmulator();
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addChannel(ALERTS, { name: 'alerts' });
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", channel: ${ALERTS}, rotate: true }\n`,
    );
    env = {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_PATH: join(dir.path, 'reauth.db'),
      REAUTH_SECRET_KEY: newKeyText(),
      INTEGRATIONS_FILE: catalogue,
      DEFAULT_ALERT_CHANNEL: ALERTS,
      PORT: '0',
    };
  }, 120_000);
  afterAll(async () => {
    await providers?.close();
    await slack?.close();
    dir?.cleanup();
  });

  /** The server's start-up, in this process: it settles what a kill left open. */
  async function restart(): Promise<Composition> {
    const parsed = parseConfig(env, { slack: true, secretKey: true });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const app = await compose(parsed.config, createLogger({ level: 'silent' }));
    await app.start({ monitor: false, delivery: false, watchCatalogue: false });
    return app;
  }

  /** A working token of its own, stored as a person would (after an alert, or at the start). */
  async function seed(app: Composition): Promise<void> {
    seeded += 1;
    const token = `glpat-RotationCrash${String(seeded).padStart(8, '0')}`;
    providers.setToken(token, {
      provider: 'gitlab',
      scopes: ['api'],
      identity: { id: '5', name: 'Crash', username: 'crash' },
      delayMs: 15,
    });
    const integration = (await app.store.integrations.findActive('gitlab'))!;
    const outcome = {
      kind: 'valid' as const,
      identity: { id: '5', name: 'Crash' },
      scopes: ['api'],
      expiresAt: null,
      rateLimitRemaining: null,
      reason: 'ok',
    };
    await app.services.credentialCommit.commit({
      integration,
      actor: 'U0SEED',
      payload: { kind: 'tokens', identifier: null, tokens: [token] },
      validation: { outcome, tokens: [{ position: 1, fingerprint: `seed-${seeded}`, outcome }] },
      how: 'modal',
    });
    await app.services.alerts.resolve('integration:gitlab', { by: 'U0SEED', how: 're-authenticated', fixed: true });
  }

  it(`after ${SIZE.rotationKills} kills mid-rotation, the stored credential works or its alert is posted`, async () => {
    const setup = await restart();
    await seed(setup);
    await setup.stop(1_000);
    const violations: string[] = [];
    const counts = { rotated: 0, stillWorking: 0, revokedAndAlerted: 0, alertedAtNextProbe: 0 };
    let random = 5;
    for (let kill = 0; kill < SIZE.rotationKills; kill += 1) {
      const worker = await startKillableWorker('dist/test/adversarial/rotation-child.js', env);
      random = (random * 48271) % 2147483647;
      await new Promise((ok) => setTimeout(ok, random % 300)); // the kill's moment, not a synchronisation
      await worker.kill();
      // A request the worker sent before it died may still be answered (GitLab acts on it anyway).
      await providers.idle();
      counts.rotated += (worker.output().match(/^done rotated$/gm) ?? []).length;

      const app = await restart();
      try {
        const open = await app.store.rotations.open();
        if (open.length) violations.push(`after kill ${kill + 1}: ${open.length} attempts left open after start-up`);
        const current = await app.store.credentials.current('integration:gitlab');
        const payload = current?.sealedSecret ? unsealPayload(app.keyring, current, current.sealedSecret) : undefined;
        const token = payload?.kind === 'tokens' ? payload.tokens[0] : undefined;
        const status = token === undefined ? 'missing' : (providers.token(token)?.status ?? 'valid');
        const works = status === 'valid';
        let alert = await app.store.alerts.open('integration:gitlab');
        if (!works && !alert) {
          // The killed worker's request may reach GitLab after the restart checked the token: then the
          // next probe, within one monitor interval, finds it revoked and alerts.
          await app.monitor.runDue();
          alert = await app.store.alerts.open('integration:gitlab');
          if (alert?.messageTs) counts.alertedAtNextProbe += 1;
        }
        if (works) counts.stillWorking += 1;
        else if (alert?.messageTs) {
          counts.revokedAndAlerted += 1;
          await seed(app);
        } else {
          const own = new Database(env.DATABASE_PATH ?? '', { readonly: true });
          const attempts = JSON.stringify(
            own.prepare('select * from rotation_attempts order by id desc limit 3').all(),
          );
          own.close();
          violations.push(
            `after kill ${kill + 1}: the stored credential (version ${current?.version}) is revoked and no alert was posted (alert: ${JSON.stringify(alert)}, health: ${JSON.stringify(await app.store.health.of('gitlab'))}, attempts: ${attempts}, child: ${worker.output().slice(-200)})`,
          );
        }
      } finally {
        await app.stop(1_000);
      }
    }
    report('rotation-crash', { kills: SIZE.rotationKills, ...counts, inconsistencies: violations.length });
    expect(violations).toEqual([]);
    expect(counts.rotated).toBeGreaterThan(0);
  });
});
