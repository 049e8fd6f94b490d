import { EXIT, requireConfig, withStore, type CliIo } from './context.js';

/** `reauth-bot migrate`: applies pending migrations (opening the store does it) and says so. */
export async function migrateCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io);
  await withStore(config, () => undefined);
  io.stdout(`Database ${config.databasePath} is up to date.`);
  return EXIT.ok;
}
