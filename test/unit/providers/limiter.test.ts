import { describe, expect, it } from 'vitest';
import { createLimiter } from '../../../src/providers/limiter.js';

describe('the concurrency limiter', () => {
  it('hands a freed slot to the waiter, so a run() arriving during the hand-over waits and the cap holds', async () => {
    // The newcomer arrives k microtasks after the first task's gate opens: for some k that is after
    // the slot was freed and before the woken waiter ran (counting the waiter only once it ran let
    // both through). Every k must keep the cap.
    for (let k = 0; k < 8; k += 1) {
      const limiter = createLimiter(1);
      let running = 0;
      let most = 0;
      const gates: (() => void)[] = [];
      const task = () =>
        limiter.run(async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise<void>((resolve) => gates.push(resolve));
          running -= 1;
        });
      const runs = [task(), task()];
      await Promise.resolve();
      let later: Promise<void> = Promise.resolve();
      for (let i = 0; i < k; i += 1) later = later.then(() => undefined);
      gates[0]!();
      runs.push(later.then(() => task()));
      for (let i = 0; i < 20; i += 1) await Promise.resolve();
      expect(most, `newcomer after ${k} microtasks`).toBe(1);
      for (const next of [1, 2]) {
        while (gates.length <= next) await Promise.resolve();
        gates[next]!();
      }
      await Promise.all(runs);
      expect(most).toBe(1);
    }
  });

  it('runs up to its limit at once and the rest in order', async () => {
    const limiter = createLimiter(3);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limiter.run(async () => {
          running += 1;
          most = Math.max(most, running);
          order.push(i);
          await new Promise((resolve) => setImmediate(resolve));
          running -= 1;
        }),
      ),
    );
    expect(most).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('frees the slot of a task that throws', async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
  });
});
