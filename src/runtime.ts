import type { WebClient } from '@slack/web-api';
import { createAlerts, type Alerts } from './services/alerts.js';
import { createAuthoriser, type Authoriser } from './services/authorisation.js';
import type { ServiceDeps } from './services/deps.js';
import { createHealthMonitor, type HealthMonitor, type MonitorOptions } from './services/health-monitor.js';
import { createMetadataSigner, type MetadataSigner } from './slack/metadata.js';

/** Everything listeners and routes share, built once per app. */
export interface Runtime extends ServiceDeps {
  slack: WebClient;
  authoriser: Authoriser;
  alerts: Alerts;
  signer: MetadataSigner;
  monitor: HealthMonitor;
  /** Flips to true once the database is open and the catalogue loaded. */
  ready: boolean;
}

export function createRuntime(deps: ServiceDeps, slack: WebClient, monitorOptions: Partial<MonitorOptions> = {}): Runtime {
  if (!deps.config.secretKey) throw new Error('REAUTH_SECRET_KEY is required to run the app.');
  const authoriser = createAuthoriser({ admins: deps.config.admins, slack, clock: deps.clock, logger: deps.logger });
  const runtime: Runtime = {
    ...deps,
    slack,
    authoriser,
    alerts: createAlerts({ ...deps, slack, authoriser }),
    signer: createMetadataSigner(deps.config.secretKey),
    monitor: undefined as unknown as HealthMonitor,
    ready: false,
  };
  runtime.monitor = createHealthMonitor(runtime, {
    intervalMs: deps.config.healthCheckIntervalSeconds * 1000,
    reminderMs: deps.config.reminderIntervalHours * 3600 * 1000,
    ...monitorOptions,
  });
  return runtime;
}
