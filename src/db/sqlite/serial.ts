/**
 * One SQLite connection serves the whole process, and better-sqlite3 runs each statement synchronously:
 * a transaction that awaits between its statements (the shared repositories' do) would take in any
 * statement another request issued meanwhile. So every repository call runs in turn, through one queue
 * (pg-boss runs SQLite the same way), and inside a call statements use the handle they are given.
 * Work that writes outside a repository call (the audit batch, the replay memory, the credential lock's
 * lease) takes its turn in the same queue.
 */
export type SerialRun = <T>(task: () => T | Promise<T>) => Promise<T>;

export function createSerialQueue(): SerialRun {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => T | Promise<T>): Promise<T> => {
    const result = tail.then(task);
    // The next task waits for this one to settle, whether it failed or not.
    tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
}

/**
 * The repository with each method run in turn through the queue. `except`: methods left as they are —
 * ones that take their turns themselves (batches), or return an async iterable read lazily.
 */
export function serialized<R extends object>(repository: R, run: SerialRun, except: readonly (keyof R)[] = []): R {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(repository)) {
    wrapped[name] =
      typeof value === 'function' && !except.includes(name as keyof R)
        ? (...args: unknown[]) => run(() => (value as (...a: unknown[]) => unknown).apply(repository, args))
        : value;
  }
  return wrapped as R;
}
