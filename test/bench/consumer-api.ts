import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import { compose } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { createLogger } from '../../src/logger.js';
import { sha256Hex } from '../../src/services/delivery/consumers.js';
import { freePort } from '../helpers/start-app.js';
import { distFile, probeChild, startChild, waitForHealthy, type Child } from './processes.js';
import { distribution, round, runConcurrently } from './stats.js';

export interface ConsumerResult {
  /** What is read: a PAT, or a machine identity's minted token (held: no mint during the run). */
  credential: 'pat' | 'machine';
  concurrency: number;
  requests: number;
  ours: { rps: number; p50: number; p99: number; cpuMs: number };
  bare: { rps: number; p50: number; p99: number };
  /** ours ÷ bare requests per second */
  ratio: number;
}

const TOKEN = 'glpat-ConsumerBenchToken0123456789';

/** A GitHub App private key for the machine identity's row (never used: its token is held all run). */
const benchKey = (): string =>
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();

/**
 * GET /v1/credentials/{id} of the real entry point (consumer token check, rate limit, storage,
 * unsealing, an audit row per read) against a bare node:http server answering the same JSON from
 * memory, at `concurrency` consumers on keep-alive connections, in alternating halves.
 */
export async function measureConsumerApi(options: {
  dir: string;
  requests: number;
  concurrency: number;
  credential?: 'pat' | 'machine';
}): Promise<ConsumerResult> {
  const kind = options.credential ?? 'pat';
  const id = kind === 'machine' ? 'github-app-bench' : 'gitlab-bench';
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const consumerToken = `rct_${randomBytes(24).toString('base64url')}`;
  const emulators = startChild(distFile('./emulators-child.js'), {
    SLACK_BOT_TOKEN: botToken,
    BENCH_USERS: 'U0BENCH',
    BENCH_CHANNELS: 'C0BENCH',
    BENCH_GITLAB_TOKENS: TOKEN,
  });
  const children: Child[] = [emulators];
  const agent = new Agent({ connections: options.concurrency, keepAliveTimeout: 30_000 });
  try {
    await new Promise<void>((resolve) => emulators.process.stdout?.once('data', () => resolve()));
    const urls = JSON.parse(emulators.output().split('\n')[0] ?? '{}') as { slackApiUrl: string; gitlabUrl: string };
    const catalogue = join(options.dir, `consumer-${kind}.yml`);
    writeFileSync(
      catalogue,
      `integrations:\n  - { id: gitlab-bench, name: GitLab, provider: gitlab, auth: pat, url: "${urls.gitlabUrl}", channel: C0BENCH }\n  - { id: github-app-bench, name: GitHub App, provider: github, auth: app_installation, app_id: 1, installation_id: 1, channel: C0BENCH }\nconsumers:\n  - { name: bench, token_sha256: ${sha256Hex(consumerToken)}, integrations: ["*"], requests_per_minute: 100000000 }\n`,
    );
    const port = await freePort();
    const env = {
      SLACK_BOT_TOKEN: botToken,
      SLACK_SIGNING_SECRET: randomBytes(16).toString('hex'),
      SLACK_API_URL: urls.slackApiUrl,
      PORT: String(port),
      DATABASE_PATH: join(options.dir, `consumer-${kind}.db`),
      REAUTH_SECRET_KEY: randomBytes(32).toString('base64'),
      INTEGRATIONS_FILE: catalogue,
      HEALTH_CHECK_INTERVAL_SECONDS: '0',
      LOG_LEVEL: 'warn',
      BENCH_LOOP_FILE: join(options.dir, 'loop-consumer.json'),
    };
    // The credential to serve, stored as a re-authentication would (the app is composed, never started).
    const parsed = parseConfig(env, { secretKey: true });
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    const seeding = await compose(parsed.config, createLogger({ level: 'silent' }));
    const integration = await seeding.store.integrations.findActive(id);
    if (!integration) throw new Error('no integration');
    const outcome = {
      kind: 'valid' as const,
      identity: { id: '1', name: 'Bench' },
      scopes: ['read_api'],
      expiresAt: null,
      rateLimitRemaining: null,
      reason: '',
    };
    // A machine identity holds its root secret and a minted token good for the whole run (a pull never mints).
    const payload =
      kind === 'machine'
        ? {
            kind: 'machine' as const,
            root: { kind: 'private_key' as const, pem: benchKey() },
            accessToken: `ghs_1_${randomBytes(380).toString('base64url')}`,
            accessIssuedAt: Date.now(),
            accessExpiresAt: Date.now() + 3600_000,
          }
        : { kind: 'tokens' as const, identifier: null, tokens: [TOKEN] };
    await seeding.services.credentialCommit.commit({
      integration,
      actor: 'bench',
      payload,
      validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(TOKEN), outcome }] },
      how: 'modal',
    });
    await seeding.http.close();
    await seeding.store.close();

    const ours = startChild(distFile('../../bundle/main.mjs'), env, {
      preload: [pathToFileURL(distFile('./loop-probe.js')).href],
    });
    children.push(ours);
    await waitForHealthy(`http://127.0.0.1:${port}/healthz`, performance.now());
    const oursUrl = `http://127.0.0.1:${port}/v1/credentials/${id}`;
    const sample = await request(oursUrl, { dispatcher: agent, headers: { authorization: `Bearer ${consumerToken}` } });
    const document = await sample.body.text();
    if (sample.statusCode !== 200) throw new Error(`the consumer API answered ${sample.statusCode}: ${document}`);
    const jsonFile = join(options.dir, 'bare.json');
    writeFileSync(jsonFile, document);
    const barePort = await freePort();
    const bare = startChild(distFile('./bare-json.js'), { PORT: String(barePort), BARE_JSON_FILE: jsonFile });
    children.push(bare);
    await waitForHealthy(`http://127.0.0.1:${barePort}/healthz`, performance.now());
    const bareUrl = `http://127.0.0.1:${barePort}/v1/credentials/${id}`;

    const load = async (url: string, total: number) => {
      const latencies: number[] = [];
      const started = performance.now();
      await runConcurrently(total, options.concurrency, async () => {
        const t0 = performance.now();
        const response = await request(url, {
          dispatcher: agent,
          headers: { authorization: `Bearer ${consumerToken}` },
        });
        await response.body.text();
        if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
        latencies.push(performance.now() - t0);
      });
      return { latencies, seconds: (performance.now() - started) / 1000 };
    };
    // Warm both up, then alternate halves so drift hits both alike.
    await load(oursUrl, Math.min(2000, options.requests / 4));
    await load(bareUrl, Math.min(2000, options.requests / 4));
    const half = Math.ceil(options.requests / 2);
    const results = {
      ours: { latencies: [] as number[], seconds: 0 },
      bare: { latencies: [] as number[], seconds: 0 },
    };
    let oursCpu = 0;
    for (let round = 0; round < 2; round += 1) {
      const start = await probeChild(ours, env.BENCH_LOOP_FILE);
      const o = await load(oursUrl, half);
      const end = await probeChild(ours, env.BENCH_LOOP_FILE);
      oursCpu += end.cpuUserMs + end.cpuSystemMs - start.cpuUserMs - start.cpuSystemMs;
      results.ours.latencies.push(...o.latencies);
      results.ours.seconds += o.seconds;
      const b = await load(bareUrl, half);
      results.bare.latencies.push(...b.latencies);
      results.bare.seconds += b.seconds;
    }
    const summary = (r: { latencies: number[]; seconds: number }) => {
      const d = distribution(r.latencies);
      return { rps: round(r.latencies.length / r.seconds, 0), p50: round(d.p50, 2), p99: round(d.p99, 2) };
    };
    const o = summary(results.ours);
    const b = summary(results.bare);
    return {
      credential: kind,
      concurrency: options.concurrency,
      requests: half * 2,
      ours: { ...o, cpuMs: round(oursCpu / results.ours.latencies.length, 3) },
      bare: b,
      ratio: round(o.rps / b.rps, 2),
    };
  } finally {
    await agent.close();
    await Promise.all(children.map((c) => c.stop()));
  }
}
