import { Writable } from 'node:stream';
import { runCli } from '../../src/cli.js';
import type { Environment } from '../../src/config.js';
import type { TestApp } from './start-app.js';

/** Runs the CLI in-process with an explicit environment and captures what it prints. */
export async function cli(argv: string[], env: Environment, now = new Date()) {
  const out: string[] = [];
  const err: string[] = [];
  const streamed: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      streamed.push(chunk.toString());
      callback();
    },
  });
  const code = await runCli(argv, {
    env,
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    out: stream,
    now: () => now,
  });
  return { code, stdout: out.join('\n') + streamed.join(''), stderr: err.join('\n') };
}

/** The environment a CLI command needs to work on a running test app's database and catalogue, plus `extra`. */
export function cliEnvOf(
  t: Pick<TestApp, 'config'>,
  extra: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  return {
    DATABASE_PATH: t.config.databasePath,
    ...(t.config.databaseUrl ? { DATABASE_URL: t.config.databaseUrl } : {}),
    INTEGRATIONS_FILE: t.config.integrationsFile,
    REAUTH_SECRET_KEY: t.config.secretKey?.toString('base64') ?? '',
    ...extra,
  };
}
