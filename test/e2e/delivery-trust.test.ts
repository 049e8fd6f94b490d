import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVaultEmulator, type VaultEmulator } from '../../src/sandbox/sinks/vault-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sandbox/sinks/webhook-receiver.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { DELIVERY_ALERT_AFTER_MS } from '../../src/services/delivery/delivery-alerts.js';
import { openModal } from '../helpers/flows.js';
import { ALERTS, manualClock, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';

const HOOK_SECRET = `whsec_${Buffer.from('trust-hook-signing-secret-32-byt').toString('base64')}`;
const OTHER_SECRET = `whsec_${Buffer.from('other-hook-signing-secret-32-byt').toString('base64')}`;
const VAULT_TOKEN = 'hvs.TRUSTCANARYvaulttoken000001';
const INGEST = 'rct_TRUSTCANARYconsumerToken0000000000000001';
const WIDE = 'rct_TRUSTCANARYwideConsumerToken00000000001';
const URL_SECRET = 'QUERYCANARYsig0123456789';
const ACME = [
  'trustcanaryacmepatone0000000000000000000000000000000',
  'trustcanaryacmepattwo0000000000000000000000000000000',
  'trustcanaryacmepatthree00000000000000000000000000000',
];
const BETA = 'trustcanarybetapat0000000000000000000000000000000000';

/**
 * The defects an adversarial review of delivery reproduced, each driven through the product: the
 * catalogue edited and the server restarted, a rolling deploy's older file, a consumer granted and
 * removed without a restart, a sink address with a secret in its query string.
 */
describe('delivery you can trust', () => {
  let t: TestApp;
  let hook: WebhookReceiver;
  let other: WebhookReceiver;
  let vault: VaultEmulator;
  const clock = manualClock();
  let catalogue = '';
  let fileTarget = '';

  const pull = (id: string, token = INGEST, headers: Record<string, string> = {}) =>
    fetch(`${t.url}/v1/credentials/${id}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const deliverDue = () => t.deps.delivery.worker.runDue();
  const updates = (receiver: WebhookReceiver) =>
    receiver.received.filter((r) => r.payload?.type === 'credential.updated');
  async function reauth(id: string, token: string): Promise<void> {
    const call = await openModal(t, id, { userId: OWNER });
    await t.driver.submit(call.ref ?? '', { email: 'ops@acme.example', token }, { userId: OWNER });
  }
  const catalogueWith = (organization: string, extra = '', consumers = '') => `integrations:
  - id: ado-a
    name: ADO (A)
    provider: azure_devops
    auth: pat
    organization: ${organization}
    service: boards
    url: "${t.providers.baseUrl('azure_devops', organization)}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    deliver:
      - webhook: ${hook.url}?sig=${URL_SECRET}
        secret_env: HOOK_SECRET
        include_credential: true
      - vault: secret/data/ado-a
      - file: out/ado-a.json
${extra}consumers:
  - name: ingest
    token_sha256: ${sha256Hex(INGEST)}
    integrations: [ado-a]
${consumers}`;

  beforeAll(async () => {
    hook = await startWebhookReceiver(HOOK_SECRET);
    other = await startWebhookReceiver(OTHER_SECRET);
    vault = await startVaultEmulator();
    vault.addToken(VAULT_TOKEN);
    t = await startTestApp({
      clock,
      fastPathMs: 2000,
      env: { HOOK_SECRET, OTHER_SECRET, VAULT_ADDR: vault.url, VAULT_TOKEN },
      // Replaced once the emulators' URLs are known.
      catalogue: () => 'integrations: []\n',
    });
    catalogue = join(t.dir, 'integrations.yml');
    fileTarget = join(t.dir, 'out', 'ado-a.json');
    for (const token of ACME)
      t.providers.setToken(token, {
        provider: 'azure_devops',
        organization: 'acme',
        identity: { id: 'acme-bot', name: 'Acme Bot' },
      });
    t.providers.setToken(BETA, {
      provider: 'azure_devops',
      organization: 'beta',
      identity: { id: 'beta-bot', name: 'Beta Bot' },
    });
    writeFileSync(catalogue, catalogueWith('acme'));
    await t.restart();
  });
  afterAll(async () => {
    await t?.close();
    await hook?.close();
    await other?.close();
    await vault?.close();
  });

  it("never repeats a version when the credential key changes: the new organization's PAT is delivered everywhere and a stale ETag is refused", async () => {
    for (const token of ACME) {
      await reauth('ado-a', token);
      await deliverDue();
    }
    const before = await pull('ado-a');
    expect(await before.json()).toMatchObject({ version: 3, credential: { token: ACME[2] } });
    const staleTag = before.headers.get('etag') ?? '';
    expect(vault.read('secret', 'ado-a')).toMatchObject({ token: ACME[2], reauth_version: '3' });

    // The organization is edited: the integration's credential now lives under another key.
    writeFileSync(catalogue, catalogueWith('beta'));
    await t.restart();
    expect((await pull('ado-a')).status).toBe(404);
    await reauth('ado-a', BETA);
    await deliverDue();

    const after = await pull('ado-a', INGEST, { 'if-none-match': staleTag });
    expect(after.status).toBe(200);
    expect(await after.json()).toMatchObject({ version: 4, credential: { token: BETA } });
    expect(after.headers.get('etag')).not.toBe(staleTag);
    expect(JSON.parse(readFileSync(fileTarget, 'utf8'))).toMatchObject({ version: 4, credential: { token: BETA } });
    expect(vault.read('secret', 'ado-a')).toMatchObject({ token: BETA, reauth_version: '4' });
    expect(updates(hook).map((u) => (u.payload?.data as { version: number } | undefined)?.version)).toEqual([
      1, 2, 3, 4,
    ]);
    expect(updates(hook).at(-1)?.body).toContain(BETA);
    // Nothing was superseded on the way.
    expect(t.deps.db.$client.prepare("select count(*) n from deliveries where status = 'superseded'").get()).toEqual({
      n: 0,
    });
  });

  it("a replica with an older integrations.yml leaves a new sink's deliveries alone; only the catalogue sync cancels a removed sink", async () => {
    // A newer replica added a sink and queued a version for it (the row is what it writes).
    t.deps.db.$client
      .prepare(
        "insert into deliveries (integration_id, sink_key, type, message_id, data, status, attempts, next_attempt_at, created_at) values ('ado-a', 'file:/srv/new-sink.json', 'integration.failing', 'msg_newer_replica', '{}', 'pending', 0, ?, ?)",
      )
      .run(clock.now().getTime(), clock.now().getTime());
    await deliverDue();
    expect(
      t.deps.db.$client.prepare("select status, attempts from deliveries where message_id = 'msg_newer_replica'").get(),
    ).toEqual({ status: 'pending', attempts: 0 });
    // Restarting with a file that lists it no more than before: the sync cancels what the file does not list.
    await t.restart();
    expect(
      t.deps.db.$client
        .prepare("select status, last_error from deliveries where message_id = 'msg_newer_replica'")
        .get(),
    ).toEqual({ status: 'cancelled', last_error: 'the sink was removed from integrations.yml' });
  });

  it("labels a sink without its query string everywhere, and never tells one sink another's address", async () => {
    writeFileSync(
      catalogue,
      catalogueWith(
        'beta',
        `  - id: ado-other
    name: ADO (other)
    provider: azure_devops
    auth: pat
    organization: beta
    service: repos
    url: "${t.providers.baseUrl('azure_devops', 'beta')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
`,
      ).replace(
        '      - file: out/ado-a.json\n',
        `      - file: out/ado-a.json\n      - webhook: ${other.url}\n        secret_env: OTHER_SECRET\n`,
      ),
    );
    await t.restart();
    hook.setStatus(503);
    await reauth('ado-a', BETA);
    await deliverDue();
    clock.advance(DELIVERY_ALERT_AFTER_MS + 60_000);
    await deliverDue();
    await t.deps.delivery.alerts.sweep();
    await deliverDue();
    const failedEvent = other.received.find((r) => r.payload?.type === 'delivery.failed');
    expect(failedEvent?.payload?.data).toMatchObject({
      integration: 'ado-a',
      sink: 'deliver[0]',
      sink_kind: 'webhook',
    });
    expect(failedEvent?.body).not.toContain(hook.url.replace(/^https?:\/\//, ''));
    const alert = t.slack.messages.find((m) => m.channel === ALERTS && m.text.includes('not delivered'));
    expect(alert?.text).toContain('?…');
    const everything = [t.logs.text(), JSON.stringify(t.slack.calls), JSON.stringify(other.received)].join('\n');
    expect(everything).not.toContain(URL_SECRET);
    hook.setStatus(200);
  });

  it('reloads consumers when the file changes: a grant is audited and posted once in the channel, a removed consumer is refused at once', async () => {
    await t.restart();
    expect((await pull('ado-a', WIDE)).status).toBe(401);
    const posts = () =>
      t.slack.messages.filter((m) => m.channel === ALERTS && m.text.includes('wide-reader may now read ADO (A)'))
        .length;
    writeFileSync(
      catalogue,
      catalogueWith(
        'beta',
        '',
        `  - name: wide-reader\n    token_sha256: ${sha256Hex(WIDE)}\n    integrations: ["*"]\n`,
      ),
    );
    // SIGHUP (or the file watcher, which calls the same reload).
    expect(await t.deps.reloadConsumers()).toEqual({ ok: true, consumers: 2 });
    expect((await pull('ado-a', WIDE)).status).toBe(200);
    expect(posts()).toBe(1);
    expect((await t.deps.store.audit.list('ado-a')).find((a) => a.action === 'consumer.granted')).toMatchObject({
      actor: 'catalogue',
      outcome: 'granted',
      detail: { consumer: 'wide-reader' },
    });
    // A restart does not announce it again; a bad file keeps the consumers as they are.
    await t.restart();
    expect(posts()).toBe(1);
    writeFileSync(catalogue, 'integrations: [ {');
    expect(await t.deps.reloadConsumers()).toEqual({ ok: false, consumers: 2 });
    expect(t.logs.lines().some((l) => l.event === 'catalogue_reload_invalid')).toBe(true);
    writeFileSync(catalogue, catalogueWith('beta'));
    await t.deps.reloadConsumers();
    expect((await pull('ado-a', WIDE)).status).toBe(401);
    expect((await t.deps.store.audit.list('ado-a')).find((a) => a.action === 'consumer.revoked')).toMatchObject({
      detail: { consumer: 'wide-reader' },
    });
  });

  it('saving integrations.yml reloads the consumers without a signal', async () => {
    writeFileSync(
      catalogue,
      catalogueWith(
        'beta',
        '',
        `  - name: wide-reader\n    token_sha256: ${sha256Hex(WIDE)}\n    integrations: [ado-a]\n`,
      ),
    );
    await expect.poll(async () => (await pull('ado-a', WIDE)).status, { timeout: 10_000 }).toBe(200);
  });

  it('throttles failed authentication per source and logs it as one summary line per minute', async () => {
    clock.advance(61_000); // a fresh minute: earlier tests' failures are summarised at the first failure below
    const summaries = () => t.logs.lines().filter((l) => l.event === 'credential_read_unauthorised');
    const before = summaries().length;
    const statuses: number[] = [];
    for (let i = 0; i < 300; i += 1) statuses.push((await pull('ado-a', `rct_wrong${i}`)).status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(280);
    expect(summaries().length).toBeLessThanOrEqual(before + 1);
    clock.advance(61_000);
    expect((await pull('ado-a', 'rct_wrong-again')).status).toBe(401);
    const summary = summaries();
    expect(summary.length).toBeLessThanOrEqual(before + 2);
    expect(summary.at(-1)).toMatchObject({ failures: 20, throttled: 280, sources: 1 });
    // A consumer with its token is never held back by failures from the same address (a load balancer).
    for (let i = 0; i < 25; i += 1) await pull('ado-a', `rct_wrong-more${i}`);
    expect((await pull('ado-a')).status).toBe(200);
  });
});
