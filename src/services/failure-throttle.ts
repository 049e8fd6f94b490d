import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';

/** Failed authentications allowed per source in a minute before that source is answered 429. */
export const AUTH_FAILURES_PER_MINUTE = 20;
const WINDOW_MS = 60_000;
/** Sources remembered at most (a flood from many addresses cannot grow memory without bound). */
const MAX_SOURCES = 10_000;

/**
 * Requests that fail before anyone is known — pull-API reads without a known token, links and OAuth
 * states Reauth never issued: each source (peer address) may fail 20 times a minute, then is answered
 * 429 until the minute is over, and the failures are logged as one summary line per minute (`event`,
 * `message`) instead of a line each (300 bad tokens were 300 log lines). Nothing is written to the
 * database for them, so a flood cannot grow it.
 */
export function createFailureThrottle(deps: { clock: Clock; logger: Logger; event: string; message: string }) {
  let windowStart = deps.clock.now().getTime();
  let counts = new Map<string, number>();
  let throttledRequests = 0;

  function roll(now: number): void {
    if (now - windowStart < WINDOW_MS) return;
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (total > 0 || throttledRequests > 0) {
      const top = [...counts.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 5)
        .map(([source, n]) => ({ source, failures: n }));
      deps.logger.warn(
        {
          event: deps.event,
          failures: total,
          sources: counts.size,
          throttled: throttledRequests,
          top,
          windowSeconds: Math.round((now - windowStart) / 1000),
        },
        deps.message,
      );
    }
    counts = new Map();
    throttledRequests = 0;
    windowStart = now - ((now - windowStart) % WINDOW_MS);
  }

  return {
    /** Seconds a source must wait before it may try again; 0 when it may. */
    blocked(source: string): number {
      const now = deps.clock.now().getTime();
      roll(now);
      if ((counts.get(source) ?? 0) < AUTH_FAILURES_PER_MINUTE) return 0;
      throttledRequests += 1;
      return Math.max(1, Math.ceil((windowStart + WINDOW_MS - now) / 1000));
    },
    record(source: string): void {
      roll(deps.clock.now().getTime());
      if (!counts.has(source) && counts.size >= MAX_SOURCES) return;
      counts.set(source, (counts.get(source) ?? 0) + 1);
    },
  };
}
