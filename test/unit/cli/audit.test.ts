import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/db/sqlite/store.js';
import { cli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/db.js';

describe('reauth-bot audit', () => {
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = tempDir();
    env = { DATABASE_PATH: join(dir.path, 'reauth.db'), INTEGRATIONS_FILE: join(dir.path, 'integrations.yml') };
    const store = openSqliteStore(env.DATABASE_PATH ?? '');
    const day = (d: number) => new Date(Date.UTC(2026, 10, d, 9));
    await store.audit.record(
      {
        actor: 'U1',
        integrationId: 'jira',
        action: 'reauth.modal',
        outcome: 'success',
        fingerprint: 'abcd1234',
        detail: { note: 'comma, "quote" and\nnewline' },
      },
      day(1),
    );
    await store.audit.record(
      { actor: 'U2', integrationId: 'gitlab', action: 'reauth.modal', outcome: 'invalid_credentials', detail: null },
      day(5),
    );
    await store.audit.record(
      {
        actor: 'catalogue',
        integrationId: 'jira',
        action: 'catalogue.update',
        outcome: 'ok',
        detail: { fields: ['name'] },
      },
      day(9),
    );
    await store.audit.record(
      {
        actor: 'consumer:ingest',
        integrationId: '=HYPERLINK("https://evil.example","x")',
        action: 'credential.read',
        outcome: 'forbidden',
        detail: null,
      },
      day(20),
    );
    await store.close();
  });
  afterAll(() => dir.cleanup());

  it('exports JSON lines, oldest first, filtered by time and integration', async () => {
    const all = await cli(['audit'], env);
    expect(all.code).toBe(0);
    const rows = all.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.actor)).toEqual(['U1', 'U2', 'catalogue', 'consumer:ingest']);
    expect(rows[0]).toMatchObject({
      at: '2026-11-01T09:00:00.000Z',
      integration: 'jira',
      fingerprint: 'abcd1234',
      detail: { note: 'comma, "quote" and\nnewline' },
    });
    const some = await cli(['audit', '--since', '2026-11-02', '--until', '2026-11-10', '--integration', 'jira'], env);
    expect(
      some.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { action: string }).action),
    ).toEqual(['catalogue.update']);
  });

  it('exports CSV a spreadsheet reads back field for field, commas, quotes and line breaks included', async () => {
    const result = await cli(['audit', '--format', 'csv'], env);
    const records = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0] ?? {})).toEqual([
      'id',
      'at',
      'actor',
      'integration',
      'action',
      'outcome',
      'fingerprint',
      'detail',
    ]);
    expect(records).toHaveLength(4);
    expect(JSON.parse(records[0]?.detail ?? '{}')).toEqual({ note: 'comma, "quote" and\nnewline' });
    expect(records[1]).toMatchObject({ actor: 'U2', outcome: 'invalid_credentials', detail: '' });
  });

  it('never lets a spreadsheet run a value as a formula', async () => {
    const result = await cli(
      ['audit', '--format', 'csv', '--integration', '=HYPERLINK("https://evil.example","x")'],
      env,
    );
    const [record] = parse(result.stdout, { columns: true }) as Record<string, string>[];
    expect(record?.integration).toBe(`'=HYPERLINK("https://evil.example","x")`);
    expect(result.stdout).not.toMatch(/(^|,)=HYPERLINK/m);
  });

  it('refuses bad options with a message naming them', async () => {
    expect(await cli(['audit', '--since', 'yesterday-ish'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--since: "yesterday-ish" is not a date'),
    });
    expect(await cli(['audit', '--format', 'xml'], env)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--format: "xml" is not jsonl or csv'),
    });
    expect(await cli(['audit', '--colour'], env)).toMatchObject({ code: 2 });
  });
});
