import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { startSlackEmulator, type SlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { freePort } from '../helpers/start-app.js';
import { distFile, startChild, waitForHealthy, type Child } from './processes.js';
import { distribution, memoryOf, round, runConcurrently, type Distribution } from './stats.js';

export type Interaction = 'command' | 'button' | 'submission';

export interface LatencyRow {
  interaction: Interaction;
  concurrency: number;
  ours: Distribution & { rps: number; viewsOpen?: Distribution };
  bare: Distribution & { rps: number };
  /** ours p50 / bare p50 and p99 / p99 */
  ratioP50: number;
  ratioP99: number;
}

export interface LatencyResult {
  rows: LatencyRow[];
  memory: { interactions: number; rssBeforeMb: number; rssAfterMb: number; growthMb: number };
}

const USER = 'U0BENCH';
const TOKEN = 'glpat-BenchValidToken0123456789';

/** Measures ack and views.open latency of our app (the real entry point) and of a bare Bolt app. */
export async function measureLatency(options: { levels: number[]; requests: (concurrency: number) => number; memoryInteractions: number; dir: string }): Promise<LatencyResult> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const slack = await startSlackEmulator({ botToken });
  slack.addUser(USER);
  slack.addChannel('C0BENCH');
  const providers = await startProviderEmulator();
  providers.setToken(TOKEN, { provider: 'gitlab', scopes: ['read_api'], identity: { id: '1', name: 'Bench' } });
  const catalogue = join(options.dir, 'latency.yml');
  writeFileSync(catalogue, `integrations:\n  - { id: gitlab-bench, name: GitLab, provider: gitlab, auth: pat, url: "${providers.baseUrl('gitlab')}", channel: C0BENCH, owners: [${USER}] }\n`);

  const env = (port: number) => ({
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    DATABASE_PATH: join(options.dir, `latency-${port}.db`),
    REAUTH_SECRET_KEY: randomBytes(32).toString('base64'),
    INTEGRATIONS_FILE: catalogue,
    HEALTH_CHECK_INTERVAL_SECONDS: '0',
    REMINDER_INTERVAL_HOURS: '0',
    LOG_LEVEL: 'warn',
  });
  const oursPort = await freePort();
  const barePort = await freePort();
  const ours = startChild(distFile('../../src/main.js'), env(oursPort));
  const bare = startChild(distFile('./bare-bolt.js'), env(barePort));
  const children: Child[] = [ours, bare];
  try {
    await waitForHealthy(`http://127.0.0.1:${oursPort}/healthz`, performance.now());
    await waitForHealthy(`http://127.0.0.1:${barePort}/healthz`, performance.now());
    const drivers = {
      ours: createSlackDriver({ appUrl: `http://127.0.0.1:${oursPort}`, signingSecret, slack }),
      bare: createSlackDriver({ appUrl: `http://127.0.0.1:${barePort}`, signingSecret, slack }),
    };
    // Modals to submit: opened by our app (not measured), so each submission carries real signed metadata.
    const openModals = async (count: number): Promise<string[]> => {
      const before = new Set(slack.callsOf('views.open').map((c) => c.ref));
      await runConcurrently(count, 20, async () => void (await drivers.ours.command('gitlab-bench', { userId: USER })));
      await waitFor(() => slack.callsOf('views.open').filter((c) => c.ok && !before.has(c.ref)).length >= count);
      return slack.callsOf('views.open').filter((c) => c.ok && c.ref && !before.has(c.ref)).map((c) => c.ref as string);
    };

    await warmUp(drivers.ours, drivers.bare);
    const rows: LatencyRow[] = [];
    for (const concurrency of options.levels) {
      for (const interaction of ['command', 'button', 'submission'] as Interaction[]) {
        const total = options.requests(concurrency);
        const views = interaction === 'submission' ? await openModals(total) : [];
        await settle(slack);
        const oursRun = await run(drivers.ours, slack, interaction, total, concurrency, views, true);
        await settle(slack);
        const bareRun = await run(drivers.bare, slack, interaction, total, concurrency, views, false);
        rows.push({ interaction, concurrency, ours: oursRun, bare: bareRun, ratioP50: round(oursRun.p50 / bareRun.p50, 2), ratioP99: round(oursRun.p99 / bareRun.p99, 2) });
      }
    }

    // Memory: RSS of our app before and after many interactions (after a warm-up, so it measures growth).
    const rssBefore = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    await runConcurrently(options.memoryInteractions, 20, async (i) => {
      if (i % 2 === 0) await drivers.ours.command('gitlab-bench', { userId: USER });
      else await drivers.ours.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: 'C0BENCH', ts: '1.1' } });
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const rssAfter = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    return { rows, memory: { interactions: options.memoryInteractions, rssBeforeMb: rssBefore, rssAfterMb: rssAfter, growthMb: round(rssAfter - rssBefore) } };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    await slack.close();
    await providers.close();
  }
}

/** Waits until the app's background work of the previous run (posts after a re-auth, views.open) is done. */
async function settle(slack: SlackEmulator): Promise<void> {
  let seen = -1;
  while (seen !== slack.calls.length) {
    seen = slack.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function waitFor(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for the emulator');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Both apps run each measured path a few hundred times first, so JIT compilation is not measured. */
async function warmUp(...drivers: SlackDriver[]): Promise<void> {
  for (const driver of drivers) {
    await runConcurrently(300, 10, async (i) => {
      if (i % 2 === 0) await driver.command('gitlab-bench', { userId: USER });
      else await driver.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: 'C0BENCH', ts: '1.1' } });
    });
  }
}

async function run(driver: SlackDriver, slack: SlackEmulator, interaction: Interaction, total: number, concurrency: number, views: string[], ours: boolean) {
  const acks: number[] = [];
  const sent = new Map<string, number>();
  const started = performance.now();
  await runConcurrently(total, concurrency, async (i) => {
    let response;
    if (interaction === 'command') {
      const at = Date.now();
      response = await driver.command('gitlab-bench', { userId: USER });
      sent.set(response.triggerId, at);
    } else if (interaction === 'button') {
      const at = Date.now();
      response = await driver.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: 'C0BENCH', ts: '1.1' } });
      sent.set(response.triggerId, at);
    } else {
      response = await driver.submit(views[i] ?? '', { token: TOKEN }, { userId: USER });
    }
    if (response.status !== 200) throw new Error(`${interaction} answered HTTP ${response.status}`);
    acks.push(response.ackMs);
  });
  const seconds = (performance.now() - started) / 1000;
  const result: Distribution & { rps: number; viewsOpen?: Distribution } = { ...roundDistribution(distribution(acks)), rps: round(total / seconds) };
  if (ours && interaction !== 'submission') {
    await waitFor(() => [...sent.keys()].every((trigger) => slack.calls.some((c) => c.method === 'views.open' && c.args.trigger_id === trigger)));
    const opened = new Map(slack.calls.filter((c) => c.method === 'views.open').map((c) => [String(c.args.trigger_id), c.at]));
    result.viewsOpen = roundDistribution(distribution([...sent].map(([trigger, at]) => (opened.get(trigger) ?? Number.NaN) - at)));
  }
  return result;
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
