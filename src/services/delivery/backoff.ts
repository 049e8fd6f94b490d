/** Delivery retries: from 10 s, doubling, up to 1 h, each jittered by ±20 % so sinks that failed together do not retry together. */
export const FIRST_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 60 * 60 * 1000;

/** The wait before the next attempt after `failures` failed ones (1 after the first failure). */
export function retryDelayMs(failures: number, random: () => number): number {
  const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1));
  return Math.round(Math.min(MAX_RETRY_MS, base * (0.8 + 0.4 * random())));
}
