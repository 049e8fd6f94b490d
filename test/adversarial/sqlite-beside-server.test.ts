import { cliEnvOf } from '../helpers/cli.js';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUILT } from '../helpers/build.js';
import { openModal } from '../helpers/flows.js';
import { ALERTS, OWNER, startTestApp, type TestApp } from '../helpers/start-app.js';
import { report } from './support.js';

const HOOK_SECRET = `whsec_${Buffer.from('beside-the-server-signing-secret').toString('base64')}`;
const DAY = 86_400_000;

/**
 * SPEC §6: the CLI is safe beside a running server on the same SQLite file — a command waits for the
 * server's write and never fails on it, and never makes the server send a delivery twice. The server
 * runs here (re-authenticating and delivering to a slow webhook) while `reauth-bot rotate`, `rotate-key`
 * and `list` (each syncs the catalogue) run in their own processes on the same file.
 */
describe('the CLI beside a running server on one SQLite file', () => {
  let t: TestApp;
  let receiver: Server;
  let receiverUrl = '';
  /** Versions each sink received, in order. */
  const received: number[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        // A slow receiver: a delivery is in flight (its lease held) while a CLI command starts.
        setTimeout(() => {
          const payload = JSON.parse(body) as { type: string; data: { version?: number } };
          if (payload.type === 'credential.updated' && payload.data.version !== undefined)
            received.push(payload.data.version);
          res.writeHead(200).end();
        }, 400);
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', () => ok()));
    const address = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    t = await startTestApp({
      env: { HOOK_SECRET },
      catalogue: (p) => `integrations:
  - id: gitlab
    name: GitLab
    provider: gitlab
    auth: pat
    url: "${p.baseUrl('gitlab')}"
    channel: ${ALERTS}
    owners: [${OWNER}]
    rotate: true
    deliver:
      - { webhook: "${receiverUrl}/gitlab", secret_env: HOOK_SECRET }
`,
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((ok) => receiver?.close(() => ok()));
  });

  function cli(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [join(BUILT, 'dist/bundle/cli.mjs'), ...args], {
      env: cliEnvOf(t, {
        PATH: process.env.PATH ?? '',
        SLACK_BOT_TOKEN: t.config.slack.botToken,
        SLACK_SIGNING_SECRET: 'x',
        SLACK_API_URL: t.slack.apiUrl,
        DEFAULT_ALERT_CHANNEL: ALERTS,
        HOOK_SECRET,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((ok) => child.once('exit', (code) => ok({ code, output: `${args.join(' ')}: ${output}` })));
  }

  let n = 0;
  async function reauthenticate(): Promise<string> {
    n += 1;
    const token = `glpat-BesideTheServer${String(n).padStart(8, '0')}`;
    t.providers.setToken(token, {
      provider: 'gitlab',
      scopes: ['api'],
      identity: { id: '5', name: 'Bot', username: 'bot' },
      expiresAt: new Date(Date.now() + 2 * DAY),
    });
    const call = await openModal(t, 'gitlab', { userId: OWNER });
    return (await t.driver.submit(call.ref ?? '', { token }, { userId: OWNER })).text;
  }

  it('rotate, rotate-key and a catalogue sync while the server commits and delivers: no error, no delivery sent twice', async () => {
    expect(await reauthenticate()).not.toContain('"errors"');
    const answers: string[] = [];
    const server = (async () => {
      for (let i = 0; i < 8; i += 1) answers.push(await reauthenticate());
    })();
    const commands: { code: number | null; output: string }[] = [];
    const operator = (async () => {
      for (const args of [
        ['rotate', 'gitlab'],
        ['rotate-key'],
        ['list'],
        ['rotate', 'gitlab'],
        ['list'],
        ['rotate-key'],
      ])
        commands.push(await cli(args));
    })();
    await Promise.all([server, operator]);
    await vi.waitFor(async () => expect(await t.deps.store.deliveries.pendingCount()).toBe(0), {
      timeout: 60_000,
      interval: 100,
    });
    const versions = (
      t.deps.db.$client
        .prepare("select version from credentials where credential_key = 'integration:gitlab'")
        .all() as {
        version: number;
      }[]
    ).map((r) => r.version);
    report('sqlite-beside-server', {
      serverCommits: answers.length,
      cliCommands: commands.length,
      versions: versions.length,
      deliveries: received.length,
      repeatedDeliveries: received.length - new Set(received).size,
    });
    for (const command of commands) expect(command.code, command.output).toBe(0);
    for (const answer of answers) expect(answer).not.toContain('"errors"');
    expect(t.logs.text()).not.toMatch(/SQLITE_BUSY|database is locked/);
    // Every version delivered once, in order: none sent twice by the CLI re-claiming the server's message.
    expect(received.length - new Set(received).size).toBe(0);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(new Set(received).size).toBeGreaterThan(1);
  }, 180_000);
});
