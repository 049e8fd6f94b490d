import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openPostgresStore } from '../../src/db/postgres/store.js';
import { systemClock } from '../../src/domain/clock.js';
import { tempDir } from '../helpers/db.js';
import { newKey } from '../helpers/keys.js';
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { report, SIZE } from './support.js';
import { BUILT } from '../helpers/build.js';

const WEBHOOK_SECRET = `whsec_${Buffer.from('replica-crash-signing-secret-32b').toString('base64')}`;
/** How far ahead of the database's clock a lease may be (the children lease for 1.5 s). */
const LEASE_MS = 1_500;

interface Loopback {
  url: string;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
  const address = server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const readBody = (req: import('node:http').IncomingMessage) =>
  new Promise<string>((ok) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => ok(body));
  });

/** Webhook sinks: which versions each received, in order, and how many senders it had at once. */
async function startReceiver(): Promise<Loopback & { versions: Map<string, number[]>; mostAtOnce: number }> {
  const versions = new Map<string, number[]>();
  const inFlight = new Map<string, number>();
  const state = { mostAtOnce: 0 };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const sink = req.url ?? '';
      inFlight.set(sink, (inFlight.get(sink) ?? 0) + 1);
      state.mostAtOnce = Math.max(state.mostAtOnce, inFlight.get(sink) ?? 0);
      const payload = JSON.parse(body) as { type: string; data: { version?: number } };
      // A little slow, as a real receiver is: long enough for a second sender to overlap.
      setTimeout(() => {
        if (payload.type === 'credential.updated' && payload.data.version !== undefined)
          versions.set(sink, [...(versions.get(sink) ?? []), payload.data.version]);
        inFlight.set(sink, (inFlight.get(sink) ?? 1) - 1);
        res.writeHead(200).end();
      }, 10);
    });
  });
  const url = await listen(server);
  return Object.assign(state, { url, versions, close: () => new Promise<void>((ok) => server.close(() => ok())) });
}

/**
 * An OAuth token endpoint whose refresh tokens are single use (as Bitbucket's and Entra's rotate). It
 * counts grants for one token chain sent at once by live replicas: a killed replica's request may still
 * be in flight here when its lock is released with its connection, so a grant whose sender is gone (its
 * socket closed) does not count.
 */
async function startOAuth(): Promise<Loopback & { grants: number; refused: number; concurrent: number }> {
  const current = new Map<string, string>();
  const byToken = new Map<string, string>();
  const inFlight = new Map<string, Set<import('node:http').IncomingMessage>>();
  const state = { grants: 0, refused: 0, concurrent: 0 };
  const issue = (chain: string) => {
    const refresh = `rt_${randomBytes(12).toString('hex')}`;
    current.set(chain, refresh);
    byToken.set(refresh, chain);
    return {
      access_token: `at_${randomBytes(12).toString('hex')}`,
      refresh_token: refresh,
      expires_in: 1,
      token_type: 'bearer',
    };
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const send = (status: number, value: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      if (req.url === '/issue') return send(200, issue(randomBytes(6).toString('hex')));
      const token = new URLSearchParams(body).get('refresh_token') ?? '';
      const chain = byToken.get(token);
      if (!chain) return send(400, { error: 'invalid_grant' });
      const others = inFlight.get(chain) ?? new Set();
      inFlight.set(chain, others);
      if ([...others].some((other) => !other.socket.destroyed)) state.concurrent += 1;
      others.add(req);
      setTimeout(() => {
        others.delete(req);
        if (current.get(chain) !== token) {
          state.refused += 1;
          return send(400, { error: 'invalid_grant', error_description: 'the refresh token was used already' });
        }
        state.grants += 1;
        send(200, issue(chain));
      }, 20);
    });
  });
  const url = await listen(server);
  return Object.assign(state, { url, close: () => new Promise<void>((ok) => server.close(() => ok())) });
}

/**
 * Crash consistency with two replicas on PostgreSQL: replica B keeps working while replica A is
 * killed with SIGKILL at random moments of re-authentication, OAuth refresh, delivery and catalogue
 * sync, again and again. After every kill: one current credential per key, versions unique and
 * growing per integration, no lease past its time, each sink sent to by one replica at a time and
 * never an older version after a newer one, no two refresh grants for one token at once; at the end
 * every committed version has reached every sink.
 */
describe('two replicas on PostgreSQL under SIGKILL', () => {
  const build = BUILT;
  let postgres: TestPostgres;
  let databaseUrl = '';
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let oauth: Awaited<ReturnType<typeof startOAuth>>;
  let dir: ReturnType<typeof tempDir>;
  let admin: pg.Pool;
  const key = newKey().toString('base64');

  beforeAll(async () => {
    postgres = await startTestPostgres();
    databaseUrl = await postgres.newDatabase();
    await (await openPostgresStore(databaseUrl, systemClock)).close(); // migrated once, before the replicas start
    receiver = await startReceiver();
    oauth = await startOAuth();
    dir = tempDir();
    writeFileSync(
      join(dir.path, 'integrations.yml'),
      `integrations:
  - id: gitlab-crash
    name: GitLab
    provider: gitlab
    auth: pat
    url: https://gitlab.example
    deliver:
      - { webhook: "${receiver.url}/gitlab", secret_env: WEBHOOK_SECRET }
  - id: bb-crash
    name: Bitbucket
    provider: bitbucket
    auth: oauth
    url: https://api.bitbucket.org
    deliver:
      - { webhook: "${receiver.url}/bb", secret_env: WEBHOOK_SECRET }
`,
    );
    // A pool: its connections are cut when the database restarts, and the next query opens a fresh one.
    admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    admin.on('error', () => undefined);
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await receiver?.close();
    await oauth?.close();
    await postgres?.close();
    dir?.cleanup();
  });

  function replica(
    seed: number,
    extra: Record<string, string> = {},
  ): {
    child: ChildProcess;
    ready: Promise<void>;
    exited: Promise<number | null>;
    done: () => string[];
    failed: () => string[];
    errors: () => string;
  } {
    const child = spawn(process.execPath, [join(build, 'dist/test/adversarial/replica-child.js')], {
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        REAUTH_SECRET_KEY: key,
        INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
        OAUTH_URL: oauth.url,
        BITBUCKET_OAUTH_URL: oauth.url,
        BITBUCKET_OAUTH_CLIENT_ID: 'crash-client',
        BITBUCKET_OAUTH_CLIENT_SECRET: 'crash-secret',
        WEBHOOK_SECRET,
        SEED: String(seed),
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    const ready = new Promise<void>((ok, fail) => {
      child.stdout?.on('data', () => (out.includes('ready\n') ? ok() : undefined));
      child.once('exit', (code, signal) =>
        signal === 'SIGKILL' || code === 0 ? ok() : fail(new Error(`replica stopped (${code}): ${err.slice(-3000)}`)),
      );
    });
    return {
      child,
      ready,
      exited,
      done: () => [...out.matchAll(/^done (\w+)$/gm)].map((m) => m[1] ?? ''),
      failed: () => [...out.matchAll(/^failed (\w+)/gm)].map((m) => m[1] ?? ''),
      errors: () => err,
    };
  }

  async function invariants(): Promise<string[]> {
    const problems: string[] = [];
    const rows = async (text: string) => (await admin.query(text)).rows as Record<string, unknown>[];
    for (const r of await rows(
      'select credential_key, count(*)::int n from credentials where replaced_at is null group by 1 having count(*) > 1',
    ))
      problems.push(`${r.n} current credentials for ${r.credential_key}`);
    for (const r of await rows('select credential_key, version from credentials group by 1, 2 having count(*) > 1'))
      problems.push(`version ${r.version} repeats for ${r.credential_key}`);
    for (const r of await rows(
      'select credential_key from (select credential_key, version, lag(version) over (partition by credential_key order by id) prev from credentials) v where prev >= version',
    ))
      problems.push(`versions of ${r.credential_key} do not grow with each change`);
    // Each version is committed with its outbox row: a version never repeats for an integration's sink.
    for (const r of await rows(
      "select integration_id, version from deliveries where type = 'credential.updated' group by integration_id, sink_key, version having count(*) > 1",
    ))
      problems.push(`version ${r.version} was queued twice for ${r.integration_id}`);
    for (const r of await rows(
      'select i.id from integrations i where i.credential_version < coalesce((select max(version) from credentials c where c.credential_key = i.credential_key), 0)',
    ))
      problems.push(`${r.id} was served a version above its recorded one`);
    for (const r of await rows(
      `select id from deliveries where status = 'pending' and lease_until > now() + interval '${LEASE_MS + 1_000} milliseconds'`,
    ))
      problems.push(`delivery ${r.id} is leased past its time`);
    for (const r of await rows('select alert_key from alerts where resolved_at is null group by 1 having count(*) > 1'))
      problems.push(`two open alerts for ${r.alert_key}`);
    for (const [sink, versions] of receiver.versions) {
      if (versions.some((v, i) => i > 0 && v < (versions[i - 1] ?? 0)))
        problems.push(`${sink} received an older version after a newer one: ${versions.join(',')}`);
    }
    if (receiver.mostAtOnce > 1) problems.push(`a sink had ${receiver.mostAtOnce} senders at once`);
    if (oauth.concurrent > 0) problems.push(`${oauth.concurrent} refresh grants sent at once for one token`);
    return problems;
  }

  it(`survives ${SIZE.replicaKills} kills of one replica while the other works, with every invariant intact`, async () => {
    const b = replica(1);
    await b.ready;
    const violations: string[] = [];
    const operations: Record<string, number> = {};
    let random = 11;
    const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
    for (let kill = 0; kill < SIZE.replicaKills; kill += 1) {
      const a = replica(1_000 + kill);
      await a.ready;
      // A random moment: somewhere in its first few hundred operations.
      await new Promise((ok) => setTimeout(ok, 5 + Math.floor(next() * 400))); // the kill's moment, not a synchronisation
      a.child.kill('SIGKILL');
      await a.exited;
      for (const op of a.done()) operations[op] = (operations[op] ?? 0) + 1;
      violations.push(...(await invariants()).map((p) => `after kill ${kill + 1}: ${p}`));
      if (violations.length > 20) break;
    }
    b.child.kill('SIGTERM');
    await b.exited;
    for (const op of b.done()) operations[op] = (operations[op] ?? 0) + 1;
    // One replica drains what is left (a killed replica's leases lapse after 1.5 s).
    const drain = replica(7, { ONCE: '1' });
    expect(await drain.exited).toBe(0);
    violations.push(...(await invariants()).map((p) => `at the end: ${p}`));
    // Every committed version, re-authentications and refreshes alike, has its outbox row.
    const committed = (
      await admin.query(
        "select integration_id k, array_agg(version order by version) versions from deliveries where type = 'credential.updated' group by 1",
      )
    ).rows as { k: string; versions: number[] }[];
    for (const { k, versions } of committed) {
      const sink = k === 'gitlab-crash' ? '/gitlab' : '/bb';
      const got = new Set(receiver.versions.get(sink) ?? []);
      const missing = versions.filter((v) => !got.has(v));
      if (missing.length) violations.push(`${sink} never received versions ${missing.join(',')}`);
    }
    const pending = Number(
      (await admin.query("select count(*) n from deliveries where status = 'pending'")).rows[0]?.n,
    );
    if (pending) violations.push(`${pending} deliveries still pending`);
    const delivered = [...receiver.versions.values()].reduce((n, v) => n + v.length, 0);
    const distinct = [...receiver.versions.values()].reduce((n, v) => n + new Set(v).size, 0);
    report('replicas-crash', {
      kills: SIZE.replicaKills,
      ...operations,
      versions: committed.reduce((n, c) => n + c.versions.length, 0),
      deliveries: delivered,
      repeatedDeliveries: delivered - distinct,
      refreshGrants: oauth.grants,
      refusedRefreshes: oauth.refused,
      inconsistencies: violations.length,
    });
    expect(violations).toEqual([]);
    expect(operations.reauth ?? 0).toBeGreaterThan(0);
    expect(operations.refresh ?? 0).toBeGreaterThan(0);
    expect(delivered).toBeGreaterThan(0);
  });

  it(`survives ${SIZE.databaseRestarts} database restarts while both replicas commit, refresh, deliver and sync: neither exits, both work again within seconds`, async () => {
    const a = replica(31);
    const b = replica(32);
    await Promise.all([a.ready, b.ready]);
    const recoveredMs: number[] = [];
    const stillRunning: string[] = [];
    let random = 17;
    const next = () => (random = (random * 48271) % 2147483647) / 2147483647;
    for (let restart = 0; restart < SIZE.databaseRestarts; restart += 1) {
      // A random moment: a credential lock or a transaction is open on one replica or both.
      await new Promise((ok) => setTimeout(ok, 50 + Math.floor(next() * 300))); // the restart's moment, not a synchronisation
      await postgres.restart();
      const restarted = Date.now();
      const before = a.done().length + b.done().length;
      await vi.waitFor(
        () => {
          expect(a.child.exitCode, a.errors().slice(-2000)).toBeNull();
          expect(b.child.exitCode, b.errors().slice(-2000)).toBeNull();
          expect(a.done().length + b.done().length).toBeGreaterThan(before + 1);
        },
        { timeout: 20_000, interval: 20 },
      );
      recoveredMs.push(Date.now() - restarted);
      for (const [name, r] of [
        ['A', a],
        ['B', b],
      ] as const)
        if (r.child.exitCode !== null) stillRunning.push(`replica ${name} exited after restart ${restart + 1}`);
    }
    const failedOperations = a.failed().length + b.failed().length;
    const operations = a.done().length + b.done().length;
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);
    const drain = replica(9, { ONCE: '1' });
    expect(await drain.exited).toBe(0);
    const violations = await invariants();
    const sorted = [...recoveredMs].sort((x, y) => x - y);
    report('database-restarts', {
      restarts: SIZE.databaseRestarts,
      operations,
      failedOperations,
      replicaExits: stillRunning.length,
      recoveredMsMedian: sorted[Math.floor(sorted.length / 2)] ?? 0,
      recoveredMsMax: sorted.at(-1) ?? 0,
      refreshGrants: oauth.grants,
      inconsistencies: violations.length,
    });
    expect(stillRunning).toEqual([]);
    expect(violations).toEqual([]);
  });
});
