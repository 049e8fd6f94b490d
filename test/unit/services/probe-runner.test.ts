import { describe, expect, it } from 'vitest';
import type { CatalogueFields } from '../../../src/db/store.js';
import { createLogger } from '../../../src/logger.js';
import { createKeyedLock } from '../../../src/keyed-lock.js';
import { createProbeRunner } from '../../../src/services/monitor/probe-runner.js';
import type { Prober, ProbeResult } from '../../../src/services/probe.js';
import { memoryStore, catalogueFields } from '../../helpers/db.js';
import { manualClock } from '../../helpers/start-app.js';

const fields = (id: string, provider: 'gitlab' | 'github'): CatalogueFields =>
  catalogueFields(id, { provider, url: `https://${provider}.example` });

describe('the probe runner', () => {
  it('never lets probes queued for a busy provider hold the slots another provider could use', async () => {
    const store = memoryStore();
    const clock = manualClock();
    const ids: [string, 'gitlab' | 'github'][] = [
      ['g1', 'gitlab'],
      ['g2', 'gitlab'],
      ['g3', 'gitlab'],
      ['h1', 'github'],
    ];
    await store.integrations.applySync(
      {
        add: ids.map(([id, provider]) => ({
          id,
          values: fields(id, provider),
          audit: { actor: 'test', action: 'add', outcome: 'ok' },
        })),
        update: [],
        archive: [],
        bindings: [],
      },
      clock.now(),
    );
    // Every group is due now.
    for (const [id] of ids)
      await store.health.save({
        integrationId: id,
        status: 'healthy',
        nextProbeAt: clock.now(),
        lastCheckedAt: clock.now(),
      });

    const started: string[] = [];
    const gates: (() => void)[] = [];
    let hold = true;
    const probe: Prober = async (subject) => {
      started.push(subject.id);
      if (hold) await new Promise<void>((resolve) => gates.push(resolve));
      return {
        probed: true,
        outcome: {
          kind: 'valid',
          identity: { id: '1' },
          scopes: null,
          expiresAt: null,
          rateLimitRemaining: null,
          reason: 'ok',
        },
        tokens: [],
        credential: undefined,
      } as ProbeResult;
    };
    const runner = createProbeRunner({
      store,
      probe,
      health: { apply: async () => 'healthy' },
      clock,
      logger: createLogger({ level: 'silent' }),
      probeLock: createKeyedLock(),
      intervalMs: 60_000,
      concurrency: 2,
      providerConcurrency: { gitlab: 1, github: 1 },
      random: () => 0.5,
    });
    const sweep = runner.runDue();
    // GitLab's one slot is taken by g1; the second global slot goes to GitHub, not to g2 waiting for GitLab.
    await expect.poll(() => started.length).toBe(2);
    expect(started.sort()).toEqual(['g1', 'h1']);
    hold = false;
    for (const release of gates) release();
    expect(await sweep).toBe(4);
    expect(started.slice(2).sort()).toEqual(['g2', 'g3']);
  });
});
