import { composeCore, type Core, type CoreOptions } from '../../src/compose.js';
import { parseConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';

/**
 * The core of Reauth — store, providers, services — as a test's child process runs it: composed by the
 * product's own composition root from the environment the parent passed (REAUTH_SECRET_KEY,
 * DATABASE_PATH or DATABASE_URL, INTEGRATIONS_FILE, …), so a child never copies the wiring. Nothing is
 * started: the child drives the services itself.
 */
export async function composeChildCore(
  env: Record<string, string | undefined>,
  options: CoreOptions = {},
): Promise<Core> {
  const parsed = parseConfig(env, { secretKey: true });
  if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
  return composeCore(parsed.config, createLogger({ level: 'silent' }), options);
}
