import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createKeyring } from '../../../src/crypto/keyring.js';
import { sinkKeyOf, type SinkSpec } from '../../../src/domain/delivery.js';
import { createLogger } from '../../../src/logger.js';
import { FIRST_RETRY_MS, MAX_RETRY_MS, retryDelayMs } from '../../../src/services/delivery/backoff.js';
import { createOutboxPlanner } from '../../../src/services/delivery/outbox.js';
import { createDeliveryWorker, MAX_AGE_MS, MAX_ATTEMPTS } from '../../../src/services/delivery/worker.js';
import { MAX_PENDING_EVENTS_PER_SINK } from '../../../src/services/delivery/events.js';
import { createKeyedLock } from '../../../src/keyed-lock.js';
import { createCredentialCommit } from '../../../src/services/credential-commit.js';
import type { SinkMessage, SinkResult, SinkSenders } from '../../../src/sinks/types.js';
import { memoryStore, catalogueFields } from '../../helpers/db.js';
import { newKey } from '../../helpers/keys.js';
import { manualClock } from '../../helpers/start-app.js';

describe('delivery back-off', () => {
  it('starts at 10 s, doubles, never exceeds 1 h, and is jittered by at most ±20 %', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (failures, r) => {
          const delay = retryDelayMs(failures, () => r);
          const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (failures - 1));
          expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
          expect(delay).toBeLessThanOrEqual(Math.min(MAX_RETRY_MS, Math.ceil(base * 1.2)));
        },
      ),
    );
    expect(retryDelayMs(1, () => 0.5)).toBe(10_000);
    expect(retryDelayMs(2, () => 0.5)).toBe(20_000);
    expect(retryDelayMs(30, () => 0.5)).toBe(MAX_RETRY_MS);
  });
});

describe('the delivery worker', () => {
  const file = (path: string): SinkSpec => ({ kind: 'file', path, key: sinkKeyOf({ kind: 'file', path }) });

  async function setup(
    sinks: SinkSpec[],
    options: { worker?: Partial<Parameters<typeof createDeliveryWorker>[0]> } = {},
  ) {
    const clock = manualClock(new Date('2026-11-29T12:00:00Z'));
    const store = memoryStore(clock);
    const keyring = createKeyring(newKey());
    await store.integrations.applySync(
      {
        add: [
          {
            id: 'jira-acme',
            values: catalogueFields('jira-acme', {
              name: 'Jira',
              provider: 'jira',
              authType: 'api_key',
              url: 'https://acme.atlassian.net',
            }),
            audit: { actor: 'test', action: 'add', outcome: 'ok' },
          },
        ],
        update: [],
        archive: [],
        bindings: [],
      },
      clock.now(),
    );
    const sinksOf = () => sinks;
    const received: (SinkMessage & { sink: string })[] = [];
    let answer: SinkResult = { ok: true };
    const gates = new Map<string, Promise<void>>();
    const signals: AbortSignal[] = [];
    const record = async (spec: SinkSpec, message: SinkMessage, signal?: AbortSignal) => {
      if (signal) signals.push(signal);
      await gates.get(spec.key);
      if (signal?.aborted) return { ok: false as const, error: 'aborted', needsAttention: false };
      received.push({ ...message, sink: spec.key });
      return answer;
    };
    const senders: SinkSenders = { webhook: record, vault: record, file: record };
    const worker = createDeliveryWorker({
      store,
      keyring,
      senders,
      sinksOf,
      clock,
      logger: createLogger({ level: 'silent' }),
      random: () => 0.5,
      ...options.worker,
    });
    const reauth = createCredentialCommit({
      store,
      keyring,
      clock,
      logger: createLogger({ level: 'silent' }),
      credentialLock: createKeyedLock(),
      outbox: createOutboxPlanner({ sinksOf, keyring }),
    });
    const integration = await store.integrations.findActive('jira-acme');
    const commit = async (token: string) => {
      const outcome = {
        kind: 'valid' as const,
        identity: { id: '1' },
        scopes: null,
        expiresAt: null,
        rateLimitRemaining: null,
        reason: 'ok',
      };
      return reauth.commit({
        integration: integration!,
        actor: 'U0OWNER',
        payload: { kind: 'tokens', identifier: 'a@b.c', tokens: [token] },
        validation: { outcome, tokens: [{ position: 1, fingerprint: `fp-${token}`, outcome }] },
        how: 'modal',
      });
    };
    /** Holds a sink's sender until the returned function is called. */
    const hold = (sinkKey: string): (() => void) => {
      let open!: () => void;
      gates.set(sinkKey, new Promise<void>((resolve) => (open = resolve)));
      return () => {
        gates.delete(sinkKey);
        open();
      };
    };
    return {
      store,
      clock,
      worker,
      commit,
      received,
      hold,
      signals,
      keyring,
      sinksOf,
      fail: (r: SinkResult) => void (answer = r),
    };
  }

  it('never delivers an older version after a newer one: a version a sink already has newer than is superseded', async () => {
    const sink = file('/tmp/a.json');
    const t = await setup([sink]);
    await t.commit('one');
    await t.commit('two');
    // Version 2 reaches the sink first (another worker took it): version 1 must not follow.
    t.store.db.$client.prepare("update deliveries set status = 'delivered' where version = 2").run();
    expect(await t.worker.runDue()).toBe(1);
    expect(t.received).toEqual([]);
    const [sinkRows] = await t.store.deliveries.sinkRows(['jira-acme']);
    expect(sinkRows?.head).toBeUndefined();
    expect(await t.store.deliveries.pendingCount()).toBe(0);
  });

  it("holds a sink's later versions behind a failing one, and retries it after the back-off", async () => {
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

  it('leaves messages for a sink it does not know (a replica with an older integrations.yml), uncounted, for one that knows it', async () => {
    const sinks = [file('/tmp/d.json')];
    const t = await setup(sinks);
    await t.commit('one');
    const old = createDeliveryWorker({
      store: t.store,
      keyring: t.keyring,
      senders: {
        webhook: async () => ({ ok: true }),
        vault: async () => ({ ok: true }),
        file: async () => ({ ok: true }),
      },
      sinksOf: () => [],
      clock: t.clock,
      logger: createLogger({ level: 'silent' }),
      random: () => 0.5,
    });
    expect(await old.runDue()).toBe(0);
    const [waiting] = await t.store.deliveries.forCredential(
      (await t.store.credentials.current('integration:jira-acme'))!.id,
    );
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0, leaseToken: null });
    t.clock.advance(31_000);
    await t.worker.runDue();
    expect(t.received.map((m) => m.version)).toEqual([1]);
    expect(await t.store.deliveries.pendingCount()).toBe(0);
  });

  it('counts an attempt when it is claimed, so one that crashed the process still backs off', async () => {
    const t = await setup([file('/tmp/e.json')]);
    await t.commit('one');
    // A worker claims it and dies: the attempt is already counted and the lease runs out on its own.
    const [claimed] = await t.store.deliveries.claimDue(1, 120_000);
    expect(claimed).toMatchObject({ attempts: 1 });
    t.clock.advance(60_000);
    expect(await t.worker.runDue()).toBe(0);
    t.clock.advance(61_000);
    await t.worker.runDue();
    expect(t.received.map((m) => m.version)).toEqual([1]);
    expect((await t.store.deliveries.forCredential(claimed!.credentialId!))[0]).toMatchObject({
      status: 'delivered',
      attempts: 2,
    });
  });

  it('only the lease holder records an outcome: a worker whose lease lapsed and was taken cannot finish it', async () => {
    const t = await setup([file('/tmp/f.json')]);
    await t.commit('one');
    const [first] = await t.store.deliveries.claimDue(1, 1_000);
    t.clock.advance(2_000);
    const [second] = await t.store.deliveries.claimDue(1, 60_000);
    expect(second?.id).toBe(first?.id);
    expect(await t.store.deliveries.delivered({ id: first!.id, token: first!.leaseToken })).toBe(false);
    expect(
      await t.store.deliveries.failed(
        { id: first!.id, token: first!.leaseToken },
        { error: 'x', needsAttention: false, retryInMs: 1 },
      ),
    ).toBe(false);
    expect(await t.store.deliveries.extendLease({ id: first!.id, token: first!.leaseToken }, 60_000)).toBe(false);
    expect(await t.store.deliveries.delivered({ id: second!.id, token: second!.leaseToken })).toBe(true);
  });

  it('abandons an attempt that outlives its lease, so a second sender is never running beside it', async () => {
    const sink = file('/tmp/g.json');
    const t = await setup([sink], { worker: { leaseMs: 1_000, renewMs: 5 } });
    await t.commit('one');
    const open = t.hold(sink.key);
    const run = t.worker.runDue();
    // While the slow attempt runs, its lease lapses (the clock jumps) and another worker takes the message.
    await vi.waitFor(() => expect(t.signals).toHaveLength(1));
    t.clock.advance(5_000);
    const [taken] = await t.store.deliveries.claimDue(1, 60_000);
    expect(taken).toBeDefined();
    // The first worker's next renewal finds the lease gone and aborts its send.
    await vi.waitFor(() => expect(t.signals[0]?.aborted).toBe(true));
    open();
    await run;
    expect(t.received).toEqual([]);
    expect(await t.store.deliveries.delivered({ id: taken!.id, token: taken!.leaseToken })).toBe(true);
  });

  it('gives a message up after 25 attempts, keeps it visible, and sends it again with --retry-dead', async () => {
    const t = await setup([file('/tmp/h.json')]);
    t.fail({ ok: false, error: 'HTTP 500', needsAttention: false });
    await t.commit('one');
    for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
      await t.worker.runDue();
      t.clock.advance(MAX_RETRY_MS);
    }
    expect(t.received).toHaveLength(MAX_ATTEMPTS);
    const [rows] = await t.store.deliveries.sinkRows(['jira-acme']);
    expect(rows?.head).toBeUndefined();
    expect(rows?.dead).toHaveLength(1);
    expect(rows?.dead[0]).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
    expect(rows?.dead[0]?.sealedCredential).not.toBeNull();
    expect(rows?.dead[0]?.lastError).toMatch(/given up after 25 attempts.*HTTP 500/);
    expect(await t.store.deliveries.deadCount()).toBe(1);
    t.fail({ ok: true });
    expect(await t.store.deliveries.retryDead()).toBe(1);
    await t.worker.runDue();
    expect(t.received.at(-1)?.version).toBe(1);
    expect(await t.store.deliveries.deadCount()).toBe(0);
  });

  it('gives up on a message older than 3 days even before 25 attempts', async () => {
    const t = await setup([file('/tmp/i.json')]);
    t.fail({ ok: false, error: 'HTTP 502', needsAttention: true });
    await t.commit('one');
    await t.worker.runDue();
    t.clock.advance(MAX_AGE_MS);
    await t.worker.runDue();
    expect(t.received).toHaveLength(2);
    expect((await t.store.deliveries.sinkRows(['jira-acme']))[0]?.dead).toHaveLength(1);
  });

  it('a slow sink never holds up the others: each sink is claimed as a slot frees', async () => {
    const sinks = Array.from({ length: 10 }, (_, i) => file(`/tmp/pool-${i}.json`));
    const t = await setup(sinks);
    const open = t.hold(sinks[0]!.key);
    await t.commit('one');
    const run = t.worker.runDue();
    // Nine other sinks are delivered while the first one is still in flight (batches of 8 waited for it).
    await vi.waitFor(() =>
      expect(t.received.map((m) => m.sink).sort()).toEqual(
        sinks
          .slice(1)
          .map((s) => s.key)
          .sort(),
      ),
    );
    open();
    await run;
    expect(t.received).toHaveLength(10);
  });

  it('keeps at most 100 events waiting for a sink that stays down, dropping the oldest and counting them', async () => {
    const webhook: SinkSpec = {
      kind: 'webhook',
      url: 'https://hooks.example/x',
      secretEnv: 'X',
      includeCredential: false,
      key: 'webhook:https://hooks.example/x',
    };
    const t = await setup([webhook]);
    const planner = createOutboxPlanner({ sinksOf: t.sinksOf, keyring: t.keyring });
    let dropped = 0;
    for (let i = 0; i < 130; i += 1) {
      dropped += await t.store.deliveries.enqueue(
        planner.events([{ id: 'jira-acme' }], 'integration.failing', () => ({ n: i }), t.clock.now()),
        MAX_PENDING_EVENTS_PER_SINK,
      );
    }
    await t.commit('one');
    expect(dropped).toBe(30);
    expect(await t.store.deliveries.pendingCount()).toBe(101);
    const head = await t.store.deliveries.head('jira-acme', webhook.key);
    expect(head?.data).toMatchObject({ n: 30 });
  });
});
