import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/db.js';
import { newKeyText } from '../../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../../helpers/postgres.js';

/** The CLI on PostgreSQL: migrate, list and audit work; backup names the right tool; the password never prints. */
describe('reauth-bot with DATABASE_URL', () => {
  let postgres: TestPostgres;
  let dir: ReturnType<typeof tempDir>;
  let env: Record<string, string>;
  beforeAll(async () => {
    postgres = await startTestPostgres();
    dir = tempDir();
    writeFileSync(
      join(dir.path, 'integrations.yml'),
      'integrations:\n  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "https://gitlab.example" }\n',
    );
    const url = new URL(await postgres.newDatabase());
    url.password = 'CLIPASSWORDCANARY';
    env = {
      DATABASE_URL: url.toString(),
      INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
      REAUTH_SECRET_KEY: newKeyText(),
    };
  });
  afterAll(async () => {
    await postgres?.close();
    dir?.cleanup();
  });

  it('migrate applies the PostgreSQL migrations (twice is fine) and never prints the password', async () => {
    const first = await cli(['migrate'], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Database postgres:\/\/127\.0\.0\.1:\d+\/reauth_\d+_\d+ is up to date\.$/);
    expect((await cli(['migrate'], env)).code).toBe(0);
    expect(`${first.stdout}${first.stderr}`).not.toContain('CLIPASSWORDCANARY');
  });

  it('list syncs and prints the catalogue; audit exports it; backup names pg_dump', async () => {
    const list = await cli(['list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/gitlab\s+gitlab\s+pat\s+unknown/);
    // deliver syncs the catalogue as the server does (nothing to deliver): the sync is audited.
    expect((await cli(['deliver'], env)).stdout).toContain('No integration has deliver: sinks.');
    const audit = await cli(['audit'], env);
    expect(audit.stdout).toContain('"action":"catalogue.add"');
    const backup = await cli(['backup', join(dir.path, 'copy.db')], env);
    expect(`${backup.stdout}${backup.stderr}`).toMatch(/pg_dump/);
  });

  it('a DATABASE_URL that is not PostgreSQL stops with the variable and the fix', async () => {
    const result = await cli(['list'], { ...env, DATABASE_URL: 'mysql://db/reauth' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/DATABASE_URL: must be a PostgreSQL URL/);
  });
});
