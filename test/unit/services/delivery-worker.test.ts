import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { sinkKeyOf, type SinkSpec } from '../../../src/domain/delivery.js';
import { createLogger } from '../../../src/logger.js';
import { FIRST_RETRY_MS, MAX_RETRY_MS, retryDelayMs } from '../../../src/services/delivery/backoff.js';
import { createOutboxPlanner } from '../../../src/services/delivery/outbox.js';
import { createDeliveryWorker } from '../../../src/services/delivery/worker.js';
import { createKeyedLock } from '../../../src/services/keyed-lock.js';
import { createReauthService } from '../../../src/services/reauthenticate.js';
import type { SinkMessage, SinkResult, SinkSenders } from '../../../src/sinks/types.js';
import { memoryStore } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';
import { manualClock } from '../../helpers/start-app.js';

describe('delivery back-off', () => {
  it('starts at 10 s, doubles, never exceeds 1 h, and is jittered by at most ±20 %', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (failures, r) => {
        const delay = retryDelayMs(failures, () => r);
        const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.min(MAX_RETRY_MS, Math.ceil(base * 1.2)));
      }),
    );
    expect(retryDelayMs(1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(20_000);
    expect(retryDelayMs(30, () => 0.5)).toBe(MAX_RETRY_MS);
  });
});

describe('the delivery worker', () => {
  const file = (path: string): SinkSpec => ({ kind: 'file', path, key: sinkKeyOf({ kind: 'file', path }) });

  async function setup(sinks: SinkSpec[]) {
    const store = memoryStore();
    const clock = manualClock(new Date('2026-11-29T12:00:00Z'));
    const keyring = createKeyring(newKey());
    await store.integrations.applySync(
      {
        add: [{ id: 'jira-acme', values: { name: 'Jira', provider: 'jira', authType: 'api_key', url: 'https://acme.atlassian.net', organization: null, service: null, accountId: null, repository: null, channel: null, owners: [], credentialKey: 'integration:jira-acme' }, audit: { actor: 'test', action: 'add', outcome: 'ok' } }],
        update: [],
        archive: [],
        bindings: [],
      },
      clock.now(),
    );
    const sinksOf = () => sinks;
    const received: SinkMessage[] = [];
    let answer: SinkResult = { ok: true };
    const record = async (_spec: unknown, message: SinkMessage) => {
      received.push(message);
      return answer;
    };
    const senders: SinkSenders = { webhook: record, vault: record, file: record };
    const worker = createDeliveryWorker({ store, keyring, senders, sinksOf, clock, logger: createLogger({ level: 'silent' }), random: () => 0.5 });
    const reauth = createReauthService({ store, keyring, http: { send: async () => ({ kind: 'network_error', reason: 'unused', label: '' }), close: async () => undefined }, clock, logger: createLogger({ level: 'silent' }), authoriser: { canManage: async () => true }, credentialLock: createKeyedLock(), outbox: createOutboxPlanner({ sinksOf, keyring }) });
    const integration = await store.integrations.findActive('jira-acme');
    const commit = async (token: string) => {
      const outcome = { kind: 'valid' as const, identity: { id: '1' }, scopes: null, expiresAt: null, rateLimitRemaining: null, reason: 'ok' };
      return reauth.commit({ integration: integration!, actor: 'U0OWNER', payload: { kind: 'tokens', identifier: 'a@b.c', tokens: [token] }, validation: { outcome, tokens: [{ position: 1, fingerprint: `fp-${token}`, outcome }] }, how: 'modal' });
    };
    return { store, clock, worker, commit, received, fail: (r: SinkResult) => void (answer = r) };
  }

  it('never delivers an older version after a newer one: a version a sink already has newer than is superseded', async () => {
    const sink = file('/tmp/a.json');
    const t = await setup([sink]);
    await t.commit('one');
    await t.commit('two');
    // Version 2 reaches the sink first (say, another worker took it): version 1 must not follow.
    const rows = await t.store.deliveries.forCredential((await t.store.credentials.current('integration:jira-acme'))!.id);
    await t.store.deliveries.delivered(rows[0]!.id, t.clock.now());
    expect(await t.worker.runDue()).toBe(1);
    expect(t.received).toEqual([]);
    const [sinkRows] = await t.store.deliveries.sinkRows(['jira-acme']);
    expect(sinkRows?.head).toBeUndefined();
    expect(await t.store.deliveries.pendingCount()).toBe(0);
  });

  it('holds a sink\'s later versions behind a failing one, and retries it after the back-off', async () => {
    const t = await setup([file('/tmp/b.json')]);
    t.fail({ ok: false, error: 'down', needsAttention: false });
    await t.commit('one');
    await t.commit('two');
    await t.worker.runDue();
    expect(t.received.map((m) => m.version)).toEqual([1]);
    t.clock.advance(9_000);
    await t.worker.runDue();
    expect(t.received).toHaveLength(1);
    t.fail({ ok: true });
    t.clock.advance(2_000);
    await t.worker.runDue();
    expect(t.received.map((m) => m.version)).toEqual([1, 1, 2]);
    expect(t.received[0]?.messageId).toBe(t.received[1]?.messageId);
  });

  it('a failure only a person can fix waits an hour, not 10 s', async () => {
    const t = await setup([file('/tmp/c.json')]);
    t.fail({ ok: false, error: 'Vault refused the token (403)', needsAttention: true });
    await t.commit('one');
    await t.worker.runDue();
    const [rows] = await t.store.deliveries.sinkRows(['jira-acme']);
    expect(rows?.head?.nextAttemptAt.getTime()).toBe(t.clock.now().getTime() + MAX_RETRY_MS);
    expect(rows?.head?.needsAttention).toBe(true);
  });

  it('cancels what is queued for a sink removed from the file', async () => {
    const sinks = [file('/tmp/d.json')];
    const t = await setup(sinks);
    await t.commit('one');
    sinks.length = 0;
    await t.worker.runDue();
    expect(t.received).toEqual([]);
    expect(await t.store.deliveries.pendingCount()).toBe(0);
  });
});
