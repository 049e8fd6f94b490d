import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as postgres from '../../../src/db/postgres/schema.js';
import * as sqlite from '../../../src/db/sqlite/schema.js';

/**
 * The shared repositories (src/db/repositories/) are written once against one table set, and SQLite's
 * schema stands in for PostgreSQL's at runtime: they must declare the same tables, with the same columns,
 * value types and not-null flags. (drizzle-kit needs one schema per dialect, so two stay.)
 */
const ENGINE_ONLY = {
  // SQLite's credential lock is a lease row; PostgreSQL's is an advisory lock (db/postgres/locks.ts).
  sqlite: ['credentialLocks'],
  postgres: [] as string[],
};

type Shape = Record<string, { name: string; columns: Record<string, { type: string; notNull: boolean }> }>;

function shapeOf(
  tables: [string, { name: string; columns: { name: string; dataType: string; notNull: boolean }[] }][],
) {
  const shape: Shape = {};
  for (const [key, table] of tables)
    shape[key] = {
      name: table.name,
      columns: Object.fromEntries(
        table.columns.map((c) => [c.name, { type: c.dataType, notNull: c.notNull }] as const),
      ),
    };
  return shape;
}

const sqliteShape = shapeOf(
  Object.entries(sqlite)
    .filter(([key, value]) => value instanceof SQLiteTable && !ENGINE_ONLY.sqlite.includes(key))
    .map(([key, value]) => [key, sqliteTableConfig(value as SQLiteTable)]),
);
const postgresShape = shapeOf(
  Object.entries(postgres)
    .filter(([key, value]) => value instanceof PgTable && !ENGINE_ONLY.postgres.includes(key))
    .map(([key, value]) => [key, pgTableConfig(value as PgTable)]),
);

describe('the SQLite and PostgreSQL schemas', () => {
  it('declare the same tables', () => {
    expect(Object.keys(sqliteShape).sort()).toEqual(Object.keys(postgresShape).sort());
    expect(Object.keys(sqliteShape).length).toBeGreaterThan(15);
  });

  it.each(Object.keys(postgresShape))('%s: the same columns, value types and not-null flags', (table) => {
    expect(sqliteShape[table]).toEqual(postgresShape[table]);
  });
});
