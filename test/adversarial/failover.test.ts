import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { startProviderEmulator, type ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { BUILT } from '../helpers/build.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { ALERTS, BOT_TOKEN, freePort, OWNER, SIGNING_SECRET } from '../helpers/start-app.js';

const DAY = 86_400_000;
const CONSUMER = 'rct_FailoverConsumerToken00000000000001';

/**
 * A managed PostgreSQL failing over, played by restarting the real server (fast shutdown: every
 * connection is cut) while the real entry points hold a credential lock: two server replicas and
 * `reauth-bot rotate` waiting on GitLab's answer. No process exits, the token GitLab issued is kept,
 * and both replicas serve again within seconds.
 */
describe('a PostgreSQL failover while a credential lock is held', () => {
  let postgres: TestPostgres;
  let databaseUrl = '';
  let slack: SlackEmulator;
  let providers: ProviderEmulator;
  let dir: ReturnType<typeof tempDir>;
  let admin: pg.Pool;
  let env: Record<string, string>;
  const replicas: { child: ChildProcess; url: string; output: () => string; driver: SlackDriver }[] = [];

  beforeAll(async () => {
    postgres = await startTestPostgres();
    databaseUrl = await postgres.newDatabase();
    slack = await startSlackEmulator({ botToken: BOT_TOKEN });
    slack.addUser(OWNER);
    slack.addChannel(ALERTS, { name: 'alerts' });
    providers = await startProviderEmulator();
    dir = tempDir();
    const catalogue = join(dir.path, 'integrations.yml');
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", channel: ${ALERTS}, owners: [${OWNER}], rotate: true }\nconsumers:\n  - { name: ingest, token_sha256: ${sha256Hex(CONSUMER)}, integrations: [gitlab] }\n`,
    );
    env = {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      DATABASE_URL: databaseUrl,
      REAUTH_SECRET_KEY: newKeyText(),
      INTEGRATIONS_FILE: catalogue,
      HEALTH_CHECK_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
    };
    admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    admin.on('error', () => undefined);
    for (const name of ['a', 'b']) replicas.push(await startReplica(name));
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await admin?.end();
    await slack?.close();
    await providers?.close();
    await postgres?.close();
    dir?.cleanup();
  });

  async function startReplica(name: string, extra: Record<string, string> = {}) {
    const port = await freePort();
    const child = spawn(process.execPath, [join(BUILT, 'dist/bundle/main.mjs')], {
      env: { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...extra },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const url = `http://127.0.0.1:${port}`;
    await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).status).toBe(200), {
      timeout: 30_000,
      interval: 50,
    });
    return {
      child,
      url,
      output: () => `replica ${name}: ${output.slice(-3000)}`,
      driver: createSlackDriver({ appUrl: url, signingSecret: SIGNING_SECRET, slack }),
    };
  }

  function cli(args: string[]): Promise<{ code: number | null; signal: string | null; output: string }> {
    const child = spawn(process.execPath, [join(BUILT, 'dist/bundle/cli.mjs'), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal, output })));
  }

  const currentFingerprints = async (): Promise<string[]> =>
    ((
      await admin.query<{ fingerprints: string[] }>(
        "select fingerprints from credentials where credential_key = 'integration:gitlab' and replaced_at is null",
      )
    ).rows[0]?.fingerprints ?? []) as string[];

  it('reauth-bot rotate waiting on GitLab: the database restarts, the token GitLab issued is stored, no replica exits, both serve again', async () => {
    const [a, b] = replicas;
    if (!a || !b) throw new Error('no replicas');
    const first = 'glpat-FailoverFirstToken0000001';
    providers.setToken(first, {
      provider: 'gitlab',
      scopes: ['api'],
      identity: { id: '7', name: 'Bot', username: 'bot' },
      expiresAt: new Date(Date.now() + 2 * DAY),
    });
    const opened = slack.callsOf('views.open').length;
    await a.driver.command('gitlab', { userId: OWNER });
    await vi.waitFor(() => expect(slack.callsOf('views.open').length).toBe(opened + 1));
    await a.driver.submit(slack.callsOf('views.open').at(-1)?.ref ?? '', { token: first }, { userId: OWNER });
    await vi.waitFor(async () => expect(await currentFingerprints()).toEqual([fingerprintSecret(first)]));

    // GitLab takes 3 s to answer the rotation: the CLI holds the credential's lock all that time.
    providers.updateToken(first, { delayMs: 3_000 });
    const rotation = cli(['rotate', 'gitlab']);
    await vi.waitFor(
      () =>
        expect(providers.requestsWith(first).some((r) => r.path.endsWith('/personal_access_tokens/self/rotate'))).toBe(
          true,
        ),
      { timeout: 20_000, interval: 10 },
    );
    await postgres.restart();
    const result = await rotation;
    const issued = providers.token(first)?.rotatedTo ?? '';
    expect(issued).not.toBe('');
    expect(providers.token(first)?.status).toBe('revoked');
    expect(result.signal, result.output).toBeNull();
    expect(result.code, result.output).toBe(0);
    expect(result.output).toMatch(/gitlab rotated: new credential/);
    expect(await currentFingerprints()).toEqual([fingerprintSecret(issued)]);
    // Neither replica exited, and both answer their health check again within seconds (each wait is bounded).
    for (const replica of [a, b]) {
      expect(replica.child.exitCode, replica.output()).toBeNull();
      await vi.waitFor(
        async () => expect(await (await fetch(`${replica.url}/healthz`)).json()).toMatchObject({ status: 'ok' }),
        { timeout: 10_000, interval: 50 },
      );
    }
    // The one output that must not appear: a process ended by the cut connection.
    expect(result.output).not.toMatch(/terminating connection|Connection terminated unexpectedly/);
    expect(result.output.includes(issued)).toBe(false);
  });

  it('a replica rotating at its probe when the database restarts: it keeps running, and the token GitLab issued is stored', async () => {
    const [a] = replicas;
    if (!a) throw new Error('no replicas');
    // A replica that probes every second and finds the credential due: its rotation waits on GitLab.
    const current = (await currentFingerprints())[0];
    const token = [...providers.requests]
      .reverse()
      .find((r) => r.token && fingerprintSecret(r.token) === current)?.token;
    expect(token).toBeDefined();
    providers.updateToken(token ?? '', { delayMs: 2_000, expiresAt: new Date(Date.now() + 2 * DAY) });
    const prober = await startReplica('c', { HEALTH_CHECK_INTERVAL_SECONDS: '1' });
    replicas.push(prober);
    await vi.waitFor(
      () => expect(providers.requestsWith(token ?? '').some((r) => r.path.endsWith('/self/rotate'))).toBe(true),
      { timeout: 30_000, interval: 10 },
    );
    await postgres.restart();
    await vi.waitFor(
      async () => {
        expect(prober.child.exitCode, prober.output()).toBeNull();
        const issued = providers.token(token ?? '')?.rotatedTo ?? 'none';
        expect(await currentFingerprints()).toEqual([fingerprintSecret(issued)]);
      },
      { timeout: 30_000, interval: 100 },
    );
    expect(prober.child.exitCode, prober.output()).toBeNull();
  });

  it('a database that vanishes without closing its connections: a pull fails with 503 within seconds instead of hanging, and works again once it is back', async () => {
    const [a] = replicas;
    if (!a) throw new Error('no replicas');
    const pull = (limitMs = 60_000) =>
      fetch(`${a.url}/v1/credentials/gitlab`, {
        headers: { authorization: `Bearer ${CONSUMER}` },
        signal: AbortSignal.timeout(limitMs),
      });
    expect((await pull()).status).toBe(200);
    // Every PostgreSQL process stopped (SIGSTOP): the connections stay open and nothing answers, as
    // when a server vanishes behind a network partition.
    const postmaster = execFileSync('pgrep', ['-f', `postgres -D .* -p ${postgres.port} `], {
      encoding: 'utf8',
    }).trim();
    const pids = [postmaster, ...execFileSync('pgrep', ['-P', postmaster], { encoding: 'utf8' }).trim().split('\n')]
      .filter(Boolean)
      .map(Number);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      // Answered, not hung: a pull still waiting after 15 s is aborted, and the test fails on it.
      const frozen = await pull(15_000);
      expect(frozen.status).toBe(503);
      expect(await frozen.text()).not.toContain('rct_');
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await vi.waitFor(async () => expect((await pull()).status).toBe(200), { timeout: 20_000, interval: 100 });
    expect(a.child.exitCode, a.output()).toBeNull();
  });
});
