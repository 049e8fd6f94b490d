import type { Logger } from '../../logger.js';

/** The background jobs, in the order one tick runs them. */
export interface MonitorJobs {
  closeOrphanAlerts(): Promise<unknown>;
  runDue(): Promise<unknown>;
  retryAlertPosts(): Promise<unknown>;
  sendReminders(): Promise<unknown>;
  sendExpiryWarnings(): Promise<unknown>;
  /** Machine identities with push sinks: a new access token before the held one ends. */
  mintAhead(): Promise<unknown>;
}

export interface MonitorTimer {
  /** HEALTH_CHECK_INTERVAL_SECONDS in ms, to derive how often to look for due work. */
  intervalMs: number;
  /** How often the loop looks for due work (default: a twentieth of the interval, 1–60 s). */
  tickMs?: number;
}

/** Runs the jobs on a timer, one tick at a time; stop() waits for the running tick. */
export function createHealthMonitor(jobs: MonitorJobs, timing: MonitorTimer, logger: Logger) {
  let timer: NodeJS.Timeout | undefined;
  let ticking: Promise<void> | undefined;

  async function tick(): Promise<void> {
    if (ticking) return ticking;
    ticking = (async () => {
      try {
        await jobs.closeOrphanAlerts();
        await jobs.mintAhead();
        await jobs.runDue();
        await jobs.retryAlertPosts();
        await jobs.sendReminders();
        await jobs.sendExpiryWarnings();
      } catch (error) {
        logger.error({ err: error }, 'health monitor tick failed');
      } finally {
        ticking = undefined;
      }
    })();
    return ticking;
  }

  return {
    tick,
    start(): void {
      if (timer) return;
      const tickMs = timing.tickMs ?? Math.max(1_000, Math.min(60_000, Math.floor(timing.intervalMs / 20) || 60_000));
      timer = setInterval(() => void tick(), tickMs);
      timer.unref();
      void tick();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await ticking;
    },
  };
}

export type HealthMonitor = ReturnType<typeof createHealthMonitor>;
