import { sql } from 'drizzle-orm';
import type { Clock } from '../../domain/clock.js';
import { RATE_WINDOW_MS, retryAfterSeconds } from '../engine-rules.js';
import type { ConsumerRateRepository } from '../store.js';
import type { Db } from './client.js';
import { consumerRates } from './schema.js';

export function createConsumerRateRepository(db: Db, clock: Clock): ConsumerRateRepository {
  return {
    async take(consumer, perMinute) {
      const now = clock.now().getTime();
      const window = new Date(now - (now % RATE_WINDOW_MS));
      const row = db
        .insert(consumerRates)
        .values({ consumer, windowStart: window, count: 1 })
        .onConflictDoUpdate({
          target: consumerRates.consumer,
          set: {
            count: sql`case when ${consumerRates.windowStart} = excluded.window_start then ${consumerRates.count} + 1 else 1 end`,
            windowStart: sql`excluded.window_start`,
          },
        })
        .returning()
        .get();
      return row.count <= perMinute ? 0 : retryAfterSeconds(row.windowStart, new Date(now));
    },
  };
}
