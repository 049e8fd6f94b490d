import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * migrations/<dialect>/ sits at the package root, both from src/db and from dist/src/db.
 */
export function migrationsFolder(dialect: 'sqlite' | 'postgres'): string {
  for (const relative of [`../../migrations/${dialect}`, `../../../migrations/${dialect}`]) {
    const candidate = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(`${candidate}/meta/_journal.json`)) return candidate;
  }
  throw new Error('The migrations folder was not found next to the package; reinstall Reauth.');
}
