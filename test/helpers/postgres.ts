import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './start-app.js';

/**
 * A real PostgreSQL (Debian's, installed by .ci/run) started for the tests: a temporary data
 * directory, loopback only, trust authentication, fsync off (the data is thrown away). As root the
 * server runs as the `postgres` user, since PostgreSQL refuses to run as root.
 */
export interface TestPostgres {
  port: number;
  /** The server's data directory (its tables and write-ahead log as they rest on disk). */
  dataDir: string;
  /** With `tls`: the self-signed certificate the server presents (for `sslrootcert`). */
  certificate?: string;
  /** A URL for a new, empty database. */
  newDatabase(name?: string): Promise<string>;
  /** Stops the server (fast shutdown: open connections are cut) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('PostgreSQL is not installed: apt-get install postgresql (.ci/run does it).');
  }
}

function runAs(): { uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return {};
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

let counter = 0;

export async function startTestPostgres(
  options: { /** Serve TLS with a fresh self-signed certificate for 127.0.0.1. */ tls?: boolean } = {},
): Promise<TestPostgres> {
  const bin = binDir();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'reauth-pg-'));
  if (user.uid !== undefined) chownSync(dir, user.uid, user.gid ?? user.uid);
  const data = join(dir, 'data');
  execFileSync(
    join(bin, 'initdb'),
    ['-D', data, '-U', 'reauth', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    { stdio: 'pipe', ...user },
  );
  const tlsFlags: string[] = [];
  let certificate: string | undefined;
  if (options.tls) {
    certificate = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        key,
        '-out',
        certificate,
      ],
      { stdio: 'pipe' },
    );
    chmodSync(key, 0o600);
    if (user.uid !== undefined) for (const file of [key, certificate]) chownSync(file, user.uid, user.gid ?? user.uid);
    tlsFlags.push('-c', 'ssl=on', '-c', `ssl_cert_file=${certificate}`, '-c', `ssl_key_file=${key}`);
  }
  const port = await freePort();
  let server: ChildProcess | undefined;
  let output = '';

  const admin = () => new pg.Client({ host: '127.0.0.1', port, user: 'reauth', database: 'postgres' });
  async function ready(): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = admin();
      try {
        await client.connect();
        await client.query('select 1');
        await client.end();
        return;
      } catch (error) {
        await client.end().catch(() => undefined);
        if (server?.exitCode !== null && server?.exitCode !== undefined)
          throw new Error(`PostgreSQL exited: ${output.slice(-2000)}`);
        if (Date.now() > deadline)
          throw new Error(`PostgreSQL did not accept connections: ${(error as Error).message}\n${output.slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50)); // polling for the server's readiness, bounded above
      }
    }
  }

  async function start(): Promise<void> {
    output = '';
    server = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        data,
        '-p',
        String(port),
        '-k',
        dir,
        '-h',
        '127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=200',
        ...tlsFlags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], ...user },
    );
    server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    await ready();
  }

  async function stop(): Promise<void> {
    const running = server;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGINT'); // fast shutdown: connections are cut, as in a restart or failover
    await exited;
  }

  await start();
  return {
    port,
    dataDir: data,
    ...(certificate ? { certificate } : {}),
    async newDatabase(name) {
      counter += 1;
      const database = name ?? `reauth_${process.pid}_${counter}`;
      const client = admin();
      await client.connect();
      await client.query(`create database "${database}"`);
      await client.end();
      return `postgres://reauth@127.0.0.1:${port}/${database}`;
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
