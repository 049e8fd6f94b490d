import type { Writable } from 'node:stream';
import { openState, openStore } from '../compose.js';
import { formatConfigProblems, parseConfig, type Config, type ConfigNeeds, type Environment } from '../config.js';
import type { Store } from '../db/store.js';

export interface CliIo {
  env: Environment;
  stdout: (text: string) => void;
  /** Standard output as a stream, for commands that write a lot (`audit`): it honours backpressure. */
  out?: Writable;
  stderr: (text: string) => void;
  now: () => Date;
}

/** Exit codes: 0 fine, 1 a probed integration fails, 2 usage or configuration error, 3 operation failed. */
export const EXIT = { ok: 0, failing: 1, usage: 2, failed: 3 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}

export function requireConfig(io: CliIo, needs: ConfigNeeds = {}): Config {
  const result = parseConfig(io.env, needs);
  if (!result.ok) throw new CliError(formatConfigProblems(result.problems));
  return result.config;
}

/** Opens the store (applying pending migrations), runs `work`, always closes. */
export async function withStore<T>(config: Config, work: (store: Store) => Promise<T> | T): Promise<T> {
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** As withStore, after syncing the catalogue the way the server does at start-up, with the loaded catalogue (its sinks and consumers). */
export async function withSyncedCatalogue<T>(
  config: Config,
  now: Date,
  work: (store: Store, catalogue: Awaited<ReturnType<typeof openState>>['catalogue']) => Promise<T> | T,
): Promise<T> {
  let opened: Awaited<ReturnType<typeof openState>>;
  try {
    opened = await openState(config, { now: () => now });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  try {
    return await work(opened.store, opened.catalogue);
  } finally {
    await opened.store.close();
  }
}
