import { EXIT, requireConfig, withDatabase, type CliIo } from './context.js';

/** `reauth-bot migrate`: applies pending migrations (withDatabase does it) and says so. */
export async function migrateCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io);
  await withDatabase(config, () => undefined);
  io.stdout(`Database ${config.databasePath} is up to date.`);
  return EXIT.ok;
}
