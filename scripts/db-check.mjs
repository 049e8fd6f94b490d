#!/usr/bin/env node
// `npm run db:check`: for each engine, the committed migrations must match its schema exactly
// (drizzle-kit, generating into a scratch copy, finds "No schema changes") and be consistent
// (drizzle-kit check).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';

const kit = 'node_modules/drizzle-kit/bin.cjs';
let failed = false;
for (const [dialect, kitDialect] of [
  ['sqlite', 'sqlite'],
  ['postgres', 'postgresql'],
]) {
  const scratch = `node_modules/.db-check/${dialect}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  cpSync(`migrations/${dialect}`, scratch, { recursive: true });
  const out = execFileSync(
    process.execPath,
    [
      kit,
      'generate',
      '--dialect',
      kitDialect,
      '--schema',
      `src/db/${dialect}/schema.ts`,
      '--casing',
      'snake_case',
      '--out',
      scratch,
    ],
    { encoding: 'utf8' },
  );
  if (!out.includes('No schema changes')) {
    process.stderr.write(
      `${dialect}: src/db/${dialect}/schema.ts and migrations/${dialect} differ; run npm run db:generate.\n${out}\n`,
    );
    failed = true;
    continue;
  }
  execFileSync(process.execPath, [kit, 'check', '--config', `drizzle.${dialect}.config.ts`], { stdio: 'inherit' });
  process.stdout.write(`${dialect}: migrations match the schema.\n`);
}
process.exit(failed ? 1 : 0);
