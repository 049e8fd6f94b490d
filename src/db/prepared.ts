/**
 * Prepared statements, built once per connection. drizzle re-builds and SQLite re-compiles a query on
 * every call otherwise; on the interaction paths that was a quarter of the CPU time (see README, Performance).
 */
const cache = new WeakMap<object, Map<string, unknown>>();

export function prepared<T>(db: object, name: string, build: () => T): T {
  // A drizzle transaction runs on the same better-sqlite3 connection as its database (synchronously),
  // so statements are cached per connection and serve both.
  const key = (db as { $client?: object }).$client ?? (db as { session?: { client?: object } }).session?.client ?? db;
  let statements = cache.get(key);
  if (!statements) {
    statements = new Map();
    cache.set(key, statements);
  }
  let statement = statements.get(name) as T | undefined;
  if (!statement) {
    statement = build();
    statements.set(name, statement);
  }
  return statement;
}
