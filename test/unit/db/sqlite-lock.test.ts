import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../src/db/sqlite/client.js';
import { createSqliteCredentialLock } from '../../../src/db/sqlite/locks.js';
import { fileStore } from '../../helpers/db.js';
import type { Store } from '../../../src/db/store.js';
import { tempDir } from '../../helpers/db.js';

/**
 * The credential lock on one SQLite file holds across processes (the server and the CLI): two stores
 * opened on the same file stand for them, each with its own connection and its own holder id.
 */
/** A promise and the function that resolves it. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((ok) => {
    resolve = ok;
  });
  return { promise, resolve };
}

describe('the SQLite credential lock across processes', () => {
  const opened: (Store & { db: { $client: { prepare(sql: string): { run(...a: unknown[]): unknown } } } })[] = [];
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    dir?.cleanup();
  });
  const twoProcesses = () => {
    dir = tempDir();
    const path = `${dir.path}/reauth.db`;
    const server = fileStore(path);
    const cli = fileStore(path);
    opened.push(server, cli);
    return { server, cli };
  };

  it('a second process waits until the first releases the key; another key runs freely', async () => {
    const { server, cli } = twoProcesses();
    const order: string[] = [];
    const held = deferred();
    const serverHolds = deferred();
    const first = server.withCredentialLock('integration:gitlab', async () => {
      order.push('server starts');
      serverHolds.resolve();
      await held.promise;
      order.push('server ends');
    });
    await serverHolds.promise;
    const second = cli.withCredentialLock('integration:gitlab', async () => {
      order.push('cli runs');
    });
    await cli.withCredentialLock('integration:other', async () => {
      order.push('cli runs another key');
    });
    expect(order).toEqual(['server starts', 'cli runs another key']);
    held.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(['server starts', 'cli runs another key', 'server ends', 'cli runs']);
  });

  it("a dead process's lease lapses: the key is taken over, and the task is told nothing was lost", async () => {
    const { cli } = twoProcesses();
    // A lease left by a process killed while it held the key, lapsed a moment ago.
    cli.db.$client
      .prepare('insert into credential_locks (credential_key, holder, expires_at) values (?, ?, ?)')
      .run('integration:gitlab', 'a-killed-process', Date.now() - 1);
    const aborted = await cli.withCredentialLock('integration:gitlab', async (lost) => lost.aborted);
    expect(aborted).toBe(false);
  });

  it('a lease of a process of this machine that no longer exists is taken over at once, not waited out', async () => {
    const { cli } = twoProcesses();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    cli.db.$client
      .prepare('insert into credential_locks (credential_key, holder, expires_at) values (?, ?, ?)')
      .run('integration:gitlab', `${hostname()}:${gone.stdout}:a-killed-process`, Date.now() + 10 * 60_000);
    // Waited out, the lease would outlast the lock's whole wait (a minute) and the call would fail.
    expect(await cli.withCredentialLock('integration:gitlab', async (lost) => lost.aborted)).toBe(false);
  });

  it('a wait longer than its limit fails with a sentence that says what happened and what to do, changing nothing', async () => {
    const { server, cli } = twoProcesses();
    const held = deferred();
    const holding = deferred();
    const first = server.withCredentialLock('integration:gitlab', async () => {
      holding.resolve();
      await held.promise;
    });
    await holding.promise;
    const impatient = createSqliteCredentialLock(cli.db as Db, { waitMs: 150 });
    await expect(impatient('integration:gitlab', async () => 'ran')).rejects.toThrow(
      /another process \(a replica, the server or a CLI command\) held the lock of integration:gitlab .* so nothing was changed; try again once it has finished/,
    );
    held.resolve();
    await first;
  });
});
