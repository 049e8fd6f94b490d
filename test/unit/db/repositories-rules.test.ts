import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The shared repositories (src/db/repositories/) are written once for both engines: no driver's own
 * calls there, and inside a transaction every statement goes through the handle it was given.
 */
const folder = 'src/db/repositories';
const files = readdirSync(folder)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => ({ name, text: readFileSync(join(folder, name), 'utf8') }));

/** The text of each `transaction(` call's argument list, brackets matched. */
function transactionBodies(text: string): string[] {
  const bodies: string[] = [];
  for (let at = text.indexOf('transaction('); at >= 0; at = text.indexOf('transaction(', at + 1)) {
    let depth = 0;
    for (let i = at + 'transaction'.length; i < text.length; i += 1) {
      if (text[i] === '(') depth += 1;
      if (text[i] === ')') depth -= 1;
      if (depth === 0) {
        bodies.push(text.slice(at, i + 1));
        break;
      }
    }
  }
  return bodies;
}

describe('the shared repositories', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files)('$name makes no driver-specific call', ({ text }) => {
    const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const driverOnly of [
      /\.run\(\)/, // better-sqlite3 through drizzle
      /\.get\(\)/,
      /\.all\(\)/,
      /\.values\(\)\s*;/,
      /[\w)\]]\.changes\b/,
      /[\w)\]]\.rowCount\b/,
      /\$client/,
      /\.execute\(/,
      /\.for\(/,
      /from 'better-sqlite3'|from 'pg'|drizzle-orm\/(better-sqlite3|node-postgres|sqlite-core)'/,
      // Types only from an engine's folder (dialect.ts types the tables by PostgreSQL's schema).
      /^import (?!type )[^;]*from '\.\.\/(sqlite|postgres)\//m,
    ])
      expect(code, String(driverOnly)).not.toMatch(driverOnly);
  });

  it.each(files.filter((f) => transactionBodies(f.text).length > 0))(
    '$name: inside a transaction, statements use the handle given, never the database or the queue',
    ({ text }) => {
      for (const body of transactionBodies(text)) expect(body).not.toMatch(/\bdb\.|\brun\(/);
    },
  );

  it('the rule can fail: a transaction that reaches for the database is caught', () => {
    const bad = 'transaction(async (tx) => { await db.insert(t).values(v); })';
    expect(transactionBodies(bad).some((body) => /\bdb\./.test(body))).toBe(true);
  });
});
