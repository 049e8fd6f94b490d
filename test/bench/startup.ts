import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSlackEmulator } from '../../src/sandbox/slack/emulator.js';
import { freePort } from '../helpers/start-app.js';
import { distFile, startChild, waitForHealthy } from './processes.js';
import { memoryOf, round } from './stats.js';

export interface StartupResult {
  integrations: number;
  freshMs: number;
  warmMs: number;
  idleRssMb: number;
  idlePeakRssMb: number;
}

/** Process start → GET /healthz ready, with a catalogue of N integrations; then RSS at idle. */
export async function measureStartup(options: {
  integrations: number;
  dir: string;
  idleMs: number;
}): Promise<StartupResult> {
  const botToken = `xoxb-bench-${randomBytes(6).toString('hex')}`;
  const slack = await startSlackEmulator({ botToken });
  const catalogue = join(options.dir, `startup-${options.integrations}.yml`);
  const entries = Array.from(
    { length: options.integrations },
    (_, i) => `  - { id: s${i}, provider: gitlab, auth: pat, channel: C0BENCH }`,
  );
  writeFileSync(catalogue, `integrations:\n${entries.join('\n')}\n`);
  const env = {
    SLACK_BOT_TOKEN: botToken,
    SLACK_SIGNING_SECRET: 'bench',
    SLACK_API_URL: slack.apiUrl,
    DATABASE_PATH: join(options.dir, `startup-${options.integrations}.db`),
    REAUTH_SECRET_KEY: randomBytes(32).toString('base64'),
    INTEGRATIONS_FILE: catalogue,
    HEALTH_CHECK_INTERVAL_SECONDS: '0',
    REMINDER_INTERVAL_HOURS: '0',
    LOG_LEVEL: 'warn',
  };
  try {
    const once = async () => {
      const port = await freePort();
      const started = performance.now();
      const child = startChild(distFile('../../bundle/main.mjs'), { ...env, PORT: String(port) });
      try {
        const ms = await waitForHealthy(`http://127.0.0.1:${port}/healthz`, started);
        await new Promise((resolve) => setTimeout(resolve, options.idleMs));
        return { ms, memory: await memoryOf(child.process.pid ?? 0) };
      } finally {
        await child.stop();
      }
    };
    const fresh = await once();
    const warm = await once();
    return {
      integrations: options.integrations,
      freshMs: round(fresh.ms, 0),
      warmMs: round(warm.ms, 0),
      idleRssMb: warm.memory.rssMb,
      idlePeakRssMb: warm.memory.peakMb,
    };
  } finally {
    await slack.close();
  }
}
