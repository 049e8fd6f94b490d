import { EXIT, requireConfig, withStore, type CliIo } from './context.js';

/** Where the database is, for people: the SQLite path, or PostgreSQL's host and database (never the password). */
export function databaseLabel(config: { databasePath: string; databaseUrl: string | undefined }): string {
  if (!config.databaseUrl) return config.databasePath;
  try {
    const url = new URL(config.databaseUrl);
    return `postgres://${url.hostname}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

/** `reauth-bot migrate`: applies pending migrations (opening the store does it) and says so. */
export async function migrateCommand(io: CliIo): Promise<number> {
  const config = requireConfig(io);
  await withStore(config, () => undefined);
  io.stdout(`Database ${databaseLabel(config)} is up to date.`);
  return EXIT.ok;
}
