import { describe, expect, it } from 'vitest';
import { parseCatalogue } from '../../../src/catalogue/parse.js';
import { syncCatalogue } from '../../../src/catalogue/sync.js';
import { createLogger } from '../../../src/logger.js';
import { createHousekeeping } from '../../../src/services/housekeeping.js';
import { memoryStore } from '../../helpers/db.js';
import { manualClock } from '../../helpers/start-app.js';

const DAY = 86_400_000;

describe('the audit log is pruned past AUDIT_RETENTION_DAYS', () => {
  async function logWith(ages: readonly number[], retentionDays: number) {
    const clock = manualClock(new Date('2026-12-07T00:00:00Z'));
    const store = memoryStore(clock);
    for (const days of ages)
      await store.audit.record(
        { actor: 'U0OWNER', integrationId: 'a', action: 'reauth.modal', outcome: 'success', detail: { days } },
        new Date(clock.now().getTime() - days * DAY),
      );
    const housekeeping = createHousekeeping({
      store,
      clock,
      logger: createLogger({ level: 'silent' }),
      auditRetentionDays: retentionDays,
    });
    const left = async () =>
      (await store.audit.list()).map((r) => (r.detail as { days: number }).days).sort((a, b) => a - b);
    return { store, clock, housekeeping, left };
  }

  it('rows older than the retention are deleted by the daily sweep; newer ones stay', async () => {
    const { housekeeping, left, store, clock } = await logWith([0, 1, 399, 401, 800], 400);
    await housekeeping.sweep();
    expect(await left()).toEqual([0, 1, 399]);
    // Once a day: a row that ages past the retention within the day waits for the next day's sweep.
    await store.audit.record(
      { actor: 'U0OWNER', integrationId: 'a', action: 'reauth.modal', outcome: 'success', detail: { days: 405 } },
      new Date(clock.now().getTime() - 405 * DAY),
    );
    clock.advance(60 * 60 * 1000);
    await housekeeping.sweep();
    expect(await left()).toEqual([0, 1, 399, 405]);
    clock.advance(DAY);
    await housekeeping.sweep();
    // A day later: the 405-day row is gone, and so is the one that has now passed 400 days.
    expect(await left()).toEqual([0, 1]);
  });

  it('AUDIT_RETENTION_DAYS=0 keeps every row', async () => {
    const { housekeeping, left } = await logWith([0, 401, 5000], 0);
    await housekeeping.sweep();
    expect(await left()).toEqual([0, 401, 5000]);
  });

  it('deletes in batches, however many rows are due', async () => {
    const { housekeeping, left, store, clock } = await logWith([], 400);
    const old = new Date(clock.now().getTime() - 500 * DAY);
    await Promise.all(
      Array.from({ length: 12_000 }, (_, i) =>
        store.audit.record(
          { actor: 'x', integrationId: 'a', action: 'a', outcome: 'o', detail: { days: 500 + i } },
          old,
        ),
      ),
    );
    await housekeeping.sweep();
    expect(await left()).toEqual([]);
  });
});

describe('links to the secret-entry page are forgotten a day after they expired', () => {
  it('looked for once a minute: a link past its day waits for the next minute, a live one stays', async () => {
    const clock = manualClock(new Date('2026-12-07T00:00:00Z'));
    const store = memoryStore(clock);
    const link = (linkHash: string, expiredAgoMs: number) =>
      store.secretForms.insert({
        linkHash,
        integrationId: 'a',
        slackUserId: 'U0OWNER',
        requestedByName: null,
        createdAt: new Date(clock.now().getTime() - expiredAgoMs - 600_000),
        expiresAt: new Date(clock.now().getTime() - expiredAgoMs),
      });
    const catalogue = parseCatalogue('integrations:\n  - { id: a, provider: gitlab, auth: pat }\n');
    if (!catalogue.ok) throw new Error('catalogue');
    await syncCatalogue(store, catalogue.entries, clock.now());
    expect(await link('old', DAY + 1)).toBe(true);
    expect(await link('old', DAY + 1)).toBe(false);
    await link('recent', DAY - 30_000);
    await link('live', -600_000);
    const housekeeping = createHousekeeping({
      store,
      clock,
      logger: createLogger({ level: 'silent' }),
      auditRetentionDays: 0,
    });
    const kept = async () =>
      (
        await Promise.all(['old', 'recent', 'live'].map(async (h) => ((await store.secretForms.find(h)) ? h : '')))
      ).filter(Boolean);
    await housekeeping.sweep();
    expect(await kept()).toEqual(['recent', 'live']);
    clock.advance(40_000);
    await housekeeping.sweep();
    expect(await kept()).toEqual(['recent', 'live']);
    clock.advance(20_000);
    await housekeeping.sweep();
    expect(await kept()).toEqual(['live']);
  });
});
