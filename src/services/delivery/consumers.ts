import { createHash, timingSafeEqual } from 'node:crypto';
import picomatch from 'picomatch';
import type { ConsumerSpec } from '../../domain/delivery.js';

/** Consumers of the pull API: who a bearer token belongs to, what it may read, and how often. */

export interface Consumer extends ConsumerSpec {
  mayRead(integrationId: string): boolean;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export function createConsumerDirectory(specs: readonly ConsumerSpec[]) {
  const consumers: Consumer[] = specs.map((spec) => {
    const matchers = spec.integrations.map((pattern) => picomatch(pattern));
    return { ...spec, mayRead: (id) => matchers.some((m) => m(id)) };
  });
  const hashes = consumers.map((c) => Buffer.from(c.tokenSha256, 'hex'));
  return {
    /**
     * The consumer a bearer token belongs to. The token's hash is compared with every consumer's in
     * constant time, without stopping at a match, so timing says nothing about which hashes exist.
     */
    byToken(token: string): Consumer | undefined {
      const presented = createHash('sha256').update(token, 'utf8').digest();
      let found: Consumer | undefined;
      consumers.forEach((consumer, i) => {
        if (timingSafeEqual(presented, hashes[i]!) && !found) found = consumer;
      });
      return found;
    },
    get size(): number {
      return consumers.length;
    },
  };
}

export type ConsumerDirectory = ReturnType<typeof createConsumerDirectory>;

/** A token bucket per consumer: `requestsPerMinute` in a burst, refilled evenly over the minute. */
export function createRateLimiter(now: () => number) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** 0 when the request may go ahead; otherwise the seconds to wait. */
    take(name: string, perMinute: number): number {
      const t = now();
      const bucket = buckets.get(name) ?? { tokens: perMinute, at: t };
      const refilled = Math.min(perMinute, bucket.tokens + ((t - bucket.at) / 60_000) * perMinute);
      if (refilled >= 1) {
        buckets.set(name, { tokens: refilled - 1, at: t });
        return 0;
      }
      buckets.set(name, { tokens: refilled, at: t });
      return Math.max(1, Math.ceil(((1 - refilled) * 60) / perMinute));
    },
  };
}
