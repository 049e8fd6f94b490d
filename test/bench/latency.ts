import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { freePort } from '../helpers/start-app.js';
import { distFile, startChild, waitForHealthy, type Child } from './processes.js';
import { remoteSlack } from './remote-slack.js';
import { distribution, memoryOf, round, runConcurrently, type Distribution } from './stats.js';

export type Interaction = 'command' | 'button' | 'submission';

export interface LatencyRow {
  interaction: Interaction;
  concurrency: number;
  ours: Distribution & { rps: number; viewsOpen?: Distribution };
  bare: Distribution & { rps: number };
  /** ours p99 / bare p99 */
  ratioP99: number;
}

export interface LatencyResult {
  rows: LatencyRow[];
  memory: { interactions: number; rssBeforeMb: number; rssAfterMb: number; growthMb: number };
}

const USER = 'U0BENCH';
const CHANNEL = 'C0BENCH';
const TOKEN = 'glpat-BenchValidToken0123456789';

type Remote = ReturnType<typeof remoteSlack>;

/**
 * Ack and views.open latency of our app (the real entry point) and of a bare Bolt app, each in its
 * own process; the emulators run in a third, so the load generator here measures only the apps.
 */
/** How long the harness lets things warm up and settle; the smoke run uses small values, the full run the real ones. */
export interface Pacing {
  /** Interactions per app before measuring, so JIT compilation is not measured. */
  warmUpInteractions: number;
  /** Polling interval while waiting for the previous run's background work. */
  settleMs: number;
}

export async function measureLatency(options: { levels: number[]; requests: (concurrency: number) => number; memoryInteractions: number; dir: string; pacing: Pacing; /** Ours on PostgreSQL instead of SQLite. */ databaseUrl?: string }): Promise<LatencyResult> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const emulators = startChild(distFile('./emulators-child.js'), { SLACK_BOT_TOKEN: botToken, BENCH_USERS: USER, BENCH_CHANNELS: CHANNEL, BENCH_GITLAB_TOKENS: TOKEN });
  const children: Child[] = [emulators];
  try {
    const urls = await firstJsonLine<{ slackUrl: string; slackApiUrl: string; gitlabUrl: string }>(emulators);
    const slack = remoteSlack(urls.slackUrl);
    const catalogue = join(options.dir, 'latency.yml');
    writeFileSync(catalogue, `integrations:\n  - { id: gitlab-bench, name: GitLab, provider: gitlab, auth: pat, url: "${urls.gitlabUrl}", channel: ${CHANNEL}, owners: [${USER}] }\n`);
    const env = (port: number) => ({
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: signingSecret,
      SLACK_API_URL: urls.slackApiUrl,
      PORT: String(port),
      DATABASE_PATH: join(options.dir, `latency-${port}.db`),
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
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
    children.push(ours, bare);
    await waitForHealthy(`http://127.0.0.1:${oursPort}/healthz`, performance.now());
    await waitForHealthy(`http://127.0.0.1:${barePort}/healthz`, performance.now());
    const drivers = {
      ours: createSlackDriver({ appUrl: `http://127.0.0.1:${oursPort}`, signingSecret, slack }),
      bare: createSlackDriver({ appUrl: `http://127.0.0.1:${barePort}`, signingSecret, slack }),
    };
    // Modals to submit: opened by our app (not measured), so each submission carries real signed metadata.
    const openModals = async (count: number): Promise<string[]> => {
      const from = (await slack.calls('views.open')).next;
      await runConcurrently(count, 20, async () => void (await drivers.ours.command('gitlab-bench', { userId: USER })));
      let opened: string[] = [];
      await waitFor(async () => {
        opened = (await slack.calls('views.open', from)).calls.filter((c) => c.ok && c.ref).map((c) => c.ref as string);
        return opened.length >= count;
      });
      return opened;
    };

    await warmUp(options.pacing.warmUpInteractions, drivers.ours, drivers.bare);
    // The submission path too, so its first measured run is not its first run.
    const warmViews = await openModals(Math.ceil(options.pacing.warmUpInteractions / 5));
    await runConcurrently(warmViews.length, 10, async (i) => void (await drivers.ours.submit(warmViews[i] ?? '', { token: TOKEN }, { userId: USER })));
    const rows: LatencyRow[] = [];
    for (const concurrency of options.levels) {
      for (const interaction of ['command', 'button', 'submission'] as Interaction[]) {
        const total = options.requests(concurrency);
        const views = interaction === 'submission' ? await openModals(total) : [];
        await settle(slack, options.pacing.settleMs);
        const oursRun = await run(drivers.ours, slack, interaction, total, concurrency, views, true);
        await settle(slack, options.pacing.settleMs);
        const bareRun = await run(drivers.bare, slack, interaction, total, concurrency, views, false);
        rows.push({ interaction, concurrency, ours: oursRun, bare: bareRun, ratioP99: round(oursRun.p99 / bareRun.p99, 2) });
      }
    }

    // Memory: RSS of our app before and after many interactions (after the warm-up, so it measures growth).
    await settle(slack, options.pacing.settleMs);
    const rssBefore = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    await runConcurrently(options.memoryInteractions, 20, async (i) => {
      if (i % 2 === 0) await drivers.ours.command('gitlab-bench', { userId: USER });
      else await drivers.ours.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: CHANNEL, ts: '1.1' } });
    });
    await settle(slack, options.pacing.settleMs);
    const rssAfter = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    return { rows, memory: { interactions: options.memoryInteractions, rssBeforeMb: rssBefore, rssAfterMb: rssAfter, growthMb: round(rssAfter - rssBefore) } };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}

async function firstJsonLine<T>(child: Child): Promise<T> {
  await waitFor(async () => child.output().includes('\n'));
  return JSON.parse(child.output().split('\n')[0] ?? '{}') as T;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error('timed out waiting for the emulator');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the app's background work of the previous run (posts after a re-auth, views.open) is done. */
async function settle(slack: Remote, intervalMs: number): Promise<void> {
  let seen = -1;
  for (;;) {
    const next = (await slack.calls('none')).next;
    if (next === seen) return;
    seen = next;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Both apps run each measured path a few hundred times first, so JIT compilation is not measured. */
async function warmUp(interactions: number, ...drivers: SlackDriver[]): Promise<void> {
  for (const driver of drivers) {
    await runConcurrently(interactions, 10, async (i) => {
      if (i % 2 === 0) await driver.command('gitlab-bench', { userId: USER });
      else await driver.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: CHANNEL, ts: '1.1' } });
    });
  }
}

async function run(driver: SlackDriver, slack: Remote, interaction: Interaction, total: number, concurrency: number, views: string[], ours: boolean) {
  const acks: number[] = [];
  const sent = new Map<string, number>();
  const from = (await slack.calls('none')).next;
  await runConcurrently(total, concurrency, async (i) => {
    let response;
    if (interaction === 'command') {
      response = await driver.command('gitlab-bench', { userId: USER });
      sent.set(response.triggerId, Date.now() - response.ackMs);
    } else if (interaction === 'button') {
      response = await driver.click({ actionId: 'reauth_open', value: 'gitlab-bench', actor: { userId: USER }, message: { channel: CHANNEL, ts: '1.1' } });
      sent.set(response.triggerId, Date.now() - response.ackMs);
    } else {
      response = await driver.submit(views[i] ?? '', { token: TOKEN }, { userId: USER });
    }
    if (response.status !== 200) throw new Error(`${interaction} answered HTTP ${response.status}`);
    acks.push(response.ackMs);
  });
  // Requests per second the app sustained: the senders' time spent waiting for acks, spread over the
  // senders (the time each spends minting a trigger at the emulator is not the app's).
  const seconds = acks.reduce((a, b) => a + b, 0) / 1000 / Math.min(concurrency, total);
  const result: Distribution & { rps: number; viewsOpen?: Distribution } = { ...roundDistribution(distribution(acks)), rps: round(total / seconds) };
  if (ours && interaction !== 'submission') {
    let opened = new Map<string, number>();
    await waitFor(async () => {
      opened = new Map((await slack.calls('views.open', from)).calls.map((c) => [String(c.trigger_id), c.at]));
      return [...sent.keys()].every((trigger) => opened.has(trigger));
    });
    result.viewsOpen = roundDistribution(distribution([...sent].map(([trigger, at]) => (opened.get(trigger) ?? Number.NaN) - at)));
  }
  return result;
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
