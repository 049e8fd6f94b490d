import { formatConfigProblems, parseConfig, type Config, type ConfigNeeds, type Environment } from '../config.js';
import { closeDatabase, openDatabase, type Db } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';

export interface CliIo {
  env: Environment;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  now: () => Date;
}

/** Exit codes: 0 fine, 1 a probed integration fails, 2 usage or configuration error, 3 operation failed. */
export const EXIT = { ok: 0, failing: 1, usage: 2, failed: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

export function requireConfig(io: CliIo, needs: ConfigNeeds = {}): Config {
  const result = parseConfig(io.env, needs);
  if (!result.ok) throw new CliError(formatConfigProblems(result.problems));
  return result.config;
}

/** Opens the database, applies pending migrations, runs `work`, always closes. */
export async function withDatabase<T>(config: Config, work: (db: Db) => Promise<T> | T): Promise<T> {
  const db = openDatabase(config.databasePath);
  try {
    runMigrations(db);
    return await work(db);
  } finally {
    closeDatabase(db);
  }
}
