import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import type { DeliveryAlerts } from './delivery-alerts.js';
import type { DeliveryWorker } from './worker.js';

/** How often the outbox is looked at for due retries (new versions are worked at once). */
export const DELIVERY_TICK_MS = 2_000;
/** How often sinks failing past 15 minutes are looked for between attempts. */
const ALERT_SWEEP_MS = 60_000;

/**
 * The news that messages were queued (a commit, an event), rung by whatever queues them and answered by
 * the delivery loop once it exists — so what queues messages is built without the loop it wakes.
 */
export function createDeliveryBell() {
  let answer: (() => void) | undefined;
  return {
    ring: (): void => answer?.(),
    answerWith(listener: () => void): void {
      answer = listener;
    },
  };
}

export type DeliveryBell = ReturnType<typeof createDeliveryBell>;

/** Runs the delivery worker: at once after a change (kick), and on a timer for retries and alerts. */
export function createDeliveryLoop(
  worker: Pick<DeliveryWorker, 'runDue' | 'idle'>,
  alerts: Pick<DeliveryAlerts, 'sweep'>,
  logger: Logger,
  clock: Clock,
  tickMs = DELIVERY_TICK_MS,
) {
  let timer: NodeJS.Timeout | undefined;
  let sweepAt = 0;
  let stopped = true;
  const run = async (): Promise<void> => {
    try {
      await worker.runDue();
      const now = clock.now().getTime();
      if (now >= sweepAt || now < sweepAt - ALERT_SWEEP_MS) {
        sweepAt = now + ALERT_SWEEP_MS;
        await alerts.sweep();
      }
    } catch (error) {
      logger.error(
        { event: 'delivery_loop_failed', error: (error as Error).message },
        'the delivery worker failed; it will try again',
      );
    }
  };
  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      const tick = () => {
        timer = setTimeout(() => {
          void run().finally(() => {
            if (!stopped) tick();
          });
        }, tickMs);
        timer.unref();
      };
      void run();
      tick();
    },
    /** Delivers new messages now (after a commit) rather than at the next tick. */
    kick(): void {
      if (!stopped) void run();
    },
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await worker.idle();
    },
  };
}

export type DeliveryLoop = ReturnType<typeof createDeliveryLoop>;
