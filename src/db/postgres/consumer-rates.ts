import { sql } from 'drizzle-orm';
import type { ConsumerRateRepository } from '../store.js';
import { RATE_WINDOW_MS, retryAfterSeconds } from '../engine-rules.js';
import type { Engine } from '../repositories/dialect.js';
import type { PgDb } from './client.js';
import { consumerRates } from './schema.js';

/** Consumer rates on PostgreSQL: counted in the database by its clock (SQLite counts in memory, one server process). */

/** Consumer reads per minute, counted in one row per consumer; the window is the database's minute, whatever each replica's clock says. */
export function createPgConsumerRateRepository(db: PgDb, { now }: Pick<Engine, 'now'>): ConsumerRateRepository {
  return {
    async take(consumer, perMinute) {
      const at = now();
      const window = sql`to_timestamp(floor(extract(epoch from ${at}) * 1000 / ${RATE_WINDOW_MS}) * ${RATE_WINDOW_MS} / 1000.0)`;
      const [row] = await db
        .insert(consumerRates)
        .values({ consumer, windowStart: window, count: 1 })
        .onConflictDoUpdate({
          target: consumerRates.consumer,
          set: {
            count: sql`case when ${consumerRates.windowStart} = excluded.window_start then ${consumerRates.count} + 1 else 1 end`,
            windowStart: sql`excluded.window_start`,
          },
        })
        .returning({ count: consumerRates.count, windowStart: consumerRates.windowStart, now: sql<string>`${at}` });
      if (!row || row.count <= perMinute) return 0;
      return retryAfterSeconds(row.windowStart, new Date(row.now));
    },
  };
}

/** Consumer grants, applied under the catalogue's advisory lock: replicas applying the same file at once record each grant once. */
