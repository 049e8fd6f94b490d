import { describe, expectTypeOf, it } from 'vitest';
import type * as postgres from '../../../src/db/postgres/schema.js';
import type * as sqlite from '../../../src/db/sqlite/schema.js';

/**
 * The rows drizzle infers from the two schemas are the same types, table by table (checked by the
 * type checker in `npm test`): the shared repositories read and write one row shape on both engines.
 */
type Same<K extends keyof typeof postgres & keyof typeof sqlite> = {
  select: [
    (typeof sqlite)[K] extends { $inferSelect: infer S } ? S : never,
    (typeof postgres)[K] extends { $inferSelect: infer P } ? P : never,
  ];
  insert: [
    (typeof sqlite)[K] extends { $inferInsert: infer S } ? S : never,
    (typeof postgres)[K] extends { $inferInsert: infer P } ? P : never,
  ];
};

describe('the two schemas infer the same row types', () => {
  it('alerts', () => {
    expectTypeOf<Same<'alerts'>['select'][0]>().toEqualTypeOf<Same<'alerts'>['select'][1]>();
    expectTypeOf<Same<'alerts'>['insert'][0]>().toEqualTypeOf<Same<'alerts'>['insert'][1]>();
  });
  it('auditLog', () => {
    expectTypeOf<Same<'auditLog'>['select'][0]>().toEqualTypeOf<Same<'auditLog'>['select'][1]>();
    // PostgreSQL's id is an identity column generated always (never inserted); SQLite's an autoincrement key.
    expectTypeOf<Omit<Same<'auditLog'>['insert'][0], 'id'>>().toEqualTypeOf<
      Omit<Same<'auditLog'>['insert'][1], 'id'>
    >();
  });
  it('consumerGrants', () => {
    expectTypeOf<Same<'consumerGrants'>['select'][0]>().toEqualTypeOf<Same<'consumerGrants'>['select'][1]>();
    expectTypeOf<Same<'consumerGrants'>['insert'][0]>().toEqualTypeOf<Same<'consumerGrants'>['insert'][1]>();
  });
  it('consumerRates', () => {
    expectTypeOf<Same<'consumerRates'>['select'][0]>().toEqualTypeOf<Same<'consumerRates'>['select'][1]>();
    expectTypeOf<Same<'consumerRates'>['insert'][0]>().toEqualTypeOf<Same<'consumerRates'>['insert'][1]>();
  });
  it('credentials', () => {
    expectTypeOf<Same<'credentials'>['select'][0]>().toEqualTypeOf<Same<'credentials'>['select'][1]>();
    expectTypeOf<Same<'credentials'>['insert'][0]>().toEqualTypeOf<Same<'credentials'>['insert'][1]>();
  });
  it('deliveries', () => {
    expectTypeOf<Same<'deliveries'>['select'][0]>().toEqualTypeOf<Same<'deliveries'>['select'][1]>();
    // PostgreSQL's id is an identity column generated always (never inserted); SQLite's an autoincrement key.
    expectTypeOf<Omit<Same<'deliveries'>['insert'][0], 'id'>>().toEqualTypeOf<
      Omit<Same<'deliveries'>['insert'][1], 'id'>
    >();
  });
  it('deliveryNotices', () => {
    expectTypeOf<Same<'deliveryNotices'>['select'][0]>().toEqualTypeOf<Same<'deliveryNotices'>['select'][1]>();
    expectTypeOf<Same<'deliveryNotices'>['insert'][0]>().toEqualTypeOf<Same<'deliveryNotices'>['insert'][1]>();
  });
  it('expiryWarnings', () => {
    expectTypeOf<Same<'expiryWarnings'>['select'][0]>().toEqualTypeOf<Same<'expiryWarnings'>['select'][1]>();
    expectTypeOf<Same<'expiryWarnings'>['insert'][0]>().toEqualTypeOf<Same<'expiryWarnings'>['insert'][1]>();
  });
  it('healthStates', () => {
    expectTypeOf<Same<'healthStates'>['select'][0]>().toEqualTypeOf<Same<'healthStates'>['select'][1]>();
    expectTypeOf<Same<'healthStates'>['insert'][0]>().toEqualTypeOf<Same<'healthStates'>['insert'][1]>();
  });
  it('integrations', () => {
    expectTypeOf<Same<'integrations'>['select'][0]>().toEqualTypeOf<Same<'integrations'>['select'][1]>();
    expectTypeOf<Same<'integrations'>['insert'][0]>().toEqualTypeOf<Same<'integrations'>['insert'][1]>();
  });
  it('oauthStates', () => {
    expectTypeOf<Same<'oauthStates'>['select'][0]>().toEqualTypeOf<Same<'oauthStates'>['select'][1]>();
    expectTypeOf<Same<'oauthStates'>['insert'][0]>().toEqualTypeOf<Same<'oauthStates'>['insert'][1]>();
  });
  it('pendingCredentials', () => {
    expectTypeOf<Same<'pendingCredentials'>['select'][0]>().toEqualTypeOf<Same<'pendingCredentials'>['select'][1]>();
    expectTypeOf<Same<'pendingCredentials'>['insert'][0]>().toEqualTypeOf<Same<'pendingCredentials'>['insert'][1]>();
  });
  it('rotationAttempts', () => {
    expectTypeOf<Same<'rotationAttempts'>['select'][0]>().toEqualTypeOf<Same<'rotationAttempts'>['select'][1]>();
    expectTypeOf<Same<'rotationAttempts'>['insert'][0]>().toEqualTypeOf<Same<'rotationAttempts'>['insert'][1]>();
  });
  it('secretForms', () => {
    expectTypeOf<Same<'secretForms'>['select'][0]>().toEqualTypeOf<Same<'secretForms'>['select'][1]>();
    expectTypeOf<Same<'secretForms'>['insert'][0]>().toEqualTypeOf<Same<'secretForms'>['insert'][1]>();
  });
  it('storeMarkers', () => {
    expectTypeOf<Same<'storeMarkers'>['select'][0]>().toEqualTypeOf<Same<'storeMarkers'>['select'][1]>();
    expectTypeOf<Same<'storeMarkers'>['insert'][0]>().toEqualTypeOf<Same<'storeMarkers'>['insert'][1]>();
  });
  it('tokenRevocations', () => {
    expectTypeOf<Same<'tokenRevocations'>['select'][0]>().toEqualTypeOf<Same<'tokenRevocations'>['select'][1]>();
    expectTypeOf<Same<'tokenRevocations'>['insert'][0]>().toEqualTypeOf<Same<'tokenRevocations'>['insert'][1]>();
  });
  it('webhookReplays', () => {
    expectTypeOf<Same<'webhookReplays'>['select'][0]>().toEqualTypeOf<Same<'webhookReplays'>['select'][1]>();
    expectTypeOf<Same<'webhookReplays'>['insert'][0]>().toEqualTypeOf<Same<'webhookReplays'>['insert'][1]>();
  });
});
