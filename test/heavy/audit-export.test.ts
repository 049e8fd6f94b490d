import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/db/sqlite/store.js';
import { tempDir } from '../helpers/db.js';
import { BUILT } from '../helpers/build.js';

/** A million rows through the real CLI in its own process: the peak RSS must not grow with the log. */
describe('reauth-bot audit over 1,000,000 rows', () => {
  const build = BUILT;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir();
    const store = openSqliteStore(join(dir.path, 'reauth.db'));
    await store.close();
    // Generated in SQL: a million realistic rows in one transaction.
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(dir.path, 'reauth.db'));
    db.exec(`with recursive n(i) as (select 1 union all select i + 1 from n where i < 1000000)
      insert into audit_log (at, actor, integration_id, action, outcome, fingerprint, detail)
      select 1790000000000 + i * 1000, 'U' || (i % 50), 'integration-' || (i % 300), 'reauth.modal', case when i % 7 = 0 then 'invalid_credentials' else 'success' end, printf('%08x', i), json_object('served', json_array('integration-' || (i % 300)), 'note', 'row, "' || i || '"') from n`);
    db.close();
  }, 120_000);
  afterAll(() => {
    dir?.cleanup();
  });

  it.each(['jsonl', 'csv'])(
    '%s: every row out, memory flat',
    async (format) => {
      // The heap is capped at 64 MB: an export that held the rows (well over a gigabyte) dies of it; one that
      // streams finishes. Without the cap, Node 24's collector lets a streaming process grow to ~350 MB before it collects.
      const child = spawn(
        process.execPath,
        [
          '--max-old-space-size=64',
          '--max-semi-space-size=4',
          '--import',
          'data:text/javascript,process.on("exit",()=>process.stderr.write("maxrss="+process.resourceUsage().maxRSS+"\\n"))',
          join(build, 'dist/bundle/cli.mjs'),
          'audit',
          '--format',
          format,
        ],
        {
          env: {
            ...process.env,
            DATABASE_PATH: join(dir.path, 'reauth.db'),
            INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let lines = 0;
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        for (const byte of chunk) if (byte === 10) lines += 1;
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
      expect(code, stderr).toBe(0);
      // JSON lines: one line a row. CSV: a header, and a row per line (no value holds a line break here).
      expect(lines).toBe(format === 'csv' ? 1_000_001 : 1_000_000);
      const peakMb = Number(/maxrss=(\d+)/.exec(stderr)?.[1]) / 1024;
      console.log(`audit export of 1,000,000 rows as ${format}: peak RSS ${peakMb.toFixed(1)} MB`);
      // Holding the rows would take well over a gigabyte; streaming stays near the process's own size.
      expect(peakMb).toBeLessThan(200);
    },
    120_000,
  );
});
