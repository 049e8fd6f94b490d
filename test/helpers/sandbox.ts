import { afterAll, beforeAll } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/start-sandbox.js';
import { tempDir } from './db.js';
import { freePort } from './start-app.js';

/** What the sandbox page's API answers for its panes. */
export interface SandboxState {
  modal: string;
  modalId: string;
  channel: string;
  controls: string;
  delivery: string;
}

/**
 * A sandbox for the tests of one file (started before them, stopped after), driven through its page's
 * own API as the page script does it.
 */
export function useSandbox() {
  let sandbox: Sandbox | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  beforeAll(async () => {
    dir = tempDir();
    sandbox = await startSandbox({ dataDir: dir.path, port: await freePort(), healthCheckSeconds: 3600 });
  });
  afterAll(async () => {
    await sandbox?.close();
    dir?.cleanup();
  });
  const running = (): Sandbox => {
    if (!sandbox) throw new Error('the sandbox has not started');
    return sandbox;
  };
  return {
    sandbox: running,
    api: async (path: string, body: unknown) =>
      (
        await fetch(`${running().url}/sandbox/api/${path}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json() as Promise<{ message?: string }>,
    state: async () => (await (await fetch(`${running().url}/sandbox/api/state`)).json()) as SandboxState,
  };
}
