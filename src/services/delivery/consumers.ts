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
