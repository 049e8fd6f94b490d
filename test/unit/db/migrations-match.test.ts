import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `npm run db:check` in every test run: each engine's committed migrations match its schema exactly. */
describe('migrations and schemas', () => {
  it('agree for SQLite and PostgreSQL', () => {
    const run = spawnSync(process.execPath, ['scripts/db-check.mjs'], { encoding: 'utf8' });
    expect(run.status, run.stderr + run.stdout).toBe(0);
    expect(run.stdout).toContain('sqlite: migrations match the schema.');
    expect(run.stdout).toContain('postgres: migrations match the schema.');
  });

  it('are told apart when a schema changes without its migration', () => {
    // The check itself can fail: a copy of the project whose PostgreSQL schema gained a column.
    const copy = mkdtempSync(join(tmpdir(), 'reauth-dbcheck-'));
    try {
      for (const path of [
        'scripts',
        'migrations',
        'src',
        'drizzle.sqlite.config.ts',
        'drizzle.postgres.config.ts',
        'package.json',
        'tsconfig.json',
      ])
        cpSync(path, join(copy, path), { recursive: true });
      symlinkSync(resolve('node_modules'), join(copy, 'node_modules'));
      const schema = join(copy, 'src/db/postgres/schema.ts');
      writeFileSync(
        schema,
        readFileSync(schema, 'utf8').replace(
          '  seenAt: at().notNull(),\n});',
          '  seenAt: at().notNull(),\n  extra: text(),\n});',
        ),
      );
      const run = spawnSync(process.execPath, ['scripts/db-check.mjs'], { cwd: copy, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('postgres: src/db/postgres/schema.ts and migrations/postgres differ');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
