import { existsSync } from 'node:fs';
import { CliError, EXIT, requireConfig, withStore, type CliIo } from './context.js';

/**
 * `reauth-bot backup <file>`: a consistent copy of the database, taken while the server keeps
 * writing. Restore by stopping the server and copying the file back to DATABASE_PATH.
 */
export async function backupCommand(io: CliIo, args: string[]): Promise<number> {
  const [target] = args;
  if (!target) throw new CliError('Name the file to write: reauth-bot backup <file>.');
  if (existsSync(target))
    throw new CliError(`${target} already exists; choose a new file (a backup never overwrites one).`);
  const config = requireConfig(io);
  return withStore(config, async (store) => {
    const result = await store.backup(target);
    if ('unsupported' in result) throw new CliError(result.unsupported);
    io.stdout(
      `Wrote a consistent copy of ${config.databasePath} (${result.pages} pages) to ${target}. Restore it by stopping Reauth and copying it back to DATABASE_PATH; the sealed secrets need the same REAUTH_SECRET_KEY.`,
    );
    return EXIT.ok;
  });
}
