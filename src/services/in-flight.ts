/**
 * Work that must finish before the process stops (a validation still running after Slack's ack, an
 * OAuth callback, a route): tracked while it runs, waited for at shutdown, up to a limit.
 */
export function createInFlight() {
  const running = new Set<Promise<unknown>>();
  return {
    track<T>(work: Promise<T>): Promise<T> {
      running.add(work);
      const done = () => running.delete(work);
      work.then(done, done);
      return work;
    },
    get count(): number {
      return running.size;
    },
    /** Resolves true when everything tracked has finished, false when `limitMs` passed first. */
    async drain(limitMs: number): Promise<boolean> {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), limitMs);
      });
      const all = (async () => {
        while (running.size > 0) await Promise.allSettled([...running]);
        return true as const;
      })();
      const drained = await Promise.race([all, limit]);
      clearTimeout(timer);
      return drained;
    },
  };
}

export type InFlight = ReturnType<typeof createInFlight>;
