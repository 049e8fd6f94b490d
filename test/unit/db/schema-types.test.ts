import { describe, expect, expectTypeOf, it } from 'vitest';
import type * as postgres from '../../../src/db/postgres/schema.js';
import type * as sqlite from '../../../src/db/sqlite/schema.js';

/**
 * The rows drizzle infers from the two schemas are the same types, table by table (checked by the type
 * checker in `npm test`): the shared repositories read and write one row shape on both engines.
 */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type TableOf<M> = { [K in keyof M]: M[K] extends { $inferSelect: object; $inferInsert: object } ? K : never }[keyof M];
type Shared = TableOf<typeof postgres> & TableOf<typeof sqlite>;
type Row<M, K extends keyof M, Kind extends '$inferSelect' | '$inferInsert'> =
  M[K] extends Record<Kind, infer R> ? R : never;
// PostgreSQL's ids of audit_log and deliveries are identity columns generated always (never inserted);
// SQLite's are autoincrement keys an insert may name.
type Insert<M, K extends keyof M> = K extends 'auditLog' | 'deliveries'
  ? Omit<Row<M, K, '$inferInsert'>, 'id'>
  : Row<M, K, '$inferInsert'>;

/** The tables whose rows differ: `never` when every shared table agrees. */
type Differing = {
  [K in Shared]: Equal<Row<typeof sqlite, K, '$inferSelect'>, Row<typeof postgres, K, '$inferSelect'>> extends true
    ? Equal<Insert<typeof sqlite, K>, Insert<typeof postgres, K>> extends true
      ? never
      : K
    : K;
}[Shared];

describe('the two schemas infer the same row types', () => {
  it('for every table they share (the type checker names any that differs)', () => {
    // A mismatch fails `npm test`'s typecheck with: not assignable to type '{ tablesThatDiffer: "…" }'.
    const verdict: [Differing] extends [never] ? 'every table agrees' : { tablesThatDiffer: Differing } =
      'every table agrees';
    expect(verdict).toBe('every table agrees');
    // The tables the repositories lean on most are among those compared.
    expectTypeOf<'integrations' | 'credentials' | 'deliveries' | 'auditLog'>().toMatchTypeOf<Shared>();
  });
});
