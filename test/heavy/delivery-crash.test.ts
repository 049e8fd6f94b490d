import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/sandbox/sinks/webhook-receiver.js';
import { tempDir } from '../helpers/db.js';
import { newKeyText } from '../helpers/keys.js';
import { BUILT } from '../helpers/build.js';

const SECRET = `whsec_${Buffer.from('crash-test-signing-secret-32-byt').toString('base64')}`;
const KILLS = Number(process.env.REAUTH_DELIVERY_KILLS ?? '12');

/**
 * The transactional outbox under SIGKILL: a version committed just before a kill is delivered after
 * a restart; killed at random moments while delivering, a sink still receives every version at least
 * once and never an older one after a newer one. And a file sink killed mid-write leaves the previous
 * file whole.
 */
describe('delivery survives SIGKILL', () => {
  const build = BUILT;
  let dir: ReturnType<typeof tempDir>;
  let hook: WebhookReceiver;
  const key = newKeyText();

  beforeAll(async () => {
    dir = tempDir();
    hook = await startWebhookReceiver(SECRET);
    writeFileSync(
      join(dir.path, 'integrations.yml'),
      `integrations:\n  - id: jira-acme\n    provider: jira\n    auth: api_key\n    url: https://acme.atlassian.net\n    deliver:\n      - webhook: ${hook.url}\n        secret_env: HOOK_SECRET\n        include_credential: true\n      - file: ${join(dir.path, 'out', 'jira-acme.json')}\n`,
    );
  }, 120_000);
  afterAll(async () => {
    await hook?.close();
    dir?.cleanup();
  });

  function run(mode: string, extra: Record<string, string> = {}) {
    const child = spawn(process.execPath, [join(build, 'dist/test/heavy/delivery-child.js')], {
      env: {
        ...process.env,
        MODE: mode,
        DATABASE_PATH: join(dir.path, 'reauth.db'),
        INTEGRATIONS_FILE: join(dir.path, 'integrations.yml'),
        REAUTH_SECRET_KEY: key,
        HOOK_SECRET: SECRET,
        ...extra,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
      child.once('exit', (code, signal) => done({ code, signal })),
    );
    /** Resolves when the output has a line matching `pattern` (or the child ended). */
    const until = (pattern: RegExp) =>
      new Promise<void>((done, fail) => {
        const check = () => (pattern.test(out) ? done() : undefined);
        child.stdout?.on('data', check);
        check();
        void exited.then(({ code, signal }) =>
          pattern.test(out) || signal === 'SIGKILL'
            ? done()
            : fail(new Error(`the child stopped (${code}): ${err.slice(-2000)}`)),
        );
      });
    return { child, exited, until, output: () => out };
  }

  const delivered = () =>
    hook.received
      .filter((r) => r.verified && r.status === 200 && r.payload?.type === 'credential.updated')
      .map((r) => Number(r.payload?.data?.version));

  it('a version committed right before a kill is delivered after the restart', async () => {
    const worker = run('commit');
    await worker.until(/^committed$/m);
    worker.child.kill('SIGKILL');
    await worker.exited;
    expect(delivered()).toEqual([]);
    const drain = run('drain');
    await drain.until(/^drained$/m);
    expect((await drain.exited).code).toBe(0);
    expect(delivered()).toEqual([1]);
    expect(JSON.parse(readFileSync(join(dir.path, 'out', 'jira-acme.json'), 'utf8'))).toMatchObject({
      version: 1,
      credential: { token: 'ATATT3xCRASHdelivery000001=ZZ' },
    });
  });

  it(`killed ${KILLS} times while committing and delivering, every version arrives, in order`, async () => {
    for (let i = 0; i < KILLS; i += 1) {
      const worker = run('work');
      const committedBefore = (worker.output().match(/^committed/gm) ?? []).length;
      await worker.until(/^ready$/m);
      // Let it commit at least one version, then kill it at a moment that varies from run to run.
      await worker.until(/^committed \d+$/m);
      await new Promise<void>((done) => setImmediate(done));
      for (let spin = 0; spin < (i * 7919) % 5; spin += 1) await new Promise<void>((done) => setImmediate(done));
      worker.child.kill('SIGKILL');
      await worker.exited;
      expect((worker.output().match(/^committed/gm) ?? []).length).toBeGreaterThan(committedBefore);
    }
    const drain = run('drain');
    await drain.until(/^drained$/m);
    const versions = delivered();
    const latest = Math.max(...versions);
    // At least once: every version from 1 to the latest; in order: never an older one after a newer one.
    expect(new Set(versions)).toEqual(new Set(Array.from({ length: latest }, (_, i) => i + 1)));
    expect(versions.every((v, i) => i === 0 || v >= versions[i - 1]!)).toBe(true);
    expect(JSON.parse(readFileSync(join(dir.path, 'out', 'jira-acme.json'), 'utf8'))).toMatchObject({
      version: latest,
    });
    console.log(
      `delivery crash: ${KILLS} kills, ${latest} versions, ${versions.length} deliveries (${versions.length - latest} repeated after a kill)`,
    );
  });

  it('a file sink killed mid-write leaves the previous file whole', async () => {
    const target = join(dir.path, 'big', 'out.json');
    let start = 1;
    let killedMidWrite = 0;
    let kills = 0;
    // Until three kills have landed mid-write (a temporary file left behind), at most 40.
    for (let i = 0; i < 40 && killedMidWrite < 3; i += 1) {
      kills += 1;
      const writer = run('file', { FILE_TARGET: target, START: String(start) });
      await writer.until(/^wrote \d+$/m);
      // Not a wait for anything: the kill lands at a different point of the next write each time
      // (building the JSON, writing, flushing, renaming), which takes about 150 ms here.
      await new Promise<void>((done) => setTimeout(done, 10 + ((i * 37) % 200)));
      writer.child.kill('SIGKILL');
      await writer.exited;
      const written = [...writer.output().matchAll(/^wrote (\d+)$/gm)].map((m) => Number(m[1]));
      if (readdirSync(join(dir.path, 'big')).some((name) => name.endsWith('.reauth-tmp'))) killedMidWrite += 1;
      const onDisk = JSON.parse(readFileSync(target, 'utf8')) as { version: number; pad: string };
      expect(onDisk.pad).toHaveLength(32 * 1024 * 1024);
      // What is on disk is the last version reported written, or the one being written when killed.
      expect([Math.max(...written), Math.max(...written) + 1]).toContain(onDisk.version);
      start = onDisk.version + 1;
    }
    // The kills did land mid-write (a temporary file was left behind), so the check above means something.
    console.log(`file sink: ${kills} kills, ${killedMidWrite} of them mid-write`);
    expect(killedMidWrite).toBe(3);
  });
});
