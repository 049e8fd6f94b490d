import { describe, expect, it } from 'vitest';
import { CredentialChangedError, isDatabaseUnavailable } from '../../../src/db/store.js';
import { keepAnswer } from '../../../src/services/keep-answer.js';

describe("a provider's answer offered to a database that is restarting", () => {
  it('is retried while the database is unreachable, and stored once it answers', async () => {
    let calls = 0;
    const stored = await keepAnswer(async () => {
      calls += 1;
      if (calls < 3)
        throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
      return 'stored';
    });
    expect(stored).toBe('stored');
    expect(calls).toBe(3);
  });

  it('is not retried when the error is an answer or a bug', async () => {
    for (const error of [new CredentialChangedError('integration:x'), new Error('no such table: token_revocations')]) {
      let calls = 0;
      await expect(
        keepAnswer(async () => {
          calls += 1;
          throw error;
        }),
      ).rejects.toBe(error);
      expect(calls).toBe(1);
    }
  });

  it('tells an unreachable database from everything else', () => {
    for (const unavailable of [
      { code: '57P01' },
      { code: '08006' },
      { code: 'ECONNREFUSED' },
      { code: 'SQLITE_BUSY_SNAPSHOT' },
      new Error('Connection terminated unexpectedly'),
      new Error('Query read timeout'),
      new Error('timeout exceeded when trying to connect'),
    ])
      expect(isDatabaseUnavailable(unavailable), JSON.stringify(unavailable)).toBe(true);
    for (const other of [{ code: '23505' }, new Error('no such table: x'), undefined, null, 'text'])
      expect(isDatabaseUnavailable(other), String(other)).toBe(false);
  });
});
