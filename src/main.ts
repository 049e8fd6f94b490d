import './node-version.js';
import { compose, StartupError } from './compose.js';
import { formatConfigProblems, parseConfig, readEnvironment } from './config.js';
import { createLogger } from './logger.js';

/** The only file with side effects: config → logger → composition (store, catalogue, services, app) → start; signals. */
async function main(): Promise<void> {
  const parsed = parseConfig(readEnvironment(), { slack: true, secretKey: true });
  if (!parsed.ok) {
    process.stderr.write(`${formatConfigProblems(parsed.problems)}\n`);
    process.exit(1);
  }
  const config = parsed.config;
  const logger = createLogger({ level: config.logLevel });
  for (const warning of parsed.warnings) logger.warn({ event: 'config_warning' }, warning);
  let reauth: Awaited<ReturnType<typeof compose>>;
  try {
    reauth = await compose(config, logger);
  } catch (error) {
    const message = error instanceof StartupError ? error.message : `Reauth cannot start: ${(error as Error).message}`;
    logger.error({ event: error instanceof StartupError ? error.event : 'startup_failed' }, message);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  const { sync } = reauth;
  logger.info(
    {
      event: 'catalogue_synced',
      added: sync.added.length,
      updated: sync.updated.length,
      archived: sync.archived.length,
      authChanged: sync.authChanged,
    },
    'catalogue synced',
  );

  const { port } = await reauth.start({
    monitor: config.healthCheckIntervalSeconds > 0 || config.reminderIntervalHours > 0,
  });
  logger.info(
    { event: 'started', port, mode: config.slack.appToken ? 'socket' : 'http', publicUrl: config.publicUrl },
    'Reauth is running',
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) {
      // A second signal: the operator wants out now.
      logger.warn({ event: 'shutdown_forced', signal }, 'second signal: exiting at once');
      process.exit(1);
    }
    stopping = true;
    logger.info({ event: 'shutdown_started', signal }, 'shutting down: finishing work in flight (at most 10 s)');
    try {
      const drained = await reauth.stop();
      logger.info(
        { event: 'shutdown_complete', drained },
        drained ? 'stopped cleanly' : 'stopped; some work did not finish within 10 s',
      );
      process.exit(0);
    } catch (error) {
      logger.error({ err: error, event: 'shutdown_failed' }, 'stopping cleanly failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // SIGHUP reads integrations.yml again for its consumers (as saving the file does).
  process.on('SIGHUP', () => void reauth.reloadConsumers());
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Reauth stopped: ${(error as Error).message}\n`);
  process.exit(1);
});
