/** A counting semaphore: at most `limit` tasks run at once; the rest wait in order. */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

/**
 * A slot is handed over at release: the woken waiter takes the finishing task's slot before it
 * runs, so a `run()` arriving between the release and the waiter's turn finds no free slot and
 * queues (counting only once the waiter ran let both through, over the cap; p-limit counts the same way).
 */
export function createLimiter(limit: number): Limiter {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next)
      next(); // the slot passes to the next waiter: `active` stays the same
    else active -= 1;
  };
  return {
    async run(task) {
      if (active < limit) active += 1;
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
