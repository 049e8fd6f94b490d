/** A lock held in this process is never lost: its tasks get a signal that never aborts. */
const NEVER_LOST = new AbortController().signal;

/** Runs tasks for the same key one after another (per process); different keys run freely. */
export function createKeyedLock() {
  const tails = new Map<string, Promise<unknown>>();
  return async function withLock<T>(key: string, task: (lost: AbortSignal) => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    const start = () => task(NEVER_LOST);
    const run = previous.then(start, start);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

export type KeyedLock = ReturnType<typeof createKeyedLock>;
