import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSlackDriver, type SlackDriver } from '../../src/sandbox/slack/driver.js';
import { freePort } from '../helpers/start-app.js';
import { distFile, probeChild, startChild, waitForHealthy, type Child } from './processes.js';
import { remoteSlack } from './remote-slack.js';
import { distribution, memoryOf, round, runConcurrently, type Distribution } from './stats.js';

export type Interaction = 'command' | 'button' | 'submission';
export type AppName = 'ours' | 'peer' | 'floor' | 'before';

/** One app's figures for one interaction at one concurrency. */
export interface AppRun extends Distribution {
  rps: number;
  /** User + system CPU of the app's process per interaction served, in ms (background work included). */
  cpuMs: number;
  /** The app's event-loop delay while it served them (perf_hooks.monitorEventLoopDelay), ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Receipt → views.open at Slack (ours and the peer, for command and button). */
  viewsOpen?: Distribution;
}

export interface LatencyRow {
  interaction: Interaction;
  concurrency: number;
  ours: AppRun;
  /** The fair peer: a minimal Bolt bot making the same Slack and provider calls. */
  peer: AppRun;
  /** The floor: a bare Bolt app that only acks. */
  bare: AppRun;
  /** ours p99 / floor p99 */
  ratioP99: number;
  /** ours p99 / peer p99 */
  ratioPeerP99: number;
  /** ours CPU per interaction / peer's */
  ratioPeerCpu: number;
  /** ours receipt → views.open p99 / peer's */
  ratioPeerViewsOpen?: number;
  /** With a baseline build: the same figures for Reauth before this round's changes, measured in the same run. */
  before?: AppRun;
}

export interface LatencyResult {
  rows: LatencyRow[];
  memory: { interactions: number; rssBeforeMb: number; rssAfterMb: number; growthMb: number };
}

const USER = 'U0BENCH';
const CHANNEL = 'C0BENCH';
const TOKEN = 'glpat-BenchValidToken0123456789';
/** Each cell is measured in this many rounds, the three apps taking turns, so drift hits all alike. */
const ROUNDS = 2;

type Remote = ReturnType<typeof remoteSlack>;

/**
 * Ack and views.open latency, CPU per interaction and event-loop delay of our app (the real entry
 * point), the fair peer and the bare floor, each in its own process; the emulators run in a fourth,
 * so the load generator here measures only the apps.
 */
/** How long the harness lets things warm up and settle; the smoke run uses small values, the full run the real ones. */
export interface Pacing {
  /** Interactions per app before measuring, so JIT compilation is not measured. */
  warmUpInteractions: number;
  /** Polling interval while waiting for the previous run's background work. */
  settleMs: number;
}

export async function measureLatency(options: {
  levels: number[];
  requests: (concurrency: number) => number;
  memoryInteractions: number;
  dir: string;
  pacing: Pacing /** Ours on PostgreSQL instead of SQLite. */;
  databaseUrl?: string /** main.js of an earlier build, measured beside ours in the same rounds. */;
  baselineMain?: string;
}): Promise<LatencyResult> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const emulators = startChild(distFile('./emulators-child.js'), {
    SLACK_BOT_TOKEN: botToken,
    BENCH_USERS: USER,
    BENCH_CHANNELS: CHANNEL,
    BENCH_GITLAB_TOKENS: TOKEN,
  });
  const children: Child[] = [emulators];
  try {
    const urls = await firstJsonLine<{ slackUrl: string; slackApiUrl: string; gitlabUrl: string }>(emulators);
    const slack = remoteSlack(urls.slackUrl);
    const catalogue = join(options.dir, 'latency.yml');
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gitlab-bench, name: GitLab, provider: gitlab, auth: pat, url: "${urls.gitlabUrl}", channel: ${CHANNEL}, owners: [${USER}] }\n`,
    );
    const env = (port: number, name: AppName) => ({
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
      BENCH_LOOP_FILE: join(options.dir, `loop-${name}.json`),
      PEER_GITLAB_URL: urls.gitlabUrl,
      PEER_MODAL_FILE: join(options.dir, 'peer-modal.json'),
    });
    const preload = [pathToFileURL(distFile('./loop-probe.js')).href];
    const ports: Record<AppName, number> = {
      ours: await freePort(),
      peer: await freePort(),
      floor: await freePort(),
      before: await freePort(),
    };
    const ours = startChild(distFile('../../bundle/main.mjs'), env(ports.ours, 'ours'), { preload });
    const floor = startChild(distFile('./bare-bolt.js'), env(ports.floor, 'floor'), { preload });
    children.push(ours, floor);
    await waitForHealthy(`http://127.0.0.1:${ports.ours}/healthz`, performance.now());
    await waitForHealthy(`http://127.0.0.1:${ports.floor}/healthz`, performance.now());
    const driverOf = (port: number) => createSlackDriver({ appUrl: `http://127.0.0.1:${port}`, signingSecret, slack });
    const drivers: Record<AppName, SlackDriver> = {
      ours: driverOf(ports.ours),
      peer: driverOf(ports.peer),
      floor: driverOf(ports.floor),
      before: driverOf(ports.before),
    };

    // Modals to submit: opened by our app (not measured), so each submission carries real signed metadata
    // (the baseline build signs with its own key, so it opens its own).
    const openModals = async (count: number, opener: AppName = 'ours'): Promise<string[]> => {
      const from = (await slack.calls('views.open')).next;
      await runConcurrently(
        count,
        20,
        async () => void (await drivers[opener].command('gitlab-bench', { userId: USER })),
      );
      let opened: string[] = [];
      await waitFor(async () => {
        opened = (await slack.calls('views.open', from)).calls.filter((c) => c.ok && c.ref).map((c) => c.ref as string);
        return opened.length >= count;
      });
      return opened;
    };

    // The peer opens the very modal ours opens: captured from ours, replayed by the peer.
    const [captured] = await openModals(1);
    const view = (await slack.view(captured ?? ''))?.view as Record<string, unknown> | undefined;
    if (!view) throw new Error('could not capture our modal for the peer');
    const { id: _id, hash: _hash, state: _state, ...modal } = view;
    writeFileSync(join(options.dir, 'peer-modal.json'), JSON.stringify(modal));
    const peer = startChild(distFile('./peer-bolt.js'), env(ports.peer, 'peer'), { preload });
    children.push(peer);
    await waitForHealthy(`http://127.0.0.1:${ports.peer}/healthz`, performance.now());
    const names: AppName[] = options.baselineMain ? ['ours', 'peer', 'floor', 'before'] : ['ours', 'peer', 'floor'];
    const apps = { ours, peer, floor } as Record<AppName, Child>;
    if (options.baselineMain) {
      apps.before = startChild(options.baselineMain, env(ports.before, 'before'), { preload });
      children.push(apps.before);
      await waitForHealthy(`http://127.0.0.1:${ports.before}/healthz`, performance.now());
    }
    dumpOnExit = apps;

    await warmUp(options.pacing.warmUpInteractions, ...names.map((n) => drivers[n]));
    // The submission path too, so its first measured run is not its first run.
    const perWarm = Math.ceil(options.pacing.warmUpInteractions / 5);
    for (const name of names.filter((n) => n !== 'floor')) {
      const warmViews = await openModals(perWarm, name === 'before' ? 'before' : 'ours');
      await runConcurrently(
        perWarm,
        10,
        async (i) => void (await drivers[name].submit(warmViews[i] ?? '', { token: TOKEN }, { userId: USER })),
      );
    }

    const rows: LatencyRow[] = [];
    for (const concurrency of options.levels) {
      for (const interaction of ['command', 'button', 'submission'] as Interaction[]) {
        const total = options.requests(concurrency);
        const perRound = Math.ceil(total / ROUNDS);
        const views = interaction === 'submission' ? await openModals(perRound * ROUNDS * names.length) : [];
        const beforeViews =
          interaction === 'submission' && names.includes('before') ? await openModals(perRound * ROUNDS, 'before') : [];
        const samples: Record<AppName, Sample[]> = { ours: [], peer: [], floor: [], before: [] };
        for (let round = 0; round < ROUNDS; round += 1) {
          for (const [k, name] of names.entries()) {
            const slice =
              name === 'before'
                ? beforeViews.slice(round * perRound, (round + 1) * perRound)
                : views.slice((round * names.length + k) * perRound, (round * names.length + k + 1) * perRound);
            await settle(slack, options.pacing.settleMs);
            const before = await probeChild(apps[name], env(0, name).BENCH_LOOP_FILE);
            const run = await measureRun(
              drivers[name],
              slack,
              interaction,
              perRound,
              concurrency,
              slice,
              name !== 'floor',
            );
            await settle(slack, options.pacing.settleMs);
            const after = await probeChild(apps[name], env(0, name).BENCH_LOOP_FILE);
            samples[name].push({
              ...run,
              cpuMs: after.cpuUserMs + after.cpuSystemMs - before.cpuUserMs - before.cpuSystemMs,
              loopP99Ms: after.loopP99Ms,
              loopMaxMs: after.loopMaxMs,
            });
          }
        }
        const [o, p, f] = (['ours', 'peer', 'floor'] as const).map((name) => combine(samples[name])) as [
          AppRun,
          AppRun,
          AppRun,
        ];
        rows.push({
          ...(options.baselineMain ? { before: combine(samples.before) } : {}),
          interaction,
          concurrency,
          ours: o,
          peer: p,
          bare: f,
          ratioP99: round(o.p99 / f.p99, 2),
          ratioPeerP99: round(o.p99 / p.p99, 2),
          ratioPeerCpu: round(o.cpuMs / p.cpuMs, 2),
          ...(o.viewsOpen && p.viewsOpen ? { ratioPeerViewsOpen: round(o.viewsOpen.p99 / p.viewsOpen.p99, 2) } : {}),
        });
      }
    }

    // Memory: RSS of our app before and after many interactions (after the warm-up, so it measures growth).
    await settle(slack, options.pacing.settleMs);
    const rssBefore = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    await runConcurrently(options.memoryInteractions, 20, async (i) => {
      if (i % 2 === 0) await drivers.ours.command('gitlab-bench', { userId: USER });
      else
        await drivers.ours.click({
          actionId: 'reauth_open',
          value: 'gitlab-bench',
          actor: { userId: USER },
          message: { channel: CHANNEL, ts: '1.1' },
        });
    });
    await settle(slack, options.pacing.settleMs);
    const rssAfter = (await memoryOf(ours.process.pid ?? 0)).rssMb;
    return {
      rows,
      memory: {
        interactions: options.memoryInteractions,
        rssBeforeMb: rssBefore,
        rssAfterMb: rssAfter,
        growthMb: round(rssAfter - rssBefore),
      },
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
    // BENCH_DUMP_DIR=<dir> keeps each app's output (with BENCH_NODE_FLAGS=--trace-gc: its GC pauses).
    if (process.env.BENCH_DUMP_DIR && dumpOnExit)
      for (const [name, child] of Object.entries(dumpOnExit))
        writeFileSync(join(process.env.BENCH_DUMP_DIR, `${name}.log`), child.output());
  }
}

let dumpOnExit: Record<AppName, Child> | undefined;

interface Sample {
  acks: number[];
  ackSeconds: number;
  senders: number;
  viewsOpen: number[];
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

/** The rounds of one app, together: percentiles over every sample, CPU per interaction, the worst loop delay. */
function combine(samples: Sample[]): AppRun {
  const acks = samples.flatMap((s) => s.acks);
  const opens = samples.flatMap((s) => s.viewsOpen);
  const seconds = samples.reduce((a, s) => a + s.ackSeconds / s.senders, 0);
  return {
    ...roundDistribution(distribution(acks)),
    rps: round(acks.length / seconds),
    cpuMs: round(samples.reduce((a, s) => a + s.cpuMs, 0) / acks.length, 2),
    loopP99Ms: round(Math.max(...samples.map((s) => s.loopP99Ms)), 1),
    loopMaxMs: round(Math.max(...samples.map((s) => s.loopMaxMs)), 1),
    ...(opens.length ? { viewsOpen: roundDistribution(distribution(opens)) } : {}),
  };
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

/** Waits until the apps' background work of the previous run (posts after a re-auth, views.open) is done. */
async function settle(slack: Remote, intervalMs: number): Promise<void> {
  let seen = -1;
  for (;;) {
    const next = (await slack.calls('none')).next;
    if (next === seen) return;
    seen = next;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Every app runs each measured path a few hundred times first, so JIT compilation is not measured. */
async function warmUp(interactions: number, ...drivers: SlackDriver[]): Promise<void> {
  for (const driver of drivers) {
    await runConcurrently(interactions, 10, async (i) => {
      if (i % 2 === 0) await driver.command('gitlab-bench', { userId: USER });
      else
        await driver.click({
          actionId: 'reauth_open',
          value: 'gitlab-bench',
          actor: { userId: USER },
          message: { channel: CHANNEL, ts: '1.1' },
        });
    });
  }
}

async function measureRun(
  driver: SlackDriver,
  slack: Remote,
  interaction: Interaction,
  total: number,
  concurrency: number,
  views: string[],
  opensViews: boolean,
): Promise<Omit<Sample, 'cpuMs' | 'loopP99Ms' | 'loopMaxMs'>> {
  const acks: number[] = [];
  const sent = new Map<string, number>();
  const from = (await slack.calls('none')).next;
  await runConcurrently(total, concurrency, async (i) => {
    let response: { status: number; ackMs: number; triggerId?: string };
    if (interaction === 'command') {
      response = await driver.command('gitlab-bench', { userId: USER });
      sent.set(response.triggerId ?? '', Date.now() - response.ackMs);
    } else if (interaction === 'button') {
      response = await driver.click({
        actionId: 'reauth_open',
        value: 'gitlab-bench',
        actor: { userId: USER },
        message: { channel: CHANNEL, ts: '1.1' },
      });
      sent.set(response.triggerId ?? '', Date.now() - response.ackMs);
    } else {
      response = await driver.submit(views[i] ?? '', { token: TOKEN }, { userId: USER });
    }
    if (response.status !== 200) throw new Error(`${interaction} answered HTTP ${response.status}`);
    acks.push(response.ackMs);
  });
  const viewsOpen: number[] = [];
  if (opensViews && interaction !== 'submission') {
    let opened = new Map<string, number>();
    await waitFor(async () => {
      opened = new Map((await slack.calls('views.open', from)).calls.map((c) => [String(c.trigger_id), c.at]));
      return [...sent.keys()].every((trigger) => opened.has(trigger));
    });
    for (const [trigger, at] of sent) viewsOpen.push((opened.get(trigger) ?? Number.NaN) - at);
  }
  // The senders' time spent waiting for acks, spread over the senders, gives the rate the app sustained.
  return { acks, ackSeconds: acks.reduce((a, b) => a + b, 0) / 1000, senders: Math.min(concurrency, total), viewsOpen };
}

function roundDistribution(d: Distribution): Distribution {
  return { count: d.count, p50: round(d.p50), p95: round(d.p95), p99: round(d.p99), max: round(d.max) };
}
