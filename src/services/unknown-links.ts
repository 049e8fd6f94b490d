import type { Clock } from '../domain/clock.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { createFailureThrottle } from './failure-throttle.js';

/** Where a request named a link or state Reauth never issued. */
export type UnknownLinkPath = 'web_form' | 'oauth_start' | 'oauth_callback';

/**
 * Requests for a one-time page link or an OAuth state Reauth never issued (a scanner, a mistyped or
 * truncated link): no audit row — the audit log records what happens to what Reauth issued, and a
 * flood would grow it without bound — but a metric, one summary log line a minute, and 429 for a source
 * past 20 a minute (SPEC §9).
 */
export function createUnknownLinks(deps: { clock: Clock; logger: Logger; metrics?: Pick<Metrics, 'unknownLinks'> }) {
  const throttle = createFailureThrottle({
    clock: deps.clock,
    logger: deps.logger,
    event: 'unknown_link_requests',
    message: 'requests for links or sign-in states Reauth never issued (one summary line per minute)',
  });
  return {
    /** Counts one; the seconds this source must wait (answer 429), or 0 to answer it as unknown. */
    seen(source: string | undefined, path: UnknownLinkPath): number {
      deps.metrics?.unknownLinks.inc({ path });
      const from = source ?? 'unknown';
      const wait = throttle.blocked(from);
      if (wait === 0) throttle.record(from);
      return wait;
    },
  };
}

export type UnknownLinks = ReturnType<typeof createUnknownLinks>;
