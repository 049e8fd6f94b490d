import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sinkKeyOf, type SinkSpec } from '../../../src/domain/delivery.js';
import { startVaultEmulator, type VaultEmulator } from '../../../src/sandbox/sinks/vault-emulator.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/sandbox/sinks/webhook-receiver.js';
import { createFileSender } from '../../../src/sinks/file.js';
import type { SinkMessage } from '../../../src/sinks/types.js';
import { createVaultSender } from '../../../src/sinks/vault.js';
import { createWebhookSender, webhookSecretProblem } from '../../../src/sinks/webhook.js';
import { tempDir } from '../../helpers/db.js';
import { testHttpClient } from '../../helpers/providers.js';

const SECRET = `whsec_${Buffer.from('a-test-signing-secret-32-bytes!!').toString('base64')}`;
const TOKEN = 'ATATT3xSINKCANARYtoken000000000001=AAAA';

function message(overrides: Partial<SinkMessage> = {}): SinkMessage {
  return {
    messageId: 'msg_test0001',
    type: 'credential.updated',
    createdAt: new Date('2026-11-29T17:40:00Z'),
    data: { integration: 'jira-acme', version: 3, fingerprint: 'fp3', actor: 'U0OWNER' },
    credential: { email: 'ops@acme.example', token: TOKEN },
    document: { integration: 'jira-acme', version: 3, credential: { email: 'ops@acme.example', token: TOKEN } },
    version: 3,
    fingerprint: 'fp3',
    ...overrides,
  };
}

const webhookSpec = (url: string, includeCredential: boolean): Extract<SinkSpec, { kind: 'webhook' }> => {
  const spec = { kind: 'webhook' as const, url, secretEnv: 'HOOK_SECRET', includeCredential };
  return { ...spec, key: sinkKeyOf(spec) };
};
const vaultSpec = (mount: string, path: string): Extract<SinkSpec, { kind: 'vault' }> => ({
  kind: 'vault',
  mount,
  path,
  key: sinkKeyOf({ kind: 'vault', mount, path }),
});

describe('webhook sink', () => {
  let receiver: WebhookReceiver;
  const http = testHttpClient();
  const send = createWebhookSender(http, (name) => (name === 'HOOK_SECRET' ? SECRET : undefined));
  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
  });
  afterAll(async () => {
    await receiver.close();
    await http.close();
  });

  it('signs per Standard Webhooks: the standardwebhooks package verifies id, timestamp and body', async () => {
    expect(await send(webhookSpec(receiver.url, true), message())).toEqual({ ok: true });
    const got = receiver.received.at(-1);
    expect(got?.verified).toBe(true);
    expect(got?.id).toBe('msg_test0001');
    expect(got?.signature).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    // Verified here again, independently of the receiver.
    const payload = new Webhook(SECRET).verify(got?.body ?? '', {
      'webhook-id': got?.id ?? '',
      'webhook-timestamp': got?.timestamp ?? '',
      'webhook-signature': got?.signature ?? '',
    }) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe('credential.updated');
    expect(payload.timestamp).toBe('2026-11-29T17:40:00.000Z');
    expect(payload.data).toMatchObject({ integration: 'jira-acme', version: 3, credential: { token: TOKEN } });
    // Another secret does not verify it.
    const other = new Webhook(`whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`);
    expect(() =>
      other.verify(got?.body ?? '', {
        'webhook-id': got?.id ?? '',
        'webhook-timestamp': got?.timestamp ?? '',
        'webhook-signature': got?.signature ?? '',
      }),
    ).toThrow();
  });

  it('leaves the credential out unless include_credential is set', async () => {
    await send(webhookSpec(receiver.url, false), message());
    const got = receiver.received.at(-1);
    expect(got?.verified).toBe(true);
    expect(got?.body).not.toContain(TOKEN);
    expect(got?.payload?.data).toMatchObject({ integration: 'jira-acme', version: 3, fingerprint: 'fp3' });
  });

  it('reports a refusal without the body, and an unset secret as needing a person', async () => {
    receiver.setStatus(503);
    const failed = await send(webhookSpec(receiver.url, true), message());
    receiver.setStatus(200);
    expect(failed).toEqual({ ok: false, error: 'the receiver answered HTTP 503', needsAttention: false });
    const unset = await createWebhookSender(http, () => undefined)(webhookSpec(receiver.url, true), message());
    expect(unset).toMatchObject({ ok: false, needsAttention: true });
    expect(JSON.stringify(unset)).not.toContain(TOKEN);
  });

  it('says which secrets cannot work', () => {
    expect(webhookSecretProblem(undefined)).toBe('is not set');
    expect(webhookSecretProblem('whsec_%%%')).toMatch(/not a whsec_/);
    expect(webhookSecretProblem(`whsec_${Buffer.from('short').toString('base64')}`)).toMatch(/too short/);
    expect(webhookSecretProblem(SECRET)).toBeUndefined();
  });
});

describe('Vault KV v2 emulator (what the sink is tested against)', () => {
  let vault: VaultEmulator;
  beforeAll(async () => {
    vault = await startVaultEmulator();
    vault.addToken('root-token');
    vault.addToken('ns-token', 'team-a');
  });
  afterAll(() => vault.close());

  const call = async (method: string, path: string, token: string, body?: unknown, namespace?: string) => {
    const res = await fetch(`${vault.url}${path}`, {
      method,
      headers: {
        'x-vault-token': token,
        ...(namespace ? { 'x-vault-namespace': namespace } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        data?: { data?: unknown; metadata?: { version: number }; version?: number };
        errors?: string[];
      },
    };
  };

  it('numbers versions from 1, honours cas (0 = only if absent) and answers a mismatch with 400', async () => {
    expect((await call('GET', '/v1/secret/data/emu/a', 'root-token')).status).toBe(404);
    const first = await call('POST', '/v1/secret/data/emu/a', 'root-token', {
      options: { cas: 0 },
      data: { token: 'one' },
    });
    expect(first).toMatchObject({ status: 200, body: { data: { version: 1 } } });
    expect(
      await call('POST', '/v1/secret/data/emu/a', 'root-token', { options: { cas: 0 }, data: { token: 'again' } }),
    ).toMatchObject({ status: 400, body: { errors: ['check-and-set parameter did not match the current version'] } });
    expect(
      (await call('POST', '/v1/secret/data/emu/a', 'root-token', { options: { cas: 1 }, data: { token: 'two' } })).body
        .data?.version,
    ).toBe(2);
    expect(await call('GET', '/v1/secret/data/emu/a', 'root-token')).toMatchObject({
      status: 200,
      body: { data: { data: { token: 'two' }, metadata: { version: 2 } } },
    });
  });

  it('refuses a bad token, and a token outside its namespace, with 403', async () => {
    expect(await call('GET', '/v1/secret/data/emu/a', 'wrong')).toMatchObject({
      status: 403,
      body: { errors: ['permission denied'] },
    });
    expect((await call('GET', '/v1/secret/data/emu/a', 'ns-token')).status).toBe(403);
    expect((await call('GET', '/v1/secret/data/emu/a', 'ns-token', undefined, 'team-a')).status).toBe(404);
    expect((await call('GET', '/v1/nomount/data/x', 'root-token')).status).toBe(404);
  });
});

describe('vault sink', () => {
  let vault: VaultEmulator;
  const http = testHttpClient();
  beforeAll(async () => {
    vault = await startVaultEmulator();
    vault.addToken('sink-token');
    vault.addToken('ns-sink-token', 'platform');
  });
  afterAll(async () => {
    await vault.close();
    await http.close();
  });
  const sender = (token = 'sink-token', namespace?: string) =>
    createVaultSender(http, () => ({ addr: vault.url, token, namespace }));

  it('writes the credential fields with reauth_version and fingerprint, using check-and-set', async () => {
    expect(await sender()(vaultSpec('secret', 'insights/jira-acme'), message())).toEqual({ ok: true });
    expect(vault.read('secret', 'insights/jira-acme')).toEqual({
      email: 'ops@acme.example',
      token: TOKEN,
      reauth_version: '3',
      fingerprint: 'fp3',
    });
    const post = vault.requests.find((r) => r.method === 'POST');
    expect(post?.body).toMatchObject({ options: { cas: 0 } });
  });

  it('re-reads and retries when another writer moved the version on (400 cas mismatch)', async () => {
    const spec = vaultSpec('secret', 'insights/race');
    vault.write('secret', 'insights/race', { token: 'someone-else' });
    let raced = false;
    // A writer that slips in between our read and our write, once.
    const racing = createVaultSender(
      {
        send: async (req) => {
          if (req.method === 'POST' && !raced) {
            raced = true;
            vault.write('secret', 'insights/race', { token: 'someone-else-again' });
          }
          return http.send(req);
        },
        close: async () => undefined,
      },
      () => ({ addr: vault.url, token: 'sink-token', namespace: undefined }),
    );
    expect(await racing(spec, message({ version: 4 }))).toEqual({ ok: true });
    expect(vault.versions('secret', 'insights/race').map((v) => v.version)).toEqual([1, 2, 3]);
    expect(vault.read('secret', 'insights/race')).toMatchObject({ reauth_version: '4' });
    expect(vault.requests.filter((r) => r.path.endsWith('insights/race') && r.status === 400)).toHaveLength(1);
  });

  it('does not write again what is there already, nor an older version over a newer one', async () => {
    const spec = vaultSpec('secret', 'insights/idem');
    await sender()(spec, message({ version: 5 }));
    expect(await sender()(spec, message({ version: 5 }))).toMatchObject({ ok: true, note: 'already there' });
    expect(await sender()(spec, message({ version: 4 }))).toMatchObject({ ok: true });
    expect(vault.versions('secret', 'insights/idem')).toHaveLength(1);
  });

  it('treats 403 as a configuration problem for a person, and sends X-Vault-Namespace', async () => {
    const refused = await sender('revoked-token')(vaultSpec('secret', 'insights/x'), message());
    expect(refused).toMatchObject({ ok: false, needsAttention: true });
    expect(refused.ok ? '' : refused.error).toMatch(/Vault refused the token \(403\).*VAULT_TOKEN/);
    expect(await sender('ns-sink-token', 'platform')(vaultSpec('secret', 'ns/y'), message())).toEqual({ ok: true });
    expect(vault.read('secret', 'ns/y', 'platform')).toMatchObject({ token: TOKEN });
    expect(vault.read('secret', 'ns/y')).toBeUndefined();
  });

  it('retries later when Vault is down, and names a missing mount', async () => {
    vault.setDown(true);
    expect(await sender()(vaultSpec('secret', 'insights/down'), message())).toMatchObject({
      ok: false,
      needsAttention: false,
      error: expect.stringContaining('HTTP 503'),
    });
    vault.setDown(false);
    expect(await sender()(vaultSpec('kv-missing', 'a'), message())).toMatchObject({
      ok: false,
      needsAttention: true,
      error: expect.stringContaining('no KV v2 mount'),
    });
  });
});

describe('file sink', () => {
  it('writes the pull body atomically with mode 0600, replacing the previous file', async () => {
    const dir = tempDir();
    try {
      const target = join(dir.path, 'nested', 'jira-acme.json');
      const send = createFileSender();
      const spec = { kind: 'file' as const, path: target, key: sinkKeyOf({ kind: 'file', path: target }) };
      expect(await send(spec, message())).toEqual({ ok: true });
      expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual(message().document);
      expect(statSync(target).mode & 0o777).toBe(0o600);
      // A temporary file a killed writer left is cleaned up by the next write.
      writeFileSync(join(dir.path, 'nested', '.jira-acme.json.999.abc.reauth-tmp'), '{"half":');
      expect(await send(spec, message({ document: { version: 4 } }))).toEqual({ ok: true });
      expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ version: 4 });
      expect(statSync(target).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir.path, 'nested'))).toEqual(['jira-acme.json']);
    } finally {
      dir.cleanup();
    }
  });

  it('fails and says why when its folder cannot be made (a file is in the way)', async () => {
    const dir = tempDir();
    try {
      writeFileSync(join(dir.path, 'not-a-folder'), 'x');
      const target = join(dir.path, 'not-a-folder', 'out.json');
      const result = await createFileSender()({ kind: 'file', path: target, key: `file:${target}` }, message());
      expect(result).toMatchObject({ ok: false, needsAttention: true });
      expect(JSON.stringify(result)).not.toContain(TOKEN);
    } finally {
      dir.cleanup();
    }
  });
});
