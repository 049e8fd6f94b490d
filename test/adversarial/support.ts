import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { Db } from '../../src/db/sqlite/client.js';
import type { ProviderEmulator } from '../../src/sandbox/providers/emulator.js';
import type { TestApp } from '../helpers/start-app.js';
import { BUILT } from '../helpers/build.js';

/** CI runs the adversarial suite small; `npm run soak` (REAUTH_SOAK=1) runs it at full size. */
export const SOAK = process.env.REAUTH_SOAK === '1';
export const SIZE = {
  ...(SOAK
    ? { kills: 1_000, fuzzCases: 100_000, replicaKills: 200, rotationKills: 200, databaseRestarts: 40 }
    : { kills: 50, fuzzCases: 2_000, replicaKills: 12, rotationKills: 10, databaseRestarts: 4 }),
  ...(process.env.REAUTH_KILLS ? { kills: Number(process.env.REAUTH_KILLS) } : {}),
  ...(process.env.REAUTH_FUZZ_CASES ? { fuzzCases: Number(process.env.REAUTH_FUZZ_CASES) } : {}),
  ...(process.env.REAUTH_REPLICA_KILLS ? { replicaKills: Number(process.env.REAUTH_REPLICA_KILLS) } : {}),
  ...(process.env.REAUTH_ROTATION_KILLS ? { rotationKills: Number(process.env.REAUTH_ROTATION_KILLS) } : {}),
  ...(process.env.REAUTH_DATABASE_RESTARTS ? { databaseRestarts: Number(process.env.REAUTH_DATABASE_RESTARTS) } : {}),
};

/** What must not change when a request is refused: credentials, integrations, health and alerts. */
export function stateDigest(db: Db): string {
  const rows = ['credentials', 'integrations', 'health_states', 'alerts', 'oauth_states', 'expiry_warnings'].map(
    (table) => db.$client.prepare(`select * from ${table} order by 1`).all(),
  );
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/** Every place a secret could leak to: logs, every Slack call, the HTTP answers given, the database file and its WAL. */
export function expectNoLeaks(t: TestApp, secrets: readonly string[], answers: readonly string[] = []): void {
  const places: [string, string][] = [
    ['logs', t.logs.text()],
    ['Slack calls', JSON.stringify(t.slack.calls)],
    ['Slack messages', JSON.stringify(t.slack.messages)],
    ['HTTP answers', answers.join('\n')],
  ];
  for (const suffix of ['', '-wal']) {
    const file = `${t.config.databasePath}${suffix}`;
    if (existsSync(file)) places.push([`database${suffix}`, readFileSync(file).toString('latin1')]);
  }
  for (const secret of secrets) {
    for (const [where, text] of places)
      expect(text.includes(secret), `a planted secret reached the ${where}`).toBe(false);
  }
}

/** Each adversarial file reports its counts; `npm run soak` prints them all (scripts/soak-report.mjs). */
export function report(name: string, counts: Record<string, number>): void {
  mkdirSync('test-results/adversarial', { recursive: true });
  writeFileSync(`test-results/adversarial/${name}.json`, JSON.stringify({ name, soak: SOAK, ...counts }, null, 2));
}

/** A token integration, an OAuth one and an app integration, all owned by U0OWNER. */
export const adversarialCatalogue = (p: ProviderEmulator): string => `integrations:
  - { id: gitlab, name: GitLab, provider: gitlab, auth: pat, url: "${p.baseUrl('gitlab')}", owners: [U0OWNER] }
  - { id: bb-oauth, name: Bitbucket OAuth, provider: bitbucket, auth: oauth, url: "${p.baseUrl('bitbucket')}", owners: [U0OWNER] }
  - { id: jira-connect, name: Jira Connect, provider: jira, auth: connect_app, url: "${p.baseUrl('jira')}", owners: [U0OWNER] }
`;

/**
 * A worker of the built tests in a child process, started and waited for until it prints `ready`: its
 * output so far, and a kill (SIGKILL) that resolves once it has exited. A worker that stops any other way
 * before it is killed fails the wait with its last stderr.
 */
export async function startKillableWorker(
  file: string,
  env: Record<string, string>,
): Promise<{ output: () => string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, [join(BUILT, file)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', () => (out.includes('ready\n') ? ok() : undefined));
    child.once('exit', (code, signal) =>
      signal === 'SIGKILL'
        ? ok()
        : fail(new Error(`the worker ${file} stopped (${code}): ${out.slice(-500)} ${err.slice(-2000)}`)),
    );
  });
  return {
    output: () => out,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
