import { statSync, existsSync } from 'node:fs';
import { compose } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { createLogger } from '../../src/logger.js';

/**
 * One health sweep in its own process, so its peak RSS is its own: seeds a credential per
 * integration, then runs every due probe once and reports wall time, RSS and database size.
 */
// The sweep never talks to Slack: the app is built but never started.
const parsed = parseConfig(
  {
    SLACK_BOT_TOKEN: 'xoxb-unused',
    SLACK_SIGNING_SECRET: 'unused',
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    ...process.env,
  },
  { secretKey: true },
);
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const config = parsed.config;
const reauth = await compose(config, createLogger({ level: 'error' }), { random: () => 0 });
// SWEEP_MODE: `seed` stores the credentials only, `sweep` probes only (replicas sharing a database), unset both.
const mode = process.env.SWEEP_MODE ?? 'both';

for (const integration of mode === 'sweep' ? [] : await reauth.store.integrations.listActive()) {
  const token = `bench-${integration.id}-0123456789abcdef`;
  const outcome = {
    kind: 'valid' as const,
    identity: { id: integration.id },
    scopes: null,
    expiresAt: null,
    rateLimitRemaining: null,
    reason: '',
  };
  await reauth.services.credentialCommit.commit({
    integration,
    actor: 'bench',
    payload: {
      kind: 'tokens',
      identifier: integration.provider === 'jira' && integration.authType === 'api_key' ? 'bench@acme.example' : null,
      tokens: [token],
    },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
}

if (process.env.SWEEP_BARRIER === '1') {
  // Replicas start their sweep together: each says it is ready, then waits for the parent's "go".
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}
const startedAt = Date.now();
const started = performance.now();
const probed = mode === 'seed' ? 0 : await reauth.monitor.runDue();
const wallMs = performance.now() - started;
const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
process.stdout.write(
  `${JSON.stringify({ probed, wallMs, startedAt, endedAt: Date.now(), peakRssMb: process.resourceUsage().maxRSS / 1024, dbBytes: size(config.databasePath) + size(`${config.databasePath}-wal`) })}\n`,
);
await reauth.http.close();
await reauth.store.close();
process.exit(0);
