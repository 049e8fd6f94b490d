import { statSync, existsSync } from 'node:fs';
import { WebClient } from '@slack/web-api';
import { bootstrap } from '../../src/bootstrap.js';
import { parseConfig } from '../../src/config.js';
import { fingerprintSecret } from '../../src/crypto/fingerprint.js';
import { listActiveIntegrations } from '../../src/db/repositories/integrations.js';
import { createLogger } from '../../src/logger.js';
import { createRuntime } from '../../src/runtime.js';
import { commitCredential } from '../../src/services/reauthenticate.js';

/**
 * One health sweep in its own process, so its peak RSS is its own: seeds a credential per
 * integration, then runs every due probe once and reports wall time, RSS and database size.
 */
const parsed = parseConfig(process.env, { secretKey: true });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const config = parsed.config;
const { deps } = bootstrap(config, createLogger({ level: 'error' }));
const runtime = createRuntime(deps, new WebClient('xoxb-unused', { slackApiUrl: 'http://127.0.0.1:9/api/' }), { random: () => 0, concurrency: Number(process.env.SWEEP_CONCURRENCY ?? 32) });

for (const integration of listActiveIntegrations(deps.db)) {
  const token = `bench-${integration.id}-0123456789abcdef`;
  const outcome = { kind: 'valid' as const, identity: { id: integration.id }, scopes: null, expiresAt: null, rateLimitRemaining: null, reason: '' };
  commitCredential(deps, {
    integration,
    actor: 'bench',
    payload: { kind: 'tokens', identifier: integration.provider === 'jira' && integration.authType === 'api_key' ? 'bench@acme.example' : null, tokens: [token] },
    validation: { outcome, tokens: [{ position: 1, fingerprint: fingerprintSecret(token), outcome }] },
    how: 'modal',
  });
}

const started = performance.now();
const probed = await runtime.monitor.runDue();
const wallMs = performance.now() - started;
const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
process.stdout.write(
  `${JSON.stringify({ probed, wallMs, peakRssMb: process.resourceUsage().maxRSS / 1024, dbBytes: size(config.databasePath) + size(`${config.databasePath}-wal`) })}\n`,
);
await deps.http.close();
process.exit(0);
