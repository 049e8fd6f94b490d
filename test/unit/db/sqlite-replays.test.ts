import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileStore } from '../../helpers/db.js';
import { REPLAY_FLUSH_MS } from '../../../src/db/sqlite/webhook-replays.js';
import { tempDir } from '../../helpers/db.js';

const at = (ms: number) => new Date(Date.UTC(2026, 11, 7) + ms);
const onFile = (store: ReturnType<typeof fileStore>) =>
  (
    store.db.$client.prepare('select signature from webhook_replays order by signature').all() as {
      signature: string;
    }[]
  ).map((r) => r.signature);

describe('Slack signatures on SQLite: answered from memory, written together, remembered across a restart', () => {
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(() => dir?.cleanup());

  it('a replay is refused at once, and after the server restarts on the same file', async () => {
    dir = tempDir();
    const path = join(dir.path, 'reauth.db');
    const first = fileStore(path);
    expect(await first.webhookReplays.remember('slack:v0=a', at(0))).toBe(true);
    expect(await first.webhookReplays.remember('slack:v0=a', at(1))).toBe(false);
    expect(await first.webhookReplays.remember('slack:v0=b', at(2))).toBe(true);
    // Written together a moment later, not by each request.
    expect(onFile(first)).toEqual([]);
    await expect.poll(() => onFile(first), { timeout: REPLAY_FLUSH_MS * 50 }).toEqual(['slack:v0=a', 'slack:v0=b']);
    expect(await first.webhookReplays.remember('slack:v0=c', at(3))).toBe(true);
    await first.close();

    const second = fileStore(path);
    expect(await second.webhookReplays.remember('slack:v0=a', at(60_000))).toBe(false);
    expect(await second.webhookReplays.remember('slack:v0=c', at(60_000))).toBe(false);
    expect(await second.webhookReplays.remember('slack:v0=d', at(60_000))).toBe(true);
    await second.close();
  });

  it('a signature is forgotten once it is older than the window, in memory and on file', async () => {
    dir = tempDir();
    const store = fileStore(join(dir.path, 'reauth.db'));
    expect(await store.webhookReplays.remember('slack:v0=old', at(0))).toBe(true);
    await store.close();
    const later = fileStore(join(dir.path, 'reauth.db'));
    expect(await later.webhookReplays.remember('slack:v0=old', at(16 * 60_000))).toBe(true);
    await later.close();
  });
});
