import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { BOT_TOKEN, freePort, OWNER, SIGNING_SECRET } from '../helpers/start-app.js';
import { BUILT } from '../helpers/build.js';

const SLOW = 'glpat-ShutdownSlowToken012345';

/** SIGTERM on the real entry point in its own process, with a slow validation in flight. */
describe('graceful shutdown', () => {
  const build = BUILT;
  let slack: SlackEmulator;
  let providers: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;

  beforeAll(async () => {
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addUser(OWNER);
    providers = await startProviderEmulator();
    dir = tempDir();
  }, 120_000);
  afterAll(async () => {
    await slack?.close();
    await providers?.close();
    dir?.cleanup();
  });

  async function startServer(name: string): Promise<{
    child: ChildProcess;
    url: string;
    driver: SlackDriver;
    exit: Promise<number | null>;
    output: () => string;
    db: string;
    catalogue: string;
  }> {
    const port = await freePort();
    const catalogue = join(dir.path, `${name}.yml`);
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", owners: [U0OWNER] }\n`,
    );
    const db = join(dir.path, `${name}.db`);
    const child = spawn(process.execPath, [join(build, 'dist/bundle/main.mjs')], {
      env: {
        ...process.env,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        DATABASE_PATH: db,
        INTEGRATIONS_FILE: catalogue,
        REAUTH_SECRET_KEY: newKeyText(),
        HEALTH_CHECK_INTERVAL_SECONDS: '0',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exit = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    const url = `http://127.0.0.1:${port}`;
    await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).status).toBe(200), {
      timeout: 20_000,
      interval: 50,
    });
    return {
      child,
      url,
      driver: createSlackDriver({ appUrl: url, signingSecret: SIGNING_SECRET, slack }),
      exit,
      output: () => output,
      db,
      catalogue,
    };
  }

  /** Opens the form and submits a token the provider answers slowly: it is still validating after the ack. */
  async function slowSubmission(server: Awaited<ReturnType<typeof startServer>>) {
    const before = slack.callsOf('views.open').length;
    await server.driver.command('gitlab', { userId: OWNER });
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(before + 1));
    const viewId = slack.callsOf('views.open').at(-1)?.ref ?? '';
    const submitted = await server.driver.submit(viewId, { token: SLOW }, { userId: OWNER });
    expect(JSON.stringify(submitted.json)).toContain('Validating');
    return viewId;
  }

  it('SIGHUP (and saving the file) reads the consumers of integrations.yml again, without a restart', async () => {
    const server = await startServer('reload');
    const token = 'rct_ShutdownReloadConsumerToken0000000001';
    const read = () => fetch(`${server.url}/v1/credentials/gitlab`, { headers: { authorization: `Bearer ${token}` } });
    expect((await read()).status).toBe(401);
    const reloads = () => (server.output().match(/"event":"consumers_reloaded"/g) ?? []).length;
    const { createHash } = await import('node:crypto');
    writeFileSync(
      server.catalogue,
      `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", owners: [U0OWNER] }\nconsumers:\n  - { name: ingest, token_sha256: ${createHash('sha256').update(token).digest('hex')}, integrations: [gitlab] }\n`,
    );
    await vi.waitFor(() => expect(reloads()).toBe(1), { timeout: 10_000, interval: 50 }); // the file watcher
    // Known now (404: no credential yet, instead of 401).
    expect((await read()).status).toBe(404);
    server.child.kill('SIGHUP');
    await vi.waitFor(() => expect(reloads()).toBe(2), { timeout: 10_000, interval: 50 });
    expect(server.output()).toContain('"event":"consumer_granted"');
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(0);
  }, 60_000);

  it('SIGTERM: /healthz is 503 at once, new requests are told to try again, the validation in flight finishes, exit 0', async () => {
    providers.setToken(SLOW, {
      provider: 'gitlab',
      scopes: ['read_api'],
      identity: { id: '1', name: 'Jane Doe', username: 'jane' },
      status: 'slow',
      delayMs: 4_000,
    });
    const server = await startServer('graceful');
    const viewId = await slowSubmission(server);
    server.child.kill('SIGTERM');
    await vi.waitFor(async () => expect((await fetch(`${server.url}/healthz`)).status).toBe(503), {
      timeout: 2_000,
      interval: 20,
    });
    const during = await server.driver.command('gitlab', { userId: OWNER });
    expect(during.json).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('restarting') });
    expect(await server.exit).toBe(0);
    // The validation finished before the exit: the modal shows the result and the credential is stored.
    expect(
      slack
        .callsOf('views.update')
        .some((c) => c.args.view_id === viewId && JSON.stringify(c.args.view).includes('is re-authenticated')),
    ).toBe(true);
    const db = new Database(server.db, { readonly: true });
    expect(db.prepare('select count(*) n from credentials where replaced_at is null').get()).toEqual({ n: 1 });
    db.close();
    expect(server.output()).toContain('"event":"shutdown_complete"');
  }, 60_000);

  it('a second signal exits at once', async () => {
    providers.updateToken(SLOW, { status: 'slow', delayMs: 8_000 });
    const server = await startServer('forced');
    await slowSubmission(server);
    server.child.kill('SIGTERM');
    await vi.waitFor(async () => expect((await fetch(`${server.url}/healthz`)).status).toBe(503), {
      timeout: 2_000,
      interval: 20,
    });
    server.child.kill('SIGTERM');
    expect(await server.exit).toBe(1);
    expect(server.output()).toContain('"event":"shutdown_forced"');
  }, 60_000);
});
